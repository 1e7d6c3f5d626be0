"""The voting worker as a real process: votes in on `votes`, statuses on `status`, tallies out."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.campaigns import CampaignCreated, ModerationMode, VoteMode, VoteRules
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from schemas.votes import VoteCast, VoteWithdrawn
from services.infra import db
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.voting import queries
from tests.helpers import eventually

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
async def _voting_schema(stack: Stack, pool: asyncpg.Pool) -> None:
    # the worker migrates at start; a test may query before the worker got there
    await db.migrate(pool, "voting")

NOW = datetime.now(UTC)


def campaign_created(mode: VoteMode = VoteMode.SUPPORT, max_votes: int = 3) -> Envelope:
    return Envelope.wrap(CampaignCreated(
        campaign_id=uuid.uuid4(), title="Shorter queues", question="How?",
        opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=1),
        moderation=ModerationMode.POST,
        vote_rules=VoteRules(mode=mode, max_votes_per_participant=max_votes),
    ), actor="staff-1", occurred_at=NOW - timedelta(days=2))


def status(campaign_id: uuid.UUID, idea_id: uuid.UUID, s: IdeaStatus = IdeaStatus.PUBLISHED,
           merged_into: uuid.UUID | None = None, at: datetime | None = None) -> Envelope:
    return Envelope.wrap(IdeaStatusChanged(idea_id=idea_id, campaign_id=campaign_id, status=s,
                                           merged_into=merged_into, title=f"idea {idea_id}"),
                         actor="staff-1", occurred_at=at or NOW - timedelta(hours=20))


def vote(voter: str, campaign_id: uuid.UUID, idea_id: uuid.UUID, value: int = 1,
         at: datetime | None = None) -> Envelope:
    return Envelope.wrap(VoteCast(voter_id=voter, campaign_id=campaign_id, idea_id=idea_id,
                                  value=value),  # type: ignore[arg-type]
                         actor=voter, occurred_at=at or NOW - timedelta(hours=1))


def withdrawal(voter: str, campaign_id: uuid.UUID, idea_id: uuid.UUID) -> Envelope:
    return Envelope.wrap(VoteWithdrawn(voter_id=voter, campaign_id=campaign_id, idea_id=idea_id),
                         actor=voter, occurred_at=NOW - timedelta(minutes=30))


async def supports(pool: asyncpg.Pool, campaign_id: uuid.UUID) -> dict[uuid.UUID, tuple[int, int]]:
    return {t["idea_id"]: (t["supports"], t["opposes"])
            for t in await queries.tally(pool, campaign_id)}


async def dead_letters(bootstrap: str, event_ids: set[str], timeout: float = 30
                       ) -> dict[str, str]:
    """event_id -> reason, for the given vote events found on votes.dlq."""
    consumer = AIOKafkaConsumer("votes.dlq", bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: dict[str, str] = {}
    try:
        deadline = time.monotonic() + timeout
        while set(found) != event_ids and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    body: dict[str, Any] = json.loads(r.value)
                    eid = json.loads(body["original"])["event_id"]
                    if eid in event_ids:
                        found[eid] = body["reason"]
    finally:
        await consumer.stop()
    return found


async def test_votes_are_tallied_and_every_refusal_is_dead_lettered_with_its_reason(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    created = campaign_created(max_votes=2)
    cid = uuid.UUID(created.payload["campaign_id"])
    a, b, c, hidden = (uuid.uuid4() for _ in range(4))
    await producer.publish_many([created, *(status(cid, i) for i in (a, b, c)),
                                 status(cid, hidden, IdeaStatus.HIDDEN)])
    v1, v2 = f"v1-{uid}", f"v2-{uid}"
    ok = [vote(v1, cid, a, at=NOW - timedelta(minutes=59)),
          vote(v1, cid, b, at=NOW - timedelta(minutes=55)), vote(v2, cid, a)]
    dup = vote(v1, cid, a, at=NOW - timedelta(minutes=50))
    over = vote(v1, cid, c, at=NOW - timedelta(minutes=45))
    closed = vote(v2, cid, b, at=NOW + timedelta(days=2))
    not_votable = vote(v2, cid, hidden)
    await producer.publish_many([*ok, dup, over, closed, not_votable])
    await eventually(lambda: supports(pool, cid), lambda t: t.get(a) == (2, 0) and
                     t.get(b) == (1, 0), what="tallies")

    refused = {str(e.event_id): r for e, r in [(dup, "duplicate"), (over, "budget_exceeded"),
                                               (closed, "campaign_closed"),
                                               (not_votable, "idea_not_votable")]}
    assert infra.kafka_bootstrap_servers
    assert await dead_letters(infra.kafka_bootstrap_servers, set(refused)) == refused

    # withdrawing frees budget: the vote on c now counts
    await producer.publish_many([withdrawal(v1, cid, b),
                                 vote(v1, cid, c, at=NOW - timedelta(minutes=20))])
    await eventually(lambda: supports(pool, cid),
                     lambda t: t.get(b) == (0, 0) and t.get(c) == (1, 0), what="withdrawal")
    mine = await queries.my_votes(pool, v1, cid, NOW)
    assert [v["state"] for v in mine["votes"]] == [
        "counted", "withdrawn", "refused", "refused", "applied", "counted"]
    assert mine["remaining"] == 0

    # the same events published again change nothing
    await producer.publish_many([*ok, dup, over])
    marker = vote(f"v3-{uid}", cid, c)
    await producer.publish(marker)
    await eventually(lambda: supports(pool, cid), lambda t: t.get(c) == (2, 0), what="marker")
    assert (await supports(pool, cid))[a] == (2, 0)


async def test_a_vote_for_an_idea_seen_later_still_counts(
    stack: Stack, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    created = campaign_created()
    cid = uuid.UUID(created.payload["campaign_id"])
    late = uuid.uuid4()
    await producer.publish_many([vote(f"early-{uid}-{n}", cid, late) for n in range(5)])
    await eventually(lambda: queries.decided_votes(pool, cid), lambda d: d.get("parked") == 5,
                     what="5 parked votes")
    await producer.publish_many([created, status(cid, late)])
    await eventually(lambda: supports(pool, cid), lambda t: t.get(late) == (5, 0),
                     what="parked votes counted")
    assert (await queries.decided_votes(pool, cid)).get("parked") == 0


async def test_updown_and_merge_count_for_the_target_once_per_voter(
    stack: Stack, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    created = campaign_created(VoteMode.UPDOWN, max_votes=5)
    cid = uuid.UUID(created.payload["campaign_id"])
    target, merged = uuid.uuid4(), uuid.uuid4()
    await producer.publish_many([created, status(cid, target), status(cid, merged)])
    both, only_merged, flipper = f"both-{uid}", f"only-{uid}", f"flip-{uid}"
    await producer.publish_many([
        vote(both, cid, target), vote(both, cid, merged), vote(only_merged, cid, merged),
        vote(flipper, cid, target, 1, at=NOW - timedelta(hours=3)),
        vote(flipper, cid, target, -1, at=NOW - timedelta(hours=2)),
    ])
    await eventually(lambda: supports(pool, cid),
                     lambda t: t.get(target) == (1, 1) and t.get(merged) == (2, 0), what="votes")
    await producer.publish(status(cid, merged, IdeaStatus.MERGED, merged_into=target,
                                  at=NOW - timedelta(minutes=10)))
    await eventually(lambda: supports(pool, cid),
                     lambda t: t.get(target) == (2, 1) and t.get(merged) == (0, 0),
                     what="merged votes moved to the target once per voter")
    ranked = await queries.ranking(pool, cid)
    assert [r["idea_id"] for r in ranked] == [target]


async def test_a_status_event_no_consumer_can_store_does_not_stop_the_voting_worker(
    stack: Stack, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    created = campaign_created()
    cid = uuid.UUID(created.payload["campaign_id"])
    odd, after = uuid.uuid4(), uuid.uuid4()
    nul = Envelope.wrap(IdeaStatusChanged(idea_id=odd, campaign_id=cid,
                                          status=IdeaStatus.PUBLISHED, title="bad\x00title"),
                        actor="staff-1", occurred_at=NOW - timedelta(hours=20))
    await producer.publish_many([created, nul, status(cid, after),
                                 vote(f"n1-{uid}", cid, odd), vote(f"n2-{uid}", cid, after)])
    # the NUL event is refused (dead-lettered); the worker goes on with what follows it
    await eventually(lambda: supports(pool, cid), lambda t: t.get(after) == (1, 0),
                     what="the vote after the refused event")
    assert odd not in await supports(pool, cid)
    assert (await queries.decided_votes(pool, cid)).get("parked") == 1
