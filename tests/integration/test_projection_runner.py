"""The batch projection consumer against the real broker and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg
import pytest

from schemas.envelope import Envelope
from schemas.ideas import FlagReason, IdeaFlagged
from schemas.topics import Topic
from services.infra.consumer import Message, Outcome, ProjectionRunner
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.settings import Settings
from tests.helpers import eventually, projection_schema, read_topic

pytestmark = pytest.mark.integration


class CountingProjection:
    """Records every applied event; refuses flags whose note is 'refuse me' and fails on
    'explode', as a projection with a bug for one shape of input would."""

    dedupe = True

    def __init__(self, name: str, schema: str, topics: Sequence[str]) -> None:
        self.name, self.schema, self.topics = name, schema, topics

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        rows = []
        for m in messages:
            assert isinstance(m.payload, IdeaFlagged)
            if m.payload.note == "explode":
                raise ValueError("cannot apply this one")
            if m.payload.note == "refuse me":
                outcome.refuse.append((m, "test_refusal", "asked to be refused"))
            else:
                rows.append((m.envelope.event_id, m.payload.idea_id))
        await conn.executemany(f"INSERT INTO {self.schema}.seen VALUES ($1, $2)", rows)
        return outcome


async def _setup(pool: asyncpg.Pool, schema: str) -> None:
    await projection_schema(pool, schema, "seen (event_id uuid PRIMARY KEY, idea_id uuid NOT NULL)")


def _flag(note: str | None = None, event_id: uuid.UUID | None = None) -> Envelope:
    return Envelope.wrap(IdeaFlagged(idea_id=uuid.uuid4(), campaign_id=uuid.uuid4(),
                                     reason=FlagReason.SPAM, note=note),
                         actor="tester", event_id=event_id)


async def _run_until(runner: ProjectionRunner, pool: asyncpg.Pool, schema: str, consumed: int
                     ) -> None:
    """Run until the stored offsets show that `consumed` messages have been handled."""
    task = asyncio.create_task(runner.run())
    try:
        await eventually(
            lambda: pool.fetchval(
                f"SELECT coalesce(sum(next_offset), 0) FROM {schema}.consumer_offsets"),
            lambda n: n >= consumed, what=f"{consumed} messages consumed into {schema}")
    finally:
        runner.stop()
        await task


async def test_applies_once_dead_letters_and_replays(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    topic = Topic(f"test.flags.{uid}", partitions=3, key="idea id")
    await ensure_topics(infra.kafka_bootstrap_servers, [topic, Topic(topic.dlq, 1, "key")])
    schema = f"t_{uid}"
    await _setup(pool, schema)

    good = [_flag() for _ in range(40)]
    duplicate = good[0]
    refused = _flag(note="refuse me")
    poison = _flag(note="explode")
    for env in [*good[:20], poison, *good[20:], duplicate, refused]:
        await producer.send_raw(topic.name, env.to_bytes(), key=env.key())
    await producer.send_raw(topic.name, b"{not json", key=b"x")
    newer = _flag().model_copy(update={"version": 9}).to_bytes()
    await producer.send_raw(topic.name, newer, key=b"y")

    def runner(group: str) -> ProjectionRunner:
        return ProjectionRunner(CountingProjection("counting", schema, [topic.name]), pool=pool,
                                producer=producer, bootstrap=infra.kafka_bootstrap_servers or "",
                                group_id=group, max_records=7)

    await _run_until(runner(f"g1-{uid}"), pool, schema, 45)
    assert await pool.fetchval(f"SELECT count(*) FROM {schema}.seen") == 40

    # the message the projection fails on is isolated; the rest of its batch is applied
    dlq = await read_topic(infra.kafka_bootstrap_servers, topic.dlq, expect=4)
    assert sorted(d["reason"] for d in dlq) == [
        "malformed", "projection_failed", "test_refusal", "unknown_version"]
    assert any("cannot apply this one" in d["detail"] for d in dlq)
    assert any(d["original"] == "{not json" for d in dlq)

    # a new consumer group starts from the offsets stored in PostgreSQL: nothing is re-applied
    before = await pool.fetch(f"SELECT * FROM {schema}.seen ORDER BY event_id")
    extra = _flag()
    await producer.send_raw(topic.name, extra.to_bytes(), key=extra.key())
    await _run_until(runner(f"g2-{uid}"), pool, schema, 46)
    after = await pool.fetch(f"SELECT * FROM {schema}.seen ORDER BY event_id")
    assert len(after) == 41 and set(before) < set(after)

    # replay from offset 0 into empty tables gives the same table
    await pool.execute(f"TRUNCATE {schema}.seen, {schema}.applied_events, {schema}.consumer_offsets")
    await _run_until(runner(f"g3-{uid}"), pool, schema, 46)
    replayed = await pool.fetch(f"SELECT * FROM {schema}.seen ORDER BY event_id")
    assert replayed == after
