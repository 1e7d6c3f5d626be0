"""The machine's raw limits that every benchmark prints beside its own figures."""

from __future__ import annotations

import time

from aiokafka import AIOKafkaConsumer


async def raw_consume(bootstrap: str, topic: str, at_least: int) -> float:
    """Messages per second an aiokafka consumer reads from `topic`, doing nothing with them."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                max_poll_records=5_000, fetch_max_bytes=64 * 1024 * 1024,
                                max_partition_fetch_bytes=16 * 1024 * 1024)
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < at_least:
            for records in (await consumer.getmany(timeout_ms=200, max_records=5_000)).values():
                seen += len(records)
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()
