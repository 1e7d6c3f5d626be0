"""Reporting service figures on the embedded broker and PostgreSQL, beside the raw limits.

    .venv/bin/python bench/reporting.py [--votes 100000]

1. Votes: N `vote.cast` events are put on `votes`; the reporting projection (the one the worker
   runs, here in-process) consumes them from offset 0 into `reporting.votes` with its dedupe and
   offsets; we time it from start to the last vote applied. Beside it, measured in the same run:
   aiokafka reading the same topic doing nothing, and one `INSERT ... SELECT FROM unnest` of the
   same rows into a scratch table (the statement shape the projection uses).
2. The example plan (examples/coi-action-plan-2014-2016.yaml, 200 events): time until applied
   (each batch rebuilds the roll-up history of the years it touches), then the latency of the
   plan view and of one initiative's view as of a past date (queries computed from the facts).

Uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when set; otherwise starts the embedded ones.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.limits import raw_consume  # noqa: E402
from clients.plan_import import initiative_id, load  # noqa: E402
from schemas.envelope import Envelope, utcnow  # noqa: E402
from schemas.votes import VoteCast  # noqa: E402
from services.infra import db  # noqa: E402
from services.infra.consumer import ProjectionRunner  # noqa: E402
from services.infra.kafka import EventProducer, ensure_topics  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure  # noqa: E402
from services.reporting import queries  # noqa: E402
from services.reporting.handlers import ReportingProjection  # noqa: E402

EXAMPLE = ROOT / "examples" / "coi-action-plan-2014-2016.yaml"


async def until(probe: Callable[[], Awaitable[int]], target: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while await probe() < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"did not reach {target}")
        await asyncio.sleep(0.05)


def votes(n: int) -> list[Envelope]:
    model = VoteCast
    campaign, ideas = uuid.uuid4(), [uuid.uuid4() for _ in range(200)]
    start = datetime(2025, 6, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        voter = f"bench-{i // 5}"
        payload = model(voter_id=voter, campaign_id=campaign, idea_id=random.choice(ideas))
        out.append(Envelope.wrap(payload, actor=voter, occurred_at=start + timedelta(seconds=i)))
    return out


async def raw_insert(pool: asyncpg.Pool, envs: list[Envelope]) -> float:
    rows = [(e.event_id, uuid.UUID(e.payload["campaign_id"]), uuid.UUID(e.payload["idea_id"]),
             e.actor, 1, None, e.occurred_at, e.recorded_at) for e in envs]
    cols = [list(c) for c in zip(*rows, strict=True)]
    await pool.execute("CREATE TABLE public.scratch_votes (LIKE reporting.votes INCLUDING ALL)")
    started = time.perf_counter()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO public.scratch_votes SELECT * FROM unnest($1::uuid[], $2::uuid[],"
            " $3::uuid[], $4::text[], $5::smallint[], $6::text[], $7::timestamptz[],"
            " $8::timestamptz[])"
            " ON CONFLICT (event_id) DO NOTHING", *cols)
    elapsed = time.perf_counter() - started
    await pool.execute("DROP TABLE public.scratch_votes")
    return len(rows) / elapsed


async def run_projection(settings: Settings, pool: asyncpg.Pool, producer: EventProducer,
                         done: Callable[[], Awaitable[bool]]) -> float:
    assert settings.kafka_bootstrap_servers
    runner = ProjectionRunner(ReportingProjection(), pool=pool, producer=producer,
                              bootstrap=settings.kafka_bootstrap_servers,
                              group_id=f"bench-{uuid.uuid4().hex[:6]}")
    started = time.perf_counter()
    task = asyncio.create_task(runner.run())
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if await done():
                return time.perf_counter() - started
            await asyncio.sleep(0.05)
        raise TimeoutError("the projection did not catch up")
    finally:
        runner.stop()
        await task


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20)
    return f"p50 {statistics.median(samples) * 1000:.1f} ms, p95 {q[18] * 1000:.1f} ms"


async def timed(call: Callable[[], Awaitable[Any]], n: int = 50) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        out.append(time.perf_counter() - started)
    return out


async def main(n_votes: int) -> None:
    configure_logging("WARNING", json=True)
    infra = Infrastructure(Settings(ideastorm_home=Path(tempfile.mkdtemp(prefix="bench-rep-"))),
                           fresh_db=True)
    settings = infra.start()
    assert settings.kafka_bootstrap_servers and settings.database_url
    try:
        await ensure_topics(settings.kafka_bootstrap_servers)
        pool = await db.create_pool(settings.database_url)
        await db.migrate(pool, "reporting")
        async with EventProducer(settings.kafka_bootstrap_servers) as producer:
            if n_votes:
                envs = votes(n_votes)
                await producer.publish_many(envs, chunk=50_000)
                consume = await raw_consume(settings.kafka_bootstrap_servers, "votes", n_votes)
                insert = await raw_insert(pool, envs)

                async def all_votes() -> bool:
                    return bool(await pool.fetchval("SELECT count(*) FROM reporting.votes")
                                >= n_votes)

                seconds = await run_projection(settings, pool, producer, all_votes)
                print(f"votes: {n_votes:,} through the reporting projection in {seconds:.1f} s"
                      f" = {n_votes / seconds:,.0f}/s (includes consumer join)")
                print(f"  raw limits: aiokafka getmany {consume:,.0f}/s;"
                      f" one unnest INSERT of the same rows {insert:,.0f}/s")

            plan = load(EXAMPLE, today=utcnow().date())
            await producer.publish_many(plan)

            async def plan_in() -> bool:
                return bool(await pool.fetchval("SELECT count(*) FROM reporting.events")
                            >= len(plan))

            seconds = await run_projection(settings, pool, producer, plan_in)
            print(f"plan: {len(plan)} events of the example applied in {seconds:.1f} s"
                  " (includes consumer join; it resumes after the votes, from stored offsets)")
            as_of = date(2015, 6, 30)
            views = await timed(lambda: queries.plan(pool, 2015, as_of))
            one = await timed(lambda: queries.initiative(
                pool, 2015, initiative_id(2015, "barometer"), as_of))
            print(f"  GET /plans/2015?as_of=2015-06-30 query: {percentiles(views)}")
            print(f"  one initiative as of 2015-06-30: {percentiles(one)}")
        await pool.close()
    finally:
        infra.stop()


if __name__ == "__main__":
    # stopped by a signal, still stop the embedded broker and database (the finally above)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().votes))
