"""A key that is not visible yet is not an erasure: the consumer waits for it, and a key that
never appears is dead-lettered with its reason; only a destroyed key reads as "[slettet]"."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg
import pytest

from schemas.common import Sealed
from schemas.envelope import Envelope
from schemas.ideas import IdeaSubmitted, IdeaText
from schemas.topics import Topic
from services.infra import vault
from services.infra.consumer import Message, Outcome, ProjectionRunner
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.settings import Settings
from tests.helpers import eventually, projection_schema, read_topic

pytestmark = pytest.mark.integration

ERASED = "[slettet]"


class TitleProjection:
    """Stores each submitted idea's title as the vault opens it."""

    dedupe = True

    def __init__(self, schema: str, topics: Sequence[str]) -> None:
        self.name, self.schema, self.topics = "titles", schema, topics

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        kept, texts = await vault.open_batch(conn, outcome, messages)
        rows = []
        for m in kept:
            text = texts.get(m.envelope.event_id)
            assert isinstance(text, IdeaText)
            rows.append((m.envelope.event_id, text.title))
        await conn.executemany(f"INSERT INTO {self.schema}.titles VALUES ($1, $2)", rows)
        return outcome


def _idea(sealed: Sealed, actor: str) -> Envelope:
    return Envelope.wrap(IdeaSubmitted(idea_id=uuid.uuid4(), campaign_id=uuid.uuid4(),
                                       sealed=sealed), actor=actor)


async def test_an_invisible_key_is_waited_for_and_a_missing_one_dead_lettered(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    await vault.setup(pool)
    topic = Topic(f"test.sealed.{uid}", partitions=1, key="idea id")
    await ensure_topics(infra.kafka_bootstrap_servers, [topic, Topic(topic.dlq, 1, "key")])
    schema = f"k_{uid}"
    await projection_schema(pool, schema, "titles (event_id uuid PRIMARY KEY, title text NOT NULL)")
    text = {"title": f"Lys på stien {uid}", "body": "Mere lys", "tags": []}
    late, never, erased = f"late-{uid}", f"never-{uid}", f"erased-{uid}"

    # `late`'s key is made in a transaction that stays open until the test says so; `never`'s
    # in one that rolls back; `erased`'s is made, then destroyed by an erasure
    holder = await pool.acquire()
    held = holder.transaction()
    await held.start()
    late_sealed = await vault.seal(holder, late, text)
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                never_sealed = await vault.seal(conn, never, text)
                raise LookupError("roll back")
        except LookupError:
            pass
        erased_sealed = await vault.seal(conn, erased, text)
        await vault.shred(conn, erased)
    events = [_idea(erased_sealed, erased), _idea(late_sealed, late)]
    for env in events:
        await producer.send_raw(topic.name, env.to_bytes(), key=env.key())

    def runner(group: str, not_yet_wait_s: float) -> ProjectionRunner:
        return ProjectionRunner(TitleProjection(schema, [topic.name]), pool=pool,
                                producer=producer, bootstrap=infra.kafka_bootstrap_servers or "",
                                group_id=f"{group}-{uid}", not_yet_wait_s=not_yet_wait_s)

    titles = runner("titles", 600)
    task = asyncio.create_task(titles.run())
    try:
        # the batch is tried again and again while the key is invisible; nothing is stored,
        # the erased idea neither (it is in the same batch, which is not applied yet)
        await eventually(lambda: asyncio.sleep(0, titles.stats.not_yet),
                         lambda n: n >= 3, what="the batch retried while the key is invisible")
        assert await pool.fetch(f"SELECT * FROM {schema}.titles") == []
        await held.commit()
        rows = await eventually(
            lambda: pool.fetch(f"SELECT event_id, title FROM {schema}.titles"),
            lambda r: len(r) == 2, what="both ideas stored once the key is committed")
        assert {r["event_id"]: r["title"] for r in rows} == {
            events[0].event_id: ERASED, events[1].event_id: text["title"]}
    finally:
        titles.stop()
        await task
        await pool.release(holder)

    # a key that never appears: waited for (here 1 s), then dead-lettered, never "[slettet]"
    lost = _idea(never_sealed, never)
    await producer.send_raw(topic.name, lost.to_bytes(), key=lost.key())
    again = runner("titles2", 1.0)
    task = asyncio.create_task(again.run())
    try:
        [dead] = await read_topic(infra.kafka_bootstrap_servers, topic.dlq, expect=1)
        assert dead["reason"] == "unknown_key"
        assert str(never_sealed.key) in dead["detail"]
        assert str(lost.event_id) in dead["original"]
        await eventually(
            lambda: pool.fetchval(f"SELECT next_offset FROM {schema}.consumer_offsets"),
            lambda n: n == 3, what="the consumer moved past the refused event")
    finally:
        again.stop()
        await task
    assert await pool.fetchval(f"SELECT count(*) FROM {schema}.titles") == 2
    assert await pool.fetchval(
        f"SELECT count(*) FROM {schema}.titles WHERE event_id = $1", lost.event_id) == 0
