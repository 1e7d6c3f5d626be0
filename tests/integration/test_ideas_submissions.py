"""Submissions through the running ideas worker on the real broker and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from schemas.campaigns import ModerationMode
from schemas.envelope import derived_id
from services.ideas.timers import expire_parked_submissions, transition_id
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.helpers import eventually
from tests.integration.ideas_support import campaign, find_on_topic, sealed_text, submission

pytestmark = pytest.mark.integration


async def idea_status(pool: asyncpg.Pool, idea_id: uuid.UUID) -> str | None:
    status: str | None = await pool.fetchval(
        "SELECT status FROM ideas.ideas WHERE idea_id = $1", idea_id)
    return status


async def test_post_moderated_submission_in_a_past_window_is_published(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    assert infra.kafka_bootstrap_servers
    camp = campaign(ModerationMode.POST)
    sub = submission(camp.model().campaign_id)  # type: ignore[attr-defined]
    await producer.publish(camp)
    await producer.publish(sub)
    idea_id = sub.model().idea_id  # type: ignore[attr-defined]
    await eventually(lambda: idea_status(pool, idea_id), lambda s: s == "published",
                     what="idea published")
    [changed] = await find_on_topic(
        infra.kafka_bootstrap_servers, "status",
        lambda v: v.get("event_id") == str(derived_id(sub.event_id, "idea.status_changed")))
    assert changed["payload"]["status"] == "published"
    assert (await sealed_text(pool, changed["payload"]))["title"] == "Trees on the square"
    assert changed["occurred_at"].startswith("2025-06-03")
    assert changed["causation_id"] == str(sub.event_id)


async def test_pre_moderated_submission_waits_as_pending(
    stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    camp = campaign(ModerationMode.PRE)
    sub = submission(camp.model().campaign_id)  # type: ignore[attr-defined]
    await producer.publish_many([camp, sub])
    await eventually(lambda: idea_status(pool, sub.model().idea_id),  # type: ignore[attr-defined]
                     lambda s: s == "pending", what="idea pending")


async def test_submission_outside_the_window_is_dead_lettered(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    assert infra.kafka_bootstrap_servers
    camp = campaign()
    late = submission(camp.model().campaign_id, at=datetime(2025, 7, 1, tzinfo=UTC))  # type: ignore[attr-defined]
    await producer.publish(camp)
    await producer.publish(late)
    idea_id = str(late.model().idea_id)  # type: ignore[attr-defined]
    [dead] = await find_on_topic(infra.kafka_bootstrap_servers, "ideas.submissions.dlq",
                                 lambda v: v.get("key") == idea_id
                                 and v.get("consumer") == "ideas")
    assert dead["reason"] == "campaign_closed" and "after the campaign closed" in dead["detail"]
    assert await idea_status(pool, late.model().idea_id) is None  # type: ignore[attr-defined]


async def test_submission_before_its_campaign_waits_for_it(
    stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    camp = campaign()
    early = submission(camp.model().campaign_id)  # type: ignore[attr-defined]
    await producer.publish(early)
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ideas.parked_submissions WHERE event_id = $1",
                              early.event_id),
        lambda n: n == 1, what="submission parked")
    await producer.publish(camp)
    await eventually(lambda: idea_status(pool, early.model().idea_id),  # type: ignore[attr-defined]
                     lambda s: s == "published", what="parked idea published")
    assert await pool.fetchval("SELECT count(*) FROM ideas.parked_submissions"
                               " WHERE event_id = $1", early.event_id) == 0


async def test_submission_whose_campaign_never_comes_is_dead_lettered(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    assert infra.kafka_bootstrap_servers
    orphan = submission(uuid.uuid4())
    await producer.publish(orphan)
    await eventually(
        lambda: pool.fetchval("SELECT deadline FROM ideas.parked_submissions WHERE event_id = $1",
                              orphan.event_id),
        lambda d: d is not None, what="submission parked")
    # the worker's clock gives up at the deadline; run the same step as if it had passed
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await expire_parked_submissions(pool, producer, later) >= 1
    [dead] = await find_on_topic(infra.kafka_bootstrap_servers, "ideas.submissions.dlq",
                                 lambda v: v.get("key") == str(orphan.model().idea_id)  # type: ignore[attr-defined]
                                 and v.get("consumer") == "ideas")
    assert dead["reason"] == "unknown_campaign"


async def test_the_same_event_twice_changes_nothing(
    stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    camp = campaign()
    sub = submission(camp.model().campaign_id)  # type: ignore[attr-defined]
    await producer.publish_many([camp, camp, sub, sub])
    idea_id = sub.model().idea_id  # type: ignore[attr-defined]
    await eventually(lambda: idea_status(pool, idea_id), lambda s: s == "published")
    await producer.publish(sub)
    marker = submission(camp.model().campaign_id)  # type: ignore[attr-defined]
    await producer.publish(marker)  # once this is in, the repeated event was processed too
    await eventually(lambda: idea_status(pool, marker.model().idea_id),  # type: ignore[attr-defined]
                     lambda s: s is not None)
    assert await pool.fetchval("SELECT count(*) FROM ideas.revisions WHERE idea_id = $1",
                               idea_id) == 1
    assert await pool.fetchval("SELECT count(*) FROM ideas.ideas WHERE campaign_id = $1",
                               camp.model().campaign_id) == 2  # type: ignore[attr-defined]


async def test_the_clock_opens_and_closes_a_campaign_at_its_times(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    assert infra.kafka_bootstrap_servers
    now = datetime.now(UTC).replace(microsecond=0)
    camp = campaign(opens=now + timedelta(seconds=1), closes=now + timedelta(seconds=3))
    campaign_id = camp.model().campaign_id  # type: ignore[attr-defined]
    await producer.publish(camp)
    row = await eventually(
        lambda: pool.fetchrow("SELECT opened_at, closed_at FROM ideas.campaigns"
                              " WHERE campaign_id = $1", campaign_id),
        lambda r: r is not None and r["closed_at"] is not None, what="campaign closed")
    assert row["opened_at"] == now + timedelta(seconds=1)
    assert row["closed_at"] == now + timedelta(seconds=3)
    for what, at in (("opened", row["opened_at"]), ("closed", row["closed_at"])):
        [event] = await find_on_topic(
            infra.kafka_bootstrap_servers, "status",
            lambda v, w=what, t=at: v.get("event_id") == str(transition_id(campaign_id, w, t)))
        assert event["type"] == f"campaign.{what}"
