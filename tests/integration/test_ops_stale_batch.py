"""A fetched batch that another member has partly applied meanwhile (its stored offset for one
partition is ahead of the batch) applies the rest exactly once and loses nothing from the batch's
other partitions.

This happens around rebalances (a member re-assigned while it held fetched records); here the
situation is set up directly: the runner holds a fetched batch of two partitions while the stored
offset of one of them is already ahead of it.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from schemas.envelope import Envelope
from schemas.ideas import FlagReason, IdeaFlagged
from schemas.topics import Topic
from services.infra import db
from services.infra.consumer import Message, Outcome, ProjectionRunner
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.settings import Settings

pytestmark = pytest.mark.integration

PER_PARTITION = 10
AHEAD = 5  # what "another member" stored for partition 0


class Recorder:
    dedupe = False

    def __init__(self, schema: str, topic: str) -> None:
        self.name, self.schema, self.topics = f"{schema}-recorder", schema, (topic,)

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        await conn.executemany(f"INSERT INTO {self.schema}.seen VALUES ($1, $2)",
                               [(m.partition, m.offset) for m in messages])
        return Outcome()


async def _fetch_both(runner: ProjectionRunner, tps: list[TopicPartition]
                      ) -> dict[TopicPartition, list[Any]]:
    batches: dict[TopicPartition, list[Any]] = {}
    for _ in range(50):
        for tp, records in (await runner._consumer.getmany(timeout_ms=200)).items():
            batches.setdefault(tp, []).extend(records)
        if all(len(batches.get(tp, [])) >= PER_PARTITION - (AHEAD if tp.partition == 0 else 0)
               for tp in tps) and set(batches) == set(tps):
            return batches
    raise AssertionError(f"could not fetch both partitions: {batches.keys()}")


async def test_partly_applied_batch_applies_the_rest_once_and_loses_nothing(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    schema = f"st_{uid}"
    topic = Topic(f"ops.stale.{uid}", partitions=2, key="idea id")
    await ensure_topics(infra.kafka_bootstrap_servers, [topic, Topic(topic.dlq, 1, "key")])
    await db.migrate(pool, schema)
    await pool.execute(f"CREATE TABLE {schema}.seen (part int, position bigint)")
    raw = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers)
    await raw.start()
    try:
        for partition in (0, 1):
            for _ in range(PER_PARTITION):
                env = Envelope.wrap(IdeaFlagged(idea_id=uuid.uuid4(), campaign_id=uuid.uuid4(),
                                                reason=FlagReason.SPAM), actor="tester")
                await raw.send_and_wait(topic.name, env.to_bytes(), partition=partition)
    finally:
        await raw.stop()

    projection = Recorder(schema, topic.name)
    runner = ProjectionRunner(projection, pool=pool, producer=producer,
                              bootstrap=infra.kafka_bootstrap_servers, group_id=f"g-{uid}")
    tps = [TopicPartition(topic.name, 0), TopicPartition(topic.name, 1)]
    await runner._consumer.start()
    try:
        runner._consumer.assign(tps)
        for tp in tps:
            runner._consumer.seek(tp, 0)
        held = await _fetch_both(runner, tps)
        # meanwhile another member applied partition 0 up to AHEAD and stored its offset
        await pool.execute(
            f"INSERT INTO {schema}.consumer_offsets (consumer, topic, partition, next_offset)"
            " VALUES ($1, $2, 0, $3)", projection.name, topic.name, AHEAD)
        async with runner.batch_lock:
            await runner._process(held)
        # however the runner treats the overlap, every record ends up applied once
        while batches := await runner._consumer.getmany(timeout_ms=1_000):
            async with runner.batch_lock:
                await runner._process(batches)
    finally:
        await runner._consumer.stop()

    rows = await pool.fetch(f"SELECT * FROM {schema}.seen")
    seen = {(r["part"], r["position"]) for r in rows}
    assert len(rows) == len(seen), "a record was applied twice"
    assert seen == ({(0, o) for o in range(AHEAD, PER_PARTITION)}
                    | {(1, o) for o in range(PER_PARTITION)})
