"""A process's own read of the `status` topic, for caches that must not outlive what they cache.

`StatusFeed` reads every partition of `status` from the beginning (no consumer group, nothing
committed) in the background and tells its listeners, for each event, its id and every id it
names (the key and the payload's top-level ids). A cache drops what an event names and treats it
as unsettled until the owning service has applied that event. While the feed is not reading
(no listener yet, or failed), `live` is False and caches must read the database instead. When
the broker is away the feed waits and then reads the topic again from the beginning.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import topics
from services.infra import faults

log = structlog.get_logger(__name__)

Listener = Callable[[uuid.UUID, set[uuid.UUID]], None]


def named_ids(key: bytes | None, value: bytes | None
              ) -> tuple[uuid.UUID, str, set[uuid.UUID]] | None:
    """(event id, event type, ids the event names) of a status record; None for a record that
    is not an envelope (the consumers dead-letter those; they change nothing)."""
    try:
        env = json.loads(value or b"")
        event_id = uuid.UUID(env["event_id"])
        kind = str(env["type"])
        payload = env["payload"]
    except (ValueError, KeyError, TypeError):
        return None
    values = [key.decode(errors="replace")] if key else []
    for v in payload.values() if isinstance(payload, dict) else ():
        values += [v] if isinstance(v, str) else [x for x in v if isinstance(x, str)] \
            if isinstance(v, list) else []
    ids: set[uuid.UUID] = set()
    for raw in values:
        if len(raw) == 36:
            try:
                ids.add(uuid.UUID(raw))
            except ValueError:
                continue
    return event_id, kind, ids


class StatusFeed:
    def __init__(self, bootstrap: str, *, fetch_wait_ms: int = 50) -> None:
        self.bootstrap = bootstrap
        self.fetch_wait_ms = fetch_wait_ms
        self.listeners: list[tuple[Listener, frozenset[str] | None]] = []
        self._task: asyncio.Task[None] | None = None
        self._reading = False

    @property
    def live(self) -> bool:
        return self._reading and self._task is not None and not self._task.done()

    async def listen(self, listener: Listener, types: frozenset[str] | None = None) -> None:
        """Tell `listener` about every status event (or only those of `types`: the events that
        can change what it keeps), from the beginning of the topic: a listener that joins late
        makes the feed read the topic again (the others see events twice, which only drops
        entries again)."""
        self.listeners.append((listener, types))
        await self.stop()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        """Read until cancelled; while the broker is away, wait and read the topic again."""
        backoff = faults.Backoff(first=0.5, most=15.0)
        while True:
            started = time.monotonic()
            try:
                await self._read()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if faults.outage(exc) is None:
                    log.error("status_feed.failed", error=repr(exc)[:500])
                    return  # caches fall back to the database for good
                if time.monotonic() - started > 30:
                    backoff.reset()
                delay = backoff.next()
                log.warning("status_feed.waiting", error=repr(exc)[:300], retry_in_s=delay)
            await asyncio.sleep(delay)

    async def _read(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None,
                                    enable_auto_commit=False,
                                    fetch_max_wait_ms=self.fetch_wait_ms)
        try:
            await consumer.start()
            parts = [TopicPartition(topics.STATUS.name, p)
                     for p in range(topics.STATUS.partitions)]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            self._reading = True
            while True:
                got = await consumer.getmany(timeout_ms=1_000, max_records=5_000)
                for records in got.values():
                    for rec in records:
                        self._tell(rec)
        finally:
            self._reading = False
            await consumer.stop()

    def _tell(self, rec: Any) -> None:
        named = named_ids(rec.key, rec.value)
        if named is None:
            return
        event_id, kind, ids = named
        for listener, types in self.listeners:
            if types is None or kind in types:
                listener(event_id, ids)
