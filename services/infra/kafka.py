"""Kafka producer, topic creation and dead-letter publishing. No business rules here."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from schemas import topics as topic_defs
from schemas.envelope import Envelope

log = structlog.get_logger(__name__)


async def ensure_topics(
    bootstrap: str, wanted: Iterable[topic_defs.Topic] | None = None, *,
    replication_factor: int = 1,
) -> None:
    """Create the project's topics (and their dead-letter topics) if they do not exist."""
    if wanted is None:
        wanted = (*topic_defs.ALL, *topic_defs.dead_letter_topics())
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(t.name, num_partitions=t.partitions, replication_factor=replication_factor)
            for t in wanted
            if t.name not in existing
        ]
        if new:
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
            log.info("kafka.topics.created", topics=[t.name for t in new])
    finally:
        await admin.close()


class EventProducer:
    """Publishes envelopes to the topic their type belongs to, keyed by the aggregate id.

    The broker may not support idempotent producers; duplicates are harmless downstream because
    consumers apply each `event_id` once.
    """

    def __init__(self, bootstrap: str, *, linger_ms: int = 5, **kwargs: Any) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            acks="all",
            linger_ms=linger_ms,
            enable_idempotence=False,
            max_request_size=4 * 1024 * 1024,
            **kwargs,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def __aenter__(self) -> EventProducer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def publish(self, env: Envelope) -> None:
        """Publish one envelope and wait until the broker has it."""
        await self._producer.send_and_wait(env.topic, env.to_bytes(), key=env.key())

    async def publish_many(self, envs: Sequence[Envelope], *, chunk: int = 10_000) -> None:
        """Publish many envelopes, pipelined, and wait until the broker has all of them."""
        for start in range(0, len(envs), chunk):
            futures = [
                await self._producer.send(e.topic, e.to_bytes(), key=e.key())
                for e in envs[start : start + chunk]
            ]
            await asyncio.gather(*futures)

    async def send_raw(
        self, topic: str, value: bytes | None, key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)

    async def dead_letter_many(self, records: Sequence[dict[str, Any]]) -> None:
        """Send many refusals (each the keyword arguments of `dead_letter`) and wait for all."""
        futures = []
        for r in records:
            body = dead_letter_record(**r)
            futures.append(await self._producer.send(
                f"{r['topic']}.dlq", json.dumps(body).encode(), key=r["key"],
                headers=[("reason", r["reason"].encode())],
            ))
        await asyncio.gather(*futures)
        for r in records[:20]:
            log.warning("message.dead_lettered", topic=r["topic"], partition=r["partition"],
                        offset=r["offset"], reason=r["reason"], detail=r["detail"],
                        consumer=r["consumer"])
        if len(records) > 20:
            log.warning("message.dead_lettered.more", count=len(records) - 20)

    async def dead_letter(
        self, *, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
        reason: str, detail: str, consumer: str,
    ) -> None:
        """Send a refused message to `<topic>.dlq` with its reason and its original bytes."""
        body = dead_letter_record(
            topic=topic, partition=partition, offset=offset, key=key, value=value,
            reason=reason, detail=detail, consumer=consumer,
        )
        await self._producer.send_and_wait(
            f"{topic}.dlq", json.dumps(body).encode(), key=key,
            headers=[("reason", reason.encode())],
        )
        log.warning("message.dead_lettered", topic=topic, partition=partition, offset=offset,
                    reason=reason, detail=detail, consumer=consumer)


def dead_letter_record(
    *, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
    reason: str, detail: str, consumer: str,
) -> dict[str, Any]:
    original: str | None
    encoding = "utf-8"
    try:
        original = value.decode("utf-8") if value is not None else None
    except UnicodeDecodeError:
        original = base64.b64encode(value or b"").decode()
        encoding = "base64"
    return {
        "reason": reason,
        "detail": detail[:2000],
        "consumer": consumer,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key.decode("utf-8", "replace") if key is not None else None,
        "original": original,
        "original_encoding": encoding,
        "refused_at": datetime.now(UTC).isoformat(),
    }
