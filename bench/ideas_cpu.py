"""The ideas projection's CPU per submission, in this process, on the embedded stack.

    .venv/bin/python -m bench.ideas_cpu [--ideas 20000] [--rounds 1] [--cprofile out.prof]

N submissions to one post-moderated campaign (as `bench.ideas` makes them) are put on
`ideas.submissions`; then a `ProjectionRunner` with the ideas projection runs in this process
until every idea is stored, and the process's CPU time per submission is printed beside the wall
time and the load average. The broker and PostgreSQL are other processes, so the CPU figure is
the projection's own (decode, rules, events, the client side of the database), steadier on a
shared machine than any wall-clock rate. Each round has a campaign of its own; one consumer group reads
them all, each round's runner from where the last one stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from bench.ideas import events, wait  # noqa: E402
from services.ideas.handlers import IdeasProjection  # noqa: E402
from services.infra import archive, db, vault  # noqa: E402
from services.infra.consumer import ProjectionRunner  # noqa: E402
from services.infra.kafka import EventProducer, ensure_topics  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure  # noqa: E402


async def one_round(settings: Settings, pool: asyncpg.Pool, producer: EventProducer, n: int,
                    profiler: cProfile.Profile | None, group: str) -> dict[str, float]:
    assert settings.kafka_bootstrap_servers
    campaign, ideas = events(n)
    cid = campaign.model().campaign_id  # type: ignore[attr-defined]
    await producer.publish(campaign)

    async def applied() -> int:
        return int(await pool.fetchval(
            "SELECT count(*) FROM ideas.ideas WHERE campaign_id = $1", cid))

    def make_runner() -> ProjectionRunner:
        return ProjectionRunner(IdeasProjection(name=group), pool=pool, producer=producer,
                                bootstrap=settings.kafka_bootstrap_servers, group_id=group,
                                session_timeout_ms=settings.kafka_session_timeout_ms)

    # as in `bench.ideas`: the campaign is stored, the runner stopped, the submissions put on
    # the topic, and a runner of the same group started, which reads them in full batches
    first_runner = make_runner()
    task = asyncio.create_task(first_runner.run())
    await wait(lambda: pool.fetchval("SELECT count(*) FROM ideas.campaigns WHERE campaign_id = $1",
                                     cid), lambda c: c == 1, every=0.02)
    first_runner.stop()
    await task
    await producer.publish_many(ideas)
    runner = make_runner()
    cpu0 = time.process_time()
    task = asyncio.create_task(runner.run())
    first = await wait(applied, lambda c: c > 0, every=0.01)
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    await wait(applied, lambda c: c >= n, every=0.02)
    if profiler is not None:
        profiler.disable()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    runner.stop()
    await task
    return {"per_s": (n - first) / wall, "cpu_us": 1e6 * cpu / max(n - first, 1),
            "first": first, "cpu_all_us": 1e6 * (time.process_time() - cpu0) / n,
            "batches": runner.stats.batches}


async def measure(settings: Settings, n: int, rounds: int, profile: str | None) -> None:
    assert settings.database_url and settings.kafka_bootstrap_servers
    await ensure_topics(settings.kafka_bootstrap_servers)
    pool = await db.create_pool(settings.database_url)
    await db.migrate(pool, "ideas")
    await archive.setup(pool)
    await vault.setup(pool)
    profiler = cProfile.Profile() if profile else None
    try:
        async with EventProducer(settings.kafka_bootstrap_servers, archive=pool) as producer:
            group = f"bench-ideas-{uuid.uuid4().hex[:8]}"
            for i in range(rounds):
                load = os.getloadavg()[0]
                r = await one_round(settings, pool, producer, n, profiler, group)
                print(f"  round {i + 1}: {r['per_s']:>9,.0f} submissions/s wall,"
                      f" {r['cpu_us']:6.1f} us CPU per submission (all of the round:"
                      f" {r['cpu_all_us']:.1f} us), {r['batches']:.0f} batches,"
                      f" load {load:.2f} -> {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        await pool.close()
    if profiler is not None and profile:
        profiler.dump_stats(profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--cprofile", help="write a cProfile of the timed part here")
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    home = Path(tempfile.mkdtemp(prefix="ideastorm-bench-"))
    home.chmod(0o755)
    infra = Infrastructure(Settings(ideastorm_home=home), fresh_db=True)
    settings = infra.start()
    try:
        print(f"ideas projection in this process, {args.ideas:,} submissions a round")
        asyncio.run(measure(settings, args.ideas, args.rounds, args.cprofile))
    finally:
        infra.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
