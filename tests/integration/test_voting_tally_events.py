"""`tally.changed`: the voting service publishes its tallies' figures, for other services to
show, as vote batches change them and all of them once when a worker starts."""

from __future__ import annotations

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


async def test_tallies_are_published_as_they_change_and_all_of_them_at_a_workers_start(
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

    assert await announce_tallies(pool, producer) >= 2  # every campaign's, this one's among them
    after = await eventually(lambda: published(infra, cid),
                             lambda events: len(events) > len(before), what="the announcement")
    assert after[len(before):] == [sorted([(str(a), 3, 0), (str(b), 1, 0)])]
