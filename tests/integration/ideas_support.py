"""Helpers for the ideas integration tests: events to produce and topics to search."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer

from schemas.campaigns import CampaignCreated, ModerationMode
from schemas.common import Sealed
from schemas.envelope import Envelope
from schemas.ideas import IdeaSubmitted
from services.infra import vault

# A past window, like an imported 2025 campaign.
OPENS = datetime(2025, 6, 1, tzinfo=UTC)
CLOSES = datetime(2025, 6, 15, tzinfo=UTC)


def campaign(moderation: ModerationMode = ModerationMode.POST, *, flag_threshold: int = 3,
             opens: datetime = OPENS, closes: datetime = CLOSES) -> Envelope:
    return Envelope.wrap(
        CampaignCreated(campaign_id=uuid.uuid4(), title="Greener streets",
                        question="Where should the trees go?", opens_at=opens, closes_at=closes,
                        moderation=moderation, flag_threshold=flag_threshold),
        actor="admin-1", occurred_at=opens - timedelta(days=1))


def submission(campaign_id: uuid.UUID, *, author: str = "p-1",
               at: datetime = OPENS + timedelta(days=2), title: str = "Trees on the square"
               ) -> Envelope:
    return Envelope.wrap(
        IdeaSubmitted(idea_id=uuid.uuid4(), campaign_id=campaign_id, title=title,
                      body="Plant ten lime trees."),
        actor=author, occurred_at=at)


async def find_on_topic(bootstrap: str, topic: str, match: Callable[[dict[str, Any]], bool], *,
                        count: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Read `topic` from the beginning until `count` JSON messages satisfy `match`.

    Several services consume the same topics, so a dead-letter topic holds one refusal per
    consumer: match on `consumer` too.
    """
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
                for r in records:
                    try:
                        value = json.loads(r.value)
                    except (TypeError, ValueError):
                        continue
                    if isinstance(value, dict) and match(value):
                        found.append(value)
    finally:
        await consumer.stop()
    assert len(found) >= count, f"{count} matching messages not on {topic} within {timeout}s"
    return found


async def sealed_text(pool: asyncpg.Pool, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The participant text an event on a topic carries sealed, opened with the vault (None
    once the key is gone); the event must carry none of it in plain."""
    assert payload.get("title") is None and payload.get("body") is None, payload
    async with pool.acquire() as conn:
        [opened] = await vault.open_many(conn, [Sealed.model_validate(payload["sealed"])])
    return opened
