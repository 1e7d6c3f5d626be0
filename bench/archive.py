"""Event archive figures for the Warsaw 2026 election (287,475 votes) on the embedded pair.

    .venv/bin/python bench/archive.py [--file examples/data/poland_warszawa_2026.pb]

1. Publish the campaign, its ideas and every vote through `EventProducer` with the archive (the
   path every producer takes), chunks of 10,000; beside it the same votes to a scratch topic
   without the archive (the broker alone).
2. The archive's size in PostgreSQL (table + indexes) and per event.
3. `log verify`: recompute every hash chain.
4. Restore: a new, empty embedded broker gets every archived record back at its offsets.
5. `log export` (size on disk) and `log import` into an empty database of the same server.

No workers run: these are the archive's own costs. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clients import pabulib  # noqa: E402
from schemas.topics import Topic  # noqa: E402
from services.infra import archive, archive_io, db  # noqa: E402
from services.infra.embedded import EmbeddedBroker  # noqa: E402
from services.infra.kafka import EventProducer, ensure_topics  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure  # noqa: E402


def mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


async def run(settings: Settings, home: Path, election: pabulib.Election) -> None:
    assert settings.kafka_bootstrap_servers and settings.database_url
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=4)
    await archive.setup(pool)
    await ensure_topics(settings.kafka_bootstrap_servers)
    votes = list(pabulib.vote_events(election))
    setup = list(pabulib.campaign_events(election, "bench"))
    print(f"{election.vote_count:,} votes, {len(setup)} campaign and idea events")

    scratch = Topic("bench.votes", partitions=4, key="voter id")
    await ensure_topics(settings.kafka_bootstrap_servers, [scratch])
    async with EventProducer(settings.kafka_bootstrap_servers, linger_ms=20) as bare:
        t = time.perf_counter()
        for start in range(0, len(votes), 10_000):
            await bare.send_raw_many(
                [(scratch.name, e.key(), e.to_bytes(), None) for e in votes[start:start + 10_000]])
        broker_only = time.perf_counter() - t

    async with EventProducer(settings.kafka_bootstrap_servers, archive=pool,
                             linger_ms=20) as producer:
        await producer.publish_many(setup)
        t = time.perf_counter()
        await producer.publish_many(votes)
        archived_publish = time.perf_counter() - t
    n = len(votes)
    print(f"publish, broker only          {broker_only:6.1f} s  {n / broker_only:9,.0f} events/s")
    print(f"publish, archive then broker  {archived_publish:6.1f} s  "
          f"{n / archived_publish:9,.0f} events/s")

    events = int(await pool.fetchval("SELECT count(*) FROM archive.events"))
    size = int(await pool.fetchval("SELECT pg_total_relation_size('archive.events')"))
    table = int(await pool.fetchval("SELECT pg_relation_size('archive.events')"))
    print(f"archive size                  {mib(size)} for {events:,} events "
          f"({size / events:,.0f} bytes/event; table {mib(table)}, rest primary key and TOAST)")

    t = time.perf_counter()
    checked, partitions = await archive.verify(pool)
    print(f"log verify                    {time.perf_counter() - t:6.1f} s  "
          f"{checked:,} events in {partitions} partitions")

    broker = EmbeddedBroker(home / "broker-2")
    bootstrap = broker.start()
    try:
        t = time.perf_counter()
        restored = await archive_io.restore(pool, bootstrap)
        took = time.perf_counter() - t
        print(f"restore into an empty broker  {took:6.1f} s  {restored:,} events "
              f"({restored / took:,.0f} events/s)")
    finally:
        broker.stop()

    out = home / "export"
    t = time.perf_counter()
    await archive_io.export(pool, out)
    print(f"log export                    {time.perf_counter() - t:6.1f} s  "
          f"{mib(folder_size(out))} on disk")

    await pool.execute("DROP DATABASE IF EXISTS bench_import")
    await pool.execute("CREATE DATABASE bench_import")
    dsn = settings.database_url.replace("/postgres?", "/bench_import?")
    other = await db.create_pool(dsn, min_size=1, max_size=2)
    try:
        t = time.perf_counter()
        loaded = await archive_io.import_log(other, out)
        print(f"log import (check + load)     {time.perf_counter() - t:6.1f} s  {loaded:,} events")
    finally:
        await other.close()
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path,
                        default=ROOT / "examples" / "data" / "poland_warszawa_2026.pb")
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    election = pabulib.parse(args.file.read_bytes())
    home = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    home.chmod(0o755)
    infra = Infrastructure(Settings(ideastorm_home=home), fresh_db=True)
    settings = infra.start()
    try:
        asyncio.run(run(settings, home, election))
    finally:
        infra.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
