"""What voting and reporting see: every status change of an idea as `IdeaStatusChanged`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from schemas.campaigns import ModerationMode
from schemas.envelope import Envelope, derived_id
from schemas.ideas import FlagReason, IdeaFlagged
from schemas.moderation import Decision, ModerationDecided
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.helpers import eventually
from tests.integration.ideas_support import (
    OPENS,
    campaign,
    find_on_topic,
    sealed_text,
    submission,
)

pytestmark = pytest.mark.integration


async def status_change_of(bootstrap: str, cause: Envelope) -> dict[str, Any]:
    wanted = str(derived_id(cause.event_id, "idea.status_changed"))
    [found] = await find_on_topic(bootstrap, "status", lambda v: v.get("event_id") == wanted)
    return found


def decision(sub: Envelope, what: Decision, hours: int, **kw: Any) -> Envelope:
    p = sub.model()
    return Envelope.wrap(
        ModerationDecided(idea_id=p.idea_id, campaign_id=p.campaign_id,  # type: ignore[attr-defined]
                          decision=what, reason=f"{what.value} it", **kw),
        actor="m-7", occurred_at=OPENS + timedelta(days=3, hours=hours))


async def test_approval_flags_and_merge_each_publish_a_status_change(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    assert infra.kafka_bootstrap_servers
    bootstrap = infra.kafka_bootstrap_servers
    camp = campaign(ModerationMode.PRE, flag_threshold=2)
    campaign_id = camp.model().campaign_id  # type: ignore[attr-defined]
    keep, dup = submission(campaign_id, title="Trees"), submission(campaign_id, title="Trees!")
    await producer.publish_many([camp, keep, dup])
    pending = await status_change_of(bootstrap, keep)
    assert pending["payload"]["status"] == "pending" and pending["payload"]["previous"] is None

    approve = decision(keep, Decision.APPROVE, 1)
    await producer.publish(approve)
    approved = await status_change_of(bootstrap, approve)
    assert approved["actor"] == "m-7" and approved["causation_id"] == str(approve.event_id)
    assert (approved["payload"]["status"], approved["payload"]["previous"]) == (
        "published", "pending")
    assert approved["payload"]["reason"] == "approve it"

    idea_id = keep.model().idea_id  # type: ignore[attr-defined]
    flags = [Envelope.wrap(IdeaFlagged(idea_id=idea_id, campaign_id=campaign_id,
                                       reason=FlagReason.OFFENSIVE), actor=who,
                           occurred_at=OPENS + timedelta(days=4, hours=n))
             for n, who in enumerate(["p-x", "p-x", "p-y"])]
    await producer.publish_many(flags)
    hidden = await status_change_of(bootstrap, flags[2])  # the second distinct flagger
    assert (hidden["payload"]["status"], hidden["payload"]["previous"]) == ("hidden", "published")
    assert hidden["actor"] == "system:ideas"

    merge = decision(dup, Decision.MERGE, 2, merge_into=idea_id)
    await producer.publish(merge)
    merged = await status_change_of(bootstrap, merge)
    assert merged["payload"]["merged_into"] == str(idea_id)
    assert (await sealed_text(pool, merged["payload"]))["title"] == "Trees!"
    rows = await eventually(
        lambda: pool.fetch("SELECT title, status FROM ideas.ideas WHERE campaign_id = $1"
                           " ORDER BY title", campaign_id),
        lambda r: [x["status"] for x in r] == ["hidden", "merged"])
    assert [x["title"] for x in rows] == ["Trees", "Trees!"]


async def test_a_decision_before_its_idea_is_applied_when_the_idea_arrives(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    assert infra.kafka_bootstrap_servers
    camp = campaign(ModerationMode.PRE)
    sub = submission(camp.model().campaign_id)  # type: ignore[attr-defined]
    reject = decision(sub, Decision.REJECT, 1)
    await producer.publish(reject)
    await eventually(lambda: pool.fetchval("SELECT count(*) FROM ideas.decisions"
                                           " WHERE event_id = $1", reject.event_id),
                     lambda n: n == 1, what="decision stored")
    await producer.publish_many([camp, sub])
    rejected = await status_change_of(infra.kafka_bootstrap_servers, reject)
    assert rejected["payload"]["status"] == "rejected"
    # the status event is published inside the batch's transaction, just before it commits
    await eventually(lambda: pool.fetchval("SELECT status_reason FROM ideas.ideas"
                                           " WHERE idea_id = $1",
                                           uuid.UUID(rejected["payload"]["idea_id"])),
                     lambda reason: reason == "reject it", what="the rejection's reason stored")
