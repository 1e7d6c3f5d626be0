"""`ideastorm replay`: reset a service's schema, restart its consumers, get the same tables."""

from __future__ import annotations

import asyncio
import io
import uuid

import asyncpg
import pytest

from schemas.envelope import Envelope
from schemas.ideas import FlagReason, IdeaFlagged
from schemas.topics import Topic
from services.infra import db
from services.infra.consumer import Message, Outcome, ProjectionRunner
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.replay import replay
from services.infra.settings import Settings
from tests.helpers import eventually

pytestmark = pytest.mark.integration

EVENTS = 60


class FlagCounts:
    """A read model with an aggregate: flags per idea, so a replay must sum to the same."""

    dedupe = True

    def __init__(self, schema: str, topic: str) -> None:
        self.name, self.schema, self.topics = f"{schema}-flags", schema, (topic,)

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        ideas = [m.payload.idea_id for m in messages if isinstance(m.payload, IdeaFlagged)]
        await conn.execute(
            f"INSERT INTO {self.schema}.flag_counts (idea_id, flags)"
            " SELECT i, count(*) FROM unnest($1::uuid[]) AS i GROUP BY i"
            " ON CONFLICT (idea_id) DO UPDATE SET flags = flag_counts.flags + EXCLUDED.flags",
            ideas)
        return Outcome()


async def _consume_until(runner: ProjectionRunner, pool: asyncpg.Pool, schema: str) -> None:
    task = asyncio.create_task(runner.run())
    try:
        await eventually(
            lambda: pool.fetchval(f"SELECT coalesce(sum(flags), 0) FROM {schema}.flag_counts"),
            lambda n: n >= EVENTS, what="every flag counted")
    finally:
        runner.stop()
        await task


async def test_replay_resets_projection_tables_and_rebuilds_the_same(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    schema = f"rp_{uid}"
    topic = Topic(f"ops.replay.{uid}", partitions=3, key="idea id")
    await ensure_topics(infra.kafka_bootstrap_servers, [topic, Topic(topic.dlq, 1, "key")])
    await db.migrate(pool, schema)
    await pool.execute(f"""
        CREATE TABLE {schema}.flag_counts (idea_id uuid PRIMARY KEY, flags int NOT NULL);
        CREATE TABLE {schema}.identities (participant text PRIMARY KEY, name text);
        COMMENT ON TABLE {schema}.identities IS 'ideastorm:keep written by the API, not events';
        INSERT INTO {schema}.identities VALUES ('p-1', 'Mette');
    """)
    ideas = [uuid.uuid4() for _ in range(7)]
    for i in range(EVENTS):
        env = Envelope.wrap(IdeaFlagged(idea_id=ideas[i % 7], campaign_id=uuid.uuid4(),
                                        reason=FlagReason.SPAM), actor="tester")
        await producer.send_raw(topic.name, env.to_bytes(), key=env.key())

    def runner() -> ProjectionRunner:
        return ProjectionRunner(FlagCounts(schema, topic.name), pool=pool, producer=producer,
                                bootstrap=infra.kafka_bootstrap_servers or "", max_records=9)

    first = runner()
    task = asyncio.create_task(first.run())
    try:
        await eventually(lambda: pool.fetchval(
            f"SELECT coalesce(sum(flags), 0) FROM {schema}.flag_counts"),
            lambda n: n >= EVENTS, what="every flag counted")
        # a worker still consuming: the reset is refused and changes nothing
        out, err = io.StringIO(), io.StringIO()
        assert await replay(infra, schema, confirmed=True, out=out, err=err) == 3
        assert f"{schema}-flags" in err.getvalue() and "still have members" in err.getvalue()
    finally:
        first.stop()
        await task
    built = await pool.fetch(f"SELECT * FROM {schema}.flag_counts ORDER BY idea_id")
    assert sum(r["flags"] for r in built) == EVENTS

    # the embedded broker keeps listing the member that left, hence force=True from here on
    out, err = io.StringIO(), io.StringIO()
    assert await replay(infra, schema, confirmed=False, force=True, out=out, err=err) == 1
    assert "--yes" in err.getvalue()
    assert "empty applied_events, consumer_offsets, flag_counts" in out.getvalue()
    assert "keep identities, schema_migrations" in out.getvalue()
    assert await pool.fetchval(f"SELECT count(*) FROM {schema}.flag_counts") == len(built)

    assert await replay(infra, schema, confirmed=True, force=True, out=out, err=err) == 0
    for table in ("flag_counts", "consumer_offsets", "applied_events"):
        assert await pool.fetchval(f"SELECT count(*) FROM {schema}.{table}") == 0, table
    assert await pool.fetchval(f"SELECT name FROM {schema}.identities") == "Mette"

    # the consumers start again, find no stored offsets, and rebuild from offset 0
    await _consume_until(runner(), pool, schema)
    assert await pool.fetch(f"SELECT * FROM {schema}.flag_counts ORDER BY idea_id") == built


async def test_replay_of_an_unknown_schema_says_so(infra: Settings, uid: str) -> None:
    with pytest.raises(LookupError, match="no tables"):
        await replay(infra, f"missing_{uid}", confirmed=True, out=io.StringIO(),
                     err=io.StringIO())
