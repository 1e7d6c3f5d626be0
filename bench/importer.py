"""The importer's publishing alone, on a fresh embedded broker and database.

    .venv/bin/python -m bench.importer [--file examples/data/poland_warszawa_2026.pb]

Times `clients.election_import.publish_votes` (make the events, archive each chunk in
PostgreSQL, send it to the broker) for every vote of the file, as `bench.voting`'s publishing
phase does, with nothing else of the stack running. Prints the votes per second, this process's
CPU seconds (the steadier figure on a shared machine) and the load average before and after.
Uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when set.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

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


async def run(settings: Settings, path: Path, election: pabulib.Election) -> None:
    assert settings.kafka_bootstrap_servers and settings.database_url
    await ensure_topics(settings.kafka_bootstrap_servers)
    async with archiving_producer(settings.kafka_bootstrap_servers, settings.database_url,
                                  linger_ms=20) as producer:
        await producer.publish_many(pabulib.campaign_events(election, "bench"))
        load = os.getloadavg()[0]
        cpu, wall = time.process_time(), time.perf_counter()
        sent = await publish_votes(producer, election)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"publishing {path.name}: {sent:,} votes in {wall:.2f} s = {sent / wall:,.0f} votes/s;"
          f" importer CPU {cpu:.2f} s ({1e6 * cpu / sent:.1f} us/vote);"
          f" load {load:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)


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
            asyncio.run(run(settings, path, pabulib.parse(path.read_bytes())))
        finally:
            infra.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
