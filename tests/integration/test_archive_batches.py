"""Publishing in batches keeps the archive-first guarantee: many concurrent writes (as the gateway
makes them) and one large call (as the importer makes it, more records than one broker batch
holds) leave every partition on the broker equal to the archive's, offset for offset, with each
caller's records in the order it gave them."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.topics import Topic
from services.infra.archive import ChainChecker, to_record
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.settings import Settings

pytestmark = pytest.mark.integration

PARTITIONS = 3


async def broker_records(bootstrap: str, topic: str, expect: int
                         ) -> dict[int, list[tuple[int, bytes | None, bytes | None]]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    out: dict[int, list[tuple[int, bytes | None, bytes | None]]] = {}
    try:
        parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        for tp in parts:
            consumer.seek(tp, 0)
        seen, idle = 0, 0
        while seen < expect and idle < 50:
            got = await consumer.getmany(timeout_ms=200)
            idle = 0 if got else idle + 1
            for tp, recs in got.items():
                out.setdefault(tp.partition, []).extend((r.offset, r.key, r.value) for r in recs)
                seen += len(recs)
    finally:
        await consumer.stop()
    return out


async def test_concurrent_and_large_publishes_reach_the_broker_as_archived(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    topic = f"batches-{uid}"
    await ensure_topics(infra.kafka_bootstrap_servers, [Topic(topic, PARTITIONS, "test key")])
    singles = [(f"k{n % 7}".encode(), json.dumps({"single": n}).encode()) for n in range(300)]
    # ~1.5 MB: several broker batches per partition
    filler = "x" * 700
    large = [(f"k{n % 5}".encode(), json.dumps({"large": n, "pad": filler}).encode())
             for n in range(2_000)]

    await asyncio.gather(
        *(producer.send_raw(topic, v, key=k) for k, v in singles),
        producer.send_raw_many([(topic, k, v, None) for k, v in large]))

    total = len(singles) + len(large)
    on_broker = await broker_records(infra.kafka_bootstrap_servers, topic, total)
    rows = await pool.fetch('SELECT topic, partition, "offset", timestamp_ms, key, value, headers,'
                            ' hash FROM archive.events WHERE topic = $1'
                            ' ORDER BY partition, "offset"', topic)
    archived: dict[int, list[tuple[int, bytes | None, bytes | None]]] = {}
    for row in rows:
        archived.setdefault(row["partition"], []).append((row["offset"], row["key"],
                                                          row["value"]))
    assert sum(len(v) for v in archived.values()) == total
    assert on_broker == archived  # same records at the same offsets, nothing more, nothing less

    for partition in range(PARTITIONS):  # the chain is whole: no gap, no record out of place
        checker = ChainChecker("archive.events", topic, partition)
        for row in rows:
            if row["partition"] == partition:
                checker.feed(to_record(row))

    values = [json.loads(v) for recs in archived.values() for _, _, v in recs if v]
    assert sorted(v["single"] for v in values if "single" in v) == list(range(300))
    for recs in archived.values():  # the large call's records keep its order in each partition
        order = [json.loads(v)["large"] for _, _, v in recs if v and b'"large"' in v]
        assert order == sorted(order)
