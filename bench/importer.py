"""The importer's publishing alone, on a fresh embedded broker and database.

    .venv/bin/python -m bench.importer [--file examples/data/poland_warszawa_2026.pb]

Times `clients.election_import.publish_votes` (make the events, archive each chunk in
PostgreSQL, send it to the broker) for every vote of the file, as `bench.voting`'s publishing
phase does, with nothing else of the stack running. Prints the votes per second, this process's
CPU seconds (the steadier figure on a shared machine), the CPU seconds the embedded broker and
database servers used meanwhile, and the load average before and after.
Uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when set.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
# run as a file, this folder would come first on the path and its limits.py would shadow the
# `limits` package the settings use: put the project root there instead
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from clients import pabulib  # noqa: E402
from clients.election_import import publish_votes  # noqa: E402
from services.infra.kafka import archiving_producer, ensure_topics  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure  # noqa: E402

FILE = ROOT / "examples" / "data" / "poland_warszawa_2026.pb"


def servers(infra: Infrastructure) -> list[psutil.Process]:
    """The embedded broker and database server processes (none when external ones are used)."""
    procs = []
    broker = getattr(infra, "broker", None)
    if broker is not None and broker.proc is not None:
        procs.append(psutil.Process(broker.proc.pid))
    postgres = getattr(infra, "postgres", None)
    master = postgres.postmaster() if postgres is not None else None
    if master is not None:
        procs += [master, *master.children(recursive=True)]
    return procs


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the importer's making process
    once its pool is shut down; the servers run on)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cpu_seconds(procs: list[psutil.Process]) -> dict[str, float]:
    """CPU seconds used so far by each kind of server process, the ended ones left out."""
    used: dict[str, float] = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
            name = "broker" if "tansu" in " ".join(proc.cmdline()) else "database"
        except psutil.Error:
            continue
        used[name] = used.get(name, 0.0) + times.user + times.system
    return used


async def run(settings: Settings, path: Path, election: pabulib.Election,
              infra: Infrastructure) -> None:
    assert settings.kafka_bootstrap_servers and settings.database_url
    await ensure_topics(settings.kafka_bootstrap_servers)
    async with archiving_producer(settings.kafka_bootstrap_servers, settings.database_url,
                                  linger_ms=20) as producer:
        await producer.publish_many(pabulib.campaign_events(election, "bench"))
        procs = servers(infra)  # the database's sessions of this producer are open now
        load, before = os.getloadavg()[0], cpu_seconds(procs)
        cpu, wall, made = time.process_time(), time.perf_counter(), children_cpu()
        sent = await publish_votes(producer, election)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        made = children_cpu() - made
        after = cpu_seconds(procs)
    print(f"publishing {path.name}: {sent:,} votes in {wall:.2f} s = {sent / wall:,.0f} votes/s;"
          f" importer CPU {cpu + made:.2f} s ({1e6 * (cpu + made) / sent:.1f} us/vote;"
          f" of it {made:.2f} s in processes it started and ended);"
          f" load {load:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)
    print("  server CPU during it: " + ", ".join(
        f"{name} {after[name] - before.get(name, 0.0):.2f} s" for name in sorted(after)),
        flush=True)


def main() -> int:
    configure_logging("WARNING", json=True)
    path = Path(sys.argv[sys.argv.index("--file") + 1]) if "--file" in sys.argv else FILE
    with tempfile.TemporaryDirectory(prefix="ideastorm-bench-") as home:
        base = Settings(ideastorm_env="test", ideastorm_home=Path(home),
                        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
                        database_url=os.environ.get("DATABASE_URL") or None)
        infra = Infrastructure(base, fresh_db=True)
        settings = infra.start()
        try:
            asyncio.run(run(settings, path, pabulib.parse(path.read_bytes()), infra))
        finally:
            infra.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
