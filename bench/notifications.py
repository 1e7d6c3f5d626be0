"""The notifications projection (identity worker) on the embedded broker and PostgreSQL.

    .venv/bin/python -m bench.notifications [--votes 100000] [--ideas 200]

The identity worker reads `votes` (voters follow the ideas they vote for), so it must keep up
with the hottest topic. N `vote.cast` events on `ideas` ideas go to `votes`, then one approval
per idea on `status`; the projection (the one the worker runs, here in-process) consumes both
from offset 0; we time it from start to the last event applied (includes the consumer join),
and count the inbox rows the approvals made (one per distinct voter of each idea).

Uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when set; otherwise starts the embedded ones.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas.envelope import Envelope  # noqa: E402
from schemas.moderation import IdeaStatus, IdeaStatusChanged  # noqa: E402
from schemas.votes import VoteCast  # noqa: E402
from services.identity.notifications.handlers import NotifyProjection  # noqa: E402
from services.infra import db  # noqa: E402
from services.infra.consumer import ProjectionRunner  # noqa: E402
from services.infra.kafka import EventProducer, ensure_topics  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure  # noqa: E402


def events(n_votes: int, n_ideas: int) -> tuple[list[Envelope], list[Envelope]]:
    campaign, ideas = uuid.uuid4(), [uuid.uuid4() for _ in range(n_ideas)]
    start = datetime(2025, 6, 1, tzinfo=UTC)
    votes = []
    for i in range(n_votes):
        voter = f"bench-{i // 5}"
        votes.append(Envelope.wrap(
            VoteCast(voter_id=voter, campaign_id=campaign, idea_id=random.choice(ideas)),
            actor=voter, occurred_at=start + timedelta(seconds=i)))
    later = start + timedelta(seconds=n_votes + 1)
    approvals = [Envelope.wrap(IdeaStatusChanged(idea_id=i, campaign_id=campaign,
                                                 status=IdeaStatus.PUBLISHED,
                                                 previous=IdeaStatus.PENDING),
                               actor="bench-moderator", occurred_at=later) for i in ideas]
    return votes, approvals


async def main(n_votes: int, n_ideas: int) -> None:
    configure_logging("WARNING", json=True)
    infra = Infrastructure(Settings(ideastorm_home=Path(tempfile.mkdtemp(prefix="bench-ntf-"))),
                           fresh_db=True)
    settings = infra.start()
    assert settings.kafka_bootstrap_servers and settings.database_url
    try:
        await ensure_topics(settings.kafka_bootstrap_servers)
        pool = await db.create_pool(settings.database_url)
        await db.migrate(pool, "identity")
        votes, approvals = events(n_votes, n_ideas)
        async with EventProducer(settings.kafka_bootstrap_servers) as producer:
            await producer.publish_many(votes, chunk=50_000)
            await producer.publish_many(approvals)
            runner = ProjectionRunner(NotifyProjection(), pool=pool, producer=producer,
                                      bootstrap=settings.kafka_bootstrap_servers)
            started = time.perf_counter()
            task = asyncio.create_task(runner.run())
            total = n_votes + n_ideas
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                if await pool.fetchval("SELECT count(*) FROM identity.applied_events") >= total:
                    break
                await asyncio.sleep(0.05)
            seconds = time.perf_counter() - started
            runner.stop()
            await task
        follows = await pool.fetchval("SELECT count(*) FROM identity.follows")
        inbox = await pool.fetchval("SELECT count(*) FROM identity.notifications")
        print(f"{n_votes:,} votes + {n_ideas} approvals through the notifications projection in"
              f" {seconds:.1f} s = {total / seconds:,.0f} events/s (includes consumer join);"
              f" {follows:,} follows, {inbox:,} inbox rows")
        await pool.close()
    finally:
        infra.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--ideas", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.votes, args.ideas))
