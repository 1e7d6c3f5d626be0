"""`tally.changed`: the voting service publishes its tallies' figures, for other services to
show, as vote batches change them and all of them once when a worker starts."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest

from schemas.votes import TallyChanged
from services.infra import db
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.voting.handlers import announce_tallies
from tests.helpers import eventually
from tests.integration.test_voting_anomalies import read_campaign_messages
from tests.integration.test_voting_tally import campaign_created, status, supports, vote

pytestmark = pytest.mark.integration


async def published(infra: Settings, campaign_id: uuid.UUID) -> list[list[tuple[str, int, int]]]:
    """Each `TallyChanged` of the campaign on `status`, in order: (idea, supports, opposes)."""
    found = await read_campaign_messages(infra.kafka_bootstrap_servers or "", "status",
                                         str(campaign_id), expect=10**6, timeout=3)
    return [[(str(t.idea_id), t.supports, t.opposes) for t in m.payload.ideas]
            for m in found if isinstance(m.payload, TallyChanged)]


async def test_tallies_are_published_as_they_change_and_at_a_start_only_those_never_published(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    await db.migrate(pool, "voting")
    created = campaign_created(max_votes=2)
    cid = uuid.UUID(created.payload["campaign_id"])
    a, b = uuid.uuid4(), uuid.uuid4()
    await producer.publish_many([created, status(cid, a), status(cid, b)])
    await producer.publish_many([vote(f"v{n}-{uid}", cid, a) for n in range(3)]
                                + [vote(f"v0-{uid}", cid, b)])
    await eventually(lambda: supports(pool, cid), lambda t: t == {a: (3, 0), b: (1, 0)},
                     what="four votes counted")
    # the last figures published for each idea are the tally's
    before = await eventually(
        lambda: published(infra, cid),
        lambda events: {i: (s, o) for e in events for i, s, o in e}
        == {str(a): (3, 0), str(b): (1, 0)}, what="the tallies published")

    assert await announce_tallies(pool, producer) == 0  # every tally was published as counted
    # a tally counted before its figures were marked published (an older installation)
    await pool.execute("UPDATE voting.tallies SET published_supports = NULL,"
                       " published_opposes = NULL WHERE idea_id = $1", a)
    assert await announce_tallies(pool, producer) == 1
    after = await eventually(lambda: published(infra, cid),
                             lambda events: len(events) > len(before), what="the announcement")
    assert after[len(before):] == [[(str(a), 3, 0)]]
    assert await announce_tallies(pool, producer) == 0


def announcements(stack: Stack) -> list[int]:
    """The `tallies.announced` lines of the voting worker's log: how many ideas each start
    published."""
    lines = (stack.log_dir / "voting.log").read_text(errors="replace").splitlines()
    return [int(json.loads(line)["ideas"]) for line in lines
            if '"tallies.announced"' in line and line.startswith("{")]


async def archived_tally_events(pool: asyncpg.Pool, campaign_id: uuid.UUID) -> int:
    return int(await pool.fetchval(
        # found by their bytes first: other tests publish records that are not JSON at all
        "WITH ours AS MATERIALIZED (SELECT value FROM archive.events WHERE topic = 'status'"
        " AND position($1::bytea IN value) > 0 AND position('tally.changed'::bytea IN value) > 0)"
        " SELECT count(*) FROM ours"
        " WHERE convert_from(value, 'UTF8')::jsonb->>'type' = 'tally.changed'"
        " AND convert_from(value, 'UTF8')::jsonb->'payload'->>'campaign_id' = $2",
        str(campaign_id).encode(), str(campaign_id)))


async def test_restarting_the_voting_worker_twice_publishes_no_tally_again(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    await db.migrate(pool, "voting")
    created = campaign_created(max_votes=2)
    cid = uuid.UUID(created.payload["campaign_id"])
    a, b = uuid.uuid4(), uuid.uuid4()
    await producer.publish_many([created, status(cid, a), status(cid, b)])
    await producer.publish_many([vote(f"r{n}-{uid}", cid, a) for n in range(2)]
                                + [vote(f"r0-{uid}", cid, b)])
    await eventually(lambda: supports(pool, cid), lambda t: t == {a: (2, 0), b: (1, 0)},
                     what="three votes counted")
    await eventually(lambda: published(infra, cid),
                     lambda events: {i: (s, o) for e in events for i, s, o in e}
                     == {str(a): (2, 0), str(b): (1, 0)}, what="the tallies published")
    archived = await archived_tally_events(pool, cid)  # the archive has what the topic has
    assert archived >= 1
    for _ in range(2):
        starts = len(announcements(stack))
        await asyncio.to_thread(stack.stop_process, "voting")
        await asyncio.to_thread(stack.start_worker, "voting")
        await asyncio.to_thread(stack.wait_ready, 120, ("voting",))
        # the start's announcement ran (and found nothing of this campaign's to publish)
        await eventually(lambda: asyncio.to_thread(announcements, stack),
                         lambda seen, n=starts: len(seen) > n, timeout=60,
                         what="the restarted worker's announcement")
        assert await archived_tally_events(pool, cid) == archived
