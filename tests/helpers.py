"""Small helpers for tests: waiting for conditions with a deadline, reading topics."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], *, timeout: float = 30.0,
    what: str = "condition",
) -> T:
    """Poll `probe` until `accept(result)`; fail with the last result after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if accept(last):
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout}s; last value: {last!r}")


async def read_topic(bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0
                     ) -> list[dict[str, Any]]:
    """Read a topic from the beginning until `expect` messages arrived (JSON values)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    out: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(out) < expect and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                out.extend(json.loads(r.value) for r in records)
    finally:
        await consumer.stop()
    return out


async def projection_schema(pool: Any, schema: str, *tables: str) -> None:
    """A schema for a test's own projection: the runner's offsets and applied events, and the
    `tables` (each a `name (columns)` definition) the projection writes."""
    await pool.execute(
        f"CREATE SCHEMA {schema};"
        f" CREATE TABLE {schema}.consumer_offsets (consumer text, topic text, partition int,"
        "  next_offset bigint, updated_at timestamptz DEFAULT now(),"
        "  PRIMARY KEY (consumer, topic, partition));"
        f" CREATE TABLE {schema}.applied_events (event_id uuid PRIMARY KEY,"
        "  applied_at timestamptz DEFAULT now());"
        + "".join(f" CREATE TABLE {schema}.{table};" for table in tables))
