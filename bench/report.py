"""Quarterly report generation time at Warsaw scale, beside this machine's raw limits.

    .venv/bin/python bench/report.py

Puts one campaign of 83 ideas and 287,475 votes by 61,668 voters (the size of
poland_warszawa_2026.pb) straight into the report's input tables, then times: loading the
quarter's inputs (the as-of SQL), computing the report, rendering each format, and re-rendering
a stored report in place as the erasure of a participant does. Raw limits
measured in the same run: COPYing those rows into PostgreSQL, and reading them all back.
Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary folder.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# run as a file, this folder would come first on the path and its limits.py would shadow the
# `limits` package the settings use: put the project root there instead
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from services.infra import db  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure  # noqa: E402
from services.reporting import projections  # noqa: E402
from services.reporting.handlers import rerender_after_erasure  # noqa: E402
from services.reporting.queries import load_inputs  # noqa: E402
from services.reporting.report.compute import compute  # noqa: E402
from services.reporting.report.i18n import Lang  # noqa: E402
from services.reporting.report.quarter import Quarter  # noqa: E402
from services.reporting.report.render import FORMATS, render  # noqa: E402

LANGS: tuple[Lang, ...] = ("da", "en")

VOTERS, IDEAS, VOTES = 61_668, 83, 287_475
QUARTER = Quarter(2077, 2)  # far from any real data in the database


def rows() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    rnd = random.Random(7)
    cid = uuid.uuid4()
    opens = datetime(2077, 6, 1, tzinfo=UTC)
    ideas = [uuid.uuid4() for _ in range(IDEAS)]
    events = [(uuid.uuid4(), "campaign.created", opens - timedelta(days=1), "staff",
               {"campaign_id": str(cid), "title": "Warszawa-size campaign",
                "question": "?", "opens_at": opens.isoformat(),
                "closes_at": (opens + timedelta(days=14)).isoformat(), "moderation": "post"})]
    for n, iid in enumerate(ideas):
        events.append((uuid.uuid4(), "idea.submitted", opens + timedelta(seconds=n), "import",
                       {"idea_id": str(iid), "campaign_id": str(cid),
                        "title": f"Projekt {n}", "body": "..."}))
    votes: list[tuple[object, ...]] = []
    voter = 0
    while len(votes) < VOTES:
        chosen = rnd.sample(ideas, min(5, VOTES - len(votes)))
        when = opens + timedelta(seconds=rnd.randrange(14 * 86400))
        for iid in chosen:
            votes.append((uuid.uuid4(), cid, iid, f"v-{voter % VOTERS}", 1, None, when, when))
        voter += 1
    return events, votes


async def main() -> None:
    configure_logging("WARNING", json=True)
    infra = Infrastructure(Settings(ideastorm_home=Path(tempfile.mkdtemp(prefix="bench-")),
                                    kafka_bootstrap_servers="unused:9092"), fresh_db=True)
    settings = infra.start()
    assert settings.database_url
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        await db.migrate(pool, "infra", schema="archive")  # the signed log heads a report cites
        await db.migrate(pool, "reporting")
        events, votes = rows()
        async with pool.acquire() as conn:
            t = time.perf_counter()
            await conn.copy_records_to_table("votes", schema_name="reporting", records=votes)
            copy_s = time.perf_counter() - t
            await conn.executemany(
                "INSERT INTO reporting.events (event_id, type, occurred_at, recorded_at, actor,"
                " payload) VALUES ($1, $2, $3, $3, $4, $5::jsonb)", events)
            await conn.execute("ANALYZE reporting.votes")
            t = time.perf_counter()
            back = await conn.fetch("SELECT * FROM reporting.votes")
            read_s = time.perf_counter() - t
        t = time.perf_counter()
        inputs = await load_inputs(pool, QUARTER)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        report = compute(inputs)
        compute_s = time.perf_counter() - t
        timings = {}
        for fmt in FORMATS:
            for lang in LANGS:
                t = time.perf_counter()
                size = len(render(report, fmt, lang))
                timings[(fmt, lang)] = (time.perf_counter() - t, size)
        # a stored report rendered again after an erasure, inside the erasure's transaction
        # (stored with a stale content hash, so that every rendering is made and replaced)
        fp = report.cover.fingerprint
        async with pool.acquire() as conn, conn.transaction():
            await projections.store_report(
                conn, report_id=uuid.uuid4(), quarter=str(QUARTER), cutoff=QUARTER.end,
                fingerprint=fp, content_hash="0" * 64, generated_at=datetime.now(UTC),
                trigger="command", files=[])
            t = time.perf_counter()
            replaced, _ = await rerender_after_erasure(conn, QUARTER.start, datetime.now(UTC))
            rerender_s = time.perf_counter() - t
        assert replaced == 1
    finally:
        await pool.close()
        infra.stop()
    (campaign,) = report.campaigns.items
    load = os.getloadavg()
    print(f"report bench: {os.cpu_count()} cores, load average"
          f" {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"report {QUARTER}: {campaign.votes:,} votes by {campaign.participants:,} participants")
    print(f"  load inputs (as-of SQL)  {load_s:6.2f} s")
    print(f"  compute                  {compute_s:6.2f} s")
    for (fmt, lang), (secs, size) in timings.items():
        print(f"  render {fmt:<4} {lang}           {secs:6.2f} s  ({size:,} bytes)")
    total = load_s + compute_s + sum(secs for secs, _ in timings.values())
    print(f"quarterly report, all formats and both languages  {total:6.2f} s"
          f"  (load, compute, {len(FORMATS)} formats x {len(LANGS)} languages)")
    print(f"  re-render after erasure  {rerender_s:6.2f} s  (load, compute, 2 languages x"
          f" {len(FORMATS)} formats, replace)")
    print("raw limits, same run:")
    print(f"  COPY {len(votes):,} vote rows   {copy_s:6.2f} s  ({len(votes) / copy_s:,.0f} rows/s)")
    print(f"  SELECT them all back     {read_s:6.2f} s  ({len(back) / read_s:,.0f} rows/s)")


if __name__ == "__main__":
    asyncio.run(main())
