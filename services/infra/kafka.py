"""Kafka producer, topic creation and dead-letter publishing. No business rules here."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import struct
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from schemas import topics as topic_defs
from schemas.envelope import Envelope
from services.infra.archive import (
    TP,
    Archive,
    Logged,
    broker_end,
    decode_headers,
    encode_headers,
)
from services.infra.archive import setup as archive_setup

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


_NO_HEADERS: list[tuple[str, bytes]] = []  # what a record without headers sends (never changed)
BATCH_BYTES = 256 * 1024  # one broker batch of records per partition and request, at most
STEP_RECORDS = 5_000  # records archived in one transaction before the broker gets them

Outgoing = tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]] | None]
"""topic, key, value, headers"""
Pending = tuple[int, bytes | None, bytes | None, bytes | None]
"""timestamp_ms, key, value, encoded headers: a record as archived, ready to send"""
Staged = tuple[int, list[Pending]]
"""records an outbox archived in one partition, and the offset of the first"""


@asynccontextmanager
async def archiving_producer(bootstrap: str, database_url: str | None,
                            **kwargs: Any) -> AsyncIterator[EventProducer]:
    """A started producer that commits every record to the event archive before the broker
    gets it: what every program that publishes (services and clients alike) should use, so the
    archive stays the whole log. Without a database (a real Kafka and no archive configured) it
    publishes to the broker only."""
    pool = (await asyncpg.create_pool(database_url, min_size=1, max_size=2)
            if database_url else None)
    try:
        if pool is not None:
            await archive_setup(pool)
        async with EventProducer(bootstrap, archive=pool, **kwargs) as producer:
            yield producer
    finally:
        if pool is not None:
            await pool.close()


class EventProducer:
    """Publishes envelopes to the topic their type belongs to, keyed by the aggregate id.

    With `archive` (a pool), every record is first committed to the event archive and only then
    sent (services/infra/archive.py): a call returns once both have it. Records go out as
    whole batches per partition (an archive COPY per step of up to `STEP_RECORDS`, each step
    then handed over as `send_batch` requests of up to `BATCH_BYTES` while the next is
    archived), and calls made while a batch is under way are archived and sent together in the
    next one (group commit), so concurrent requests share a transaction. The broker may not
    support idempotent producers; duplicates are harmless downstream because consumers apply
    each `event_id` once.
    """

    def __init__(self, bootstrap: str, *, archive: asyncpg.Pool | None = None,
                 linger_ms: int = 5, **kwargs: Any) -> None:
        self.bootstrap = bootstrap
        self.archive = Archive(archive) if archive is not None else None
        self._partitions: dict[str, list[int]] = {}
        self._mismatched: set[tuple[str, int]] = set()
        self._key_partition: dict[tuple[str, bytes], int] = {}
        self._pending: list[tuple[Sequence[Outgoing], set[TP], dict[TP, Staged],
                                  asyncio.Future[list[Logged]], bool]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            acks="all",
            linger_ms=linger_ms,
            enable_idempotence=False,
            max_request_size=4 * 1024 * 1024,
            **{"max_batch_size": BATCH_BYTES, **kwargs},
        )

    async def start(self) -> None:
        await self._producer.start()
        pending = await self.deliver_pending()
        if pending:
            log.warning("archive.pending_delivered", partitions=pending)

    async def stop(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            await asyncio.wait([self._flusher])
        await self._producer.stop()

    async def __aenter__(self) -> EventProducer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def publish(self, env: Envelope) -> Logged | None:
        """Publish one envelope and wait until the broker (and the archive) has it. Returns
        where the archive put it (None without an archive)."""
        placed = await self._produce([(env.topic, env.key(), env.to_bytes(), None)])
        return placed[0] if placed else None

    async def publish_many(self, envs: Sequence[Envelope], *, chunk: int = 10_000) -> None:
        """Publish many envelopes, pipelined, and wait until the broker has all of them."""
        for start in range(0, len(envs), chunk):
            await self._produce([(e.topic, e.key(), e.to_bytes(), None)
                                 for e in envs[start : start + chunk]], placed=False)

    async def send_raw(
        self, topic: str, value: bytes | None, key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        await self._produce([(topic, key, value, headers)])

    async def send_raw_many(self, records: Sequence[Outgoing]) -> None:
        """Send (topic, key, value, headers) records, pipelined, and wait for all of them."""
        await self._produce(records, placed=False)

    async def dead_letter_many(self, records: Sequence[dict[str, Any]]) -> None:
        """Send many refusals (each the keyword arguments of `dead_letter`) and wait for all."""
        await self._produce(dead_letters(records), placed=False)

    async def dead_letter(
        self, *, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
        reason: str, detail: str, consumer: str,
    ) -> None:
        """Send a refused message to `<topic>.dlq` with its reason and its original bytes."""
        await self.dead_letter_many([{
            "topic": topic, "partition": partition, "offset": offset, "key": key,
            "value": value, "reason": reason, "detail": detail, "consumer": consumer}])

    def outbox(self) -> Outbox:
        """A new outbox for one database transaction (see `Outbox`)."""
        return Outbox(self)

    async def deliver_pending(self) -> int:
        """Send every archived record the broker has not acknowledged (what a process that
        stopped between a commit and its send left behind); returns how many partitions had
        some. Run at every start."""
        if self.archive is None:
            return 0
        async with self.archive.pool.acquire() as conn:
            partitions = await self.archive.undelivered(conn)
        if partitions:
            await self._produce([], partitions, placed=False)
        return len(partitions)

    async def _produce(self, out: Sequence[Outgoing],
                       tails: Iterable[TP] | Mapping[TP, Staged] = (), *,
                       placed: bool = True) -> list[Logged]:
        """Archive and send `out`, after sending what is archived and not yet sent in its
        partitions and in `tails` (a mapping also gives records known to be archived there, which
        then need not be read back). Returns where the archive put each record of `out` (with
        `placed` false, an empty list: a bulk publish that does not ask is spared one object
        per record)."""
        known = dict(tails) if isinstance(tails, Mapping) else {}
        tails = set(tails)
        if not out and not tails:
            return []
        if self.archive is None:
            futures = [await self._producer.send(t, v, key=k, headers=h) for t, k, v, h in out]
            await asyncio.gather(*futures)
            return []
        # Group commit: calls that arrive while an archive transaction and its broker request
        # are under way wait for the next one, which carries all of them. Concurrent requests
        # (the gateway's) then share one lock, transaction and broker request instead of
        # queueing one by one behind a partition's lock.
        done: asyncio.Future[list[Logged]] = asyncio.get_running_loop().create_future()
        self._pending.append((out, tails, known, done, placed))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_pending())
        return await done

    async def _flush_pending(self) -> None:
        while self._pending:
            group, self._pending = self._pending, []
            known: dict[TP, list[Staged]] = {}
            for _, _, staged, _, _ in group:
                for tp, part in staged.items():
                    known.setdefault(tp, []).append(part)
            try:
                where, grouped, firsts = await self._archive_and_send(
                    [r for out, _, _, _, _ in group for r in out],
                    set().union(*(tails for _, tails, _, _, _ in group)), known,
                    placing=any(wanted for _, _, _, _, wanted in group))
            except BaseException as exc:
                for _, _, _, done, _ in group:
                    if not done.done():
                        done.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
            else:
                start = 0
                for out, _, _, done, wanted in group:
                    if not done.done():
                        done.set_result(_placed(where[start:start + len(out)], grouped, firsts)
                                        if wanted else [])
                    start += len(out)

    async def _group(self, out: Sequence[Outgoing]) -> dict[TP, list[Pending]]:
        """The records by the partition each goes to, stamped with the time."""
        return (await self._group_placed(out))[0]

    async def _group_placed(self, out: Sequence[Outgoing], *, placing: bool = True
                            ) -> tuple[dict[TP, list[Pending]], list[tuple[TP, int]]]:
        """`_group`, and for each record of `out` its partition and index in that group (an
        empty list when not `placing`)."""
        stamp = int(time.time() * 1000)
        grouped: dict[TP, list[Pending]] = {}
        where: list[tuple[TP, int]] = []
        known = self._key_partition
        last: tuple[str, bytes | None] | None = None
        tp: TP = ("", 0)
        recs: list[Pending] = []
        for topic, key, value, headers in out:
            # records of one key often come together (a ballot's votes): look each run up once
            if last is None or key is None or key is not last[1] or topic != last[0]:
                # a key seen before needs no await (`_partition_for` remembers it)
                part = known.get((topic, key)) if key is not None else None
                if part is None:
                    part = await self._partition_for(topic, key)
                tp, last = (topic, part), (topic, key)
                recs = grouped.setdefault(tp, [])
            if placing:
                where.append((tp, len(recs)))
            recs.append((stamp, key, value, encode_headers(headers) if headers else None))
        return grouped, where

    async def _archive_and_send(
        self, out: Sequence[Outgoing], tails: set[TP],
        known: Mapping[TP, list[Staged]] | None = None, *, placing: bool = True,
    ) -> tuple[list[tuple[TP, int]], dict[TP, list[Pending]], dict[TP, int]]:
        """Under the partitions' locks: find what is archived and not yet on the broker, archive
        `out` after it, mark the lot as being sent (committed), send it in offset order, and
        mark it delivered once the broker has acknowledged it. Returns where each record of
        `out` is among its partition's records, those records, and each partition's first
        offset (`_placed` makes them `Logged`).

        Many records are archived in steps of about `STEP_RECORDS`, each committed and marked
        sent before its batches are handed to the broker, and the broker's answers are awaited
        once at the end: while the broker takes one step, the database archives the next."""
        assert self.archive is not None
        grouped, where = await self._group_placed(out, placing=placing)
        firsts: dict[TP, int] = {}
        async with self.archive.locked(grouped.keys() | tails) as conn:
            waiting = await self._tails(conn, grouped.keys() | tails, known or {})
            sending: dict[TP, tuple[int, list[Pending]]] = {
                tp: (start, recs) for tp, (start, recs, _) in waiting.items()}
            ends = {tp: end for tp, (_, _, end) in waiting.items()}
            handed: list[tuple[TP, int, asyncio.Future[Any]]] = []
            for step in _steps(grouped, STEP_RECORDS):
                appended = await self.archive.append(conn, step) if step else {}
                for tp, recs in step.items():
                    firsts.setdefault(tp, appended[tp])
                    start, before = sending.get(tp, (appended[tp], []))
                    if start + len(before) != appended[tp]:
                        raise RuntimeError(f"archive tail of {tp[0]}/{tp[1]} ends at"
                                           f" {start + len(before)}, the append began at"
                                           f" {appended[tp]}")
                    sending[tp] = (start, before + recs)
                ends |= {tp: start + len(recs) for tp, (start, recs) in sending.items()}
                await self.archive.mark_sent(conn, ends)
                handed += await self._hand_over(
                    {tp: recs for tp, (_, recs) in sending.items() if recs},
                    {tp: start for tp, (start, _) in sending.items()})
                sending = {}
            await self._acknowledged(handed)
            await self.archive.mark_delivered(conn, ends)
        return where, grouped, firsts

    async def _tails(self, conn: asyncpg.Connection, partitions: Iterable[TP],
                     known: Mapping[TP, list[Staged]]) -> dict[TP, tuple[int, list[Pending], int]]:
        """Per partition with archived records the broker has not acknowledged: the first
        offset it does not hold, the records from there, and the archive's next offset.

        Records below `sent` may have reached the broker before a producer died, so the broker
        is read to find where its copy ends (slow, and only after a crash). Records at or above
        `sent` were never handed to it: an outbox's, committed and waiting for this send; when
        the outboxes being delivered staged exactly that range (`known`), their records are used
        as they are instead of being read back from the archive.
        """
        assert self.archive is not None
        found: dict[TP, tuple[int, list[Pending], int]] = {}
        for tp, (next_offset, _, delivered, sent) in (
                await self.archive.heads(conn, partitions)).items():
            if delivered >= next_offset:
                continue
            start = delivered
            if sent > delivered:
                start = await broker_end(self.bootstrap, tp, delivered, min(sent, next_offset))
                log.warning("archive.tail_delivered", topic=tp[0], partition=tp[1],
                            resent=next_offset - start, already_there=start - delivered)
            recs = _contiguous(known.get(tp, []), start, next_offset)
            if recs is None:
                recs = [(r.timestamp_ms, r.key, r.value, r.headers) for r in
                        await self.archive.records(conn, tp, start, next_offset)]
            found[tp] = (start, recs, next_offset)
        return found

    async def _partition_for(self, topic: str, key: bytes | None) -> int:
        """The partition Kafka's default partitioner picks, chosen here so the archive knows it
        before the broker is asked."""
        parts = self._partitions.get(topic)
        if parts is None:
            parts = self._partitions[topic] = sorted(await self._producer.partitions_for(topic))
        if key is None:
            return random.choice(parts)
        # a voter's votes come together: hash each key once
        cached = self._key_partition.get((topic, key))
        if cached is None:
            if len(self._key_partition) >= 100_000:
                self._key_partition.clear()
            cached = self._key_partition[(topic, key)] = (
                parts[(kafka_murmur2(key) & 0x7FFFFFFF) % len(parts)])
        return cached

    async def _hand_over(
        self, grouped: Mapping[TP, list[Pending]], firsts: Mapping[TP, int],
    ) -> list[tuple[TP, int, asyncio.Future[Any]]]:
        """Hand each partition's records to the producer as whole batches (one broker request
        carries many records instead of each record going through the producer's own
        accumulator), in order; returns each batch's partition, first archived offset and the
        future of the broker's answer (`_acknowledged` awaits them)."""
        sent: list[tuple[TP, int, asyncio.Future[Any]]] = []
        for tp, recs in grouped.items():
            offset = firsts[tp]
            batch = self._producer.create_batch()
            count = 0
            for stamp, key, value, headers in recs:
                if batch.append(timestamp=stamp, key=key, value=value,
                                headers=decode_headers(headers) if headers else _NO_HEADERS
                                ) is None:
                    if not count:
                        raise ValueError(f"a record of {len(value or b'')} bytes does not fit"
                                         f" in a batch for {tp[0]}/{tp[1]}")
                    sent.append((tp, offset, await self._producer.send_batch(
                        batch, tp[0], partition=tp[1])))
                    offset += count
                    batch, count = self._producer.create_batch(), 0
                    if batch.append(timestamp=stamp, key=key, value=value,
                                    headers=decode_headers(headers)) is None:
                        raise ValueError(f"a record of {len(value or b'')} bytes does not fit in"
                                         f" a batch for {tp[0]}/{tp[1]}")
                count += 1
            if count:
                sent.append((tp, offset, await self._producer.send_batch(
                    batch, tp[0], partition=tp[1])))
        return sent

    async def _acknowledged(self, sent: Sequence[tuple[TP, int, asyncio.Future[Any]]]) -> None:
        """Wait until the broker has every batch handed over, and check that it gave them the
        offsets the archive did."""
        metas = await asyncio.gather(*(f for _, _, f in sent))
        for (tp, archived, _), meta in zip(sent, metas, strict=True):
            if meta.offset != archived and tp not in self._mismatched:
                # a broker that held records before the archive began, or a retry that wrote
                # twice: the archive stays the ordered record; offsets on this broker differ
                self._mismatched.add(tp)
                log.error("archive.offset_mismatch", topic=tp[0], partition=tp[1],
                          archived=archived, broker=meta.offset)


def _steps(grouped: Mapping[TP, list[Pending]], size: int) -> list[dict[TP, list[Pending]]]:
    """`grouped` in consecutive steps of about `size` records (each partition's records cut
    into as many slices, in order); one empty step when there is nothing."""
    total = sum(len(recs) for recs in grouped.values())
    count = max(1, -(-total // size))
    steps: list[dict[TP, list[Pending]]] = [{} for _ in range(count)]
    for tp, recs in grouped.items():
        per = -(-len(recs) // count)
        for i in range(count):
            if part := recs[i * per:(i + 1) * per]:
                steps[i][tp] = part
    return [step for step in steps if step] or [{}]


_M, _U32 = 0x5BD1E995, 0xFFFFFFFF


def kafka_murmur2(data: bytes) -> int:
    """Kafka's murmur2 of a key (`Utils.murmur2`, what its default partitioner hashes), as
    aiokafka's `murmur2` computes it, reading the key four bytes at a time instead of one."""
    n = len(data)
    h = 0x9747B28C ^ n
    for k in struct.unpack_from(f"<{n >> 2}I", data):
        k = (k * _M) & _U32
        k = ((k ^ (k >> 24)) * _M) & _U32
        h = ((h * _M) & _U32) ^ k
    tail = n & 3
    if tail:
        if tail == 3:
            h ^= data[n - 1] << 16
        if tail >= 2:
            h ^= data[n - tail + 1] << 8
        h = ((h ^ data[n - tail]) * _M) & _U32
    h ^= h >> 13
    h = (h * _M) & _U32
    return h ^ (h >> 15)


def _contiguous(parts: list[Staged], start: int, stop: int) -> list[Pending] | None:
    """The records of offsets `start` to `stop` if `parts` hold exactly those, else None."""
    out: list[Pending] = []
    at = start
    for first, recs in sorted(parts, key=lambda part: part[0]):
        if first != at:
            return None
        out += recs
        at += len(recs)
    return out if at == stop else None


def _placed(where: Sequence[tuple[TP, int]], grouped: Mapping[TP, list[Pending]],
            firsts: Mapping[TP, int]) -> list[Logged]:
    """Where each record went, from its (partition, index among the partition's records)."""
    placed = []
    for tp, i in where:
        stamp, key, value, headers = grouped[tp][i]
        placed.append(Logged(tp[0], tp[1], firsts[tp] + i, stamp, key, value, headers))
    return placed


def dead_letters(records: Sequence[dict[str, Any]]) -> list[Outgoing]:
    """Refusals (each the keyword arguments of `EventProducer.dead_letter`) as records of their
    `<topic>.dlq`, logged as they are made."""
    for r in records[:20]:
        log.warning("message.dead_lettered", topic=r["topic"], partition=r["partition"],
                    offset=r["offset"], reason=r["reason"], detail=r["detail"],
                    consumer=r["consumer"])
    if len(records) > 20:
        log.warning("message.dead_lettered.more", count=len(records) - 20)
    return [(f"{r['topic']}.dlq", r["key"], json.dumps(dead_letter_record(**r)).encode(),
             [("reason", r["reason"].encode())]) for r in records]


class Outbox:
    """What one database transaction publishes, seen by nobody before that transaction commits.

    Collect the transaction's events and refusals (`publish_many`, `dead_letter_many`), call
    `stage(conn)` once as the transaction's last step (the records are appended to the archive
    in it, under the partitions' transaction-level locks), and `deliver()` after the commit. A
    process that stops between the commit and `deliver` leaves the records archived and not
    delivered: the next producer of those partitions, or the next start of any producer
    (`EventProducer.deliver_pending`), sends them. Staging once, with every partition's lock
    taken in one order, keeps two transactions from waiting for each other.

    Without an archive (a real Kafka and no database), `stage` keeps the records and `deliver`
    sends them: after the commit all the same, but a crash in between loses them.
    """

    def __init__(self, producer: EventProducer) -> None:
        self.producer = producer
        self._out: list[Outgoing] = []
        self._staged: dict[TP, Staged] = {}

    def publish_many(self, envs: Iterable[Envelope]) -> None:
        self._out += [(e.topic, e.key(), e.to_bytes(), None) for e in envs]

    def dead_letter_many(self, records: Sequence[dict[str, Any]]) -> None:
        self._out += dead_letters(records)

    async def stage(self, conn: asyncpg.Connection) -> None:
        """Archive the collected records in `conn`'s transaction (which must be open)."""
        archive = self.producer.archive
        if archive is None or not self._out:
            return
        if not conn.is_in_transaction():
            raise RuntimeError("an outbox is staged inside the transaction it belongs to")
        grouped = await self.producer._group(self._out)  # noqa: SLF001 - the producer's part
        await archive.lock_in_transaction(conn, grouped)
        firsts = await archive.append(conn, grouped)
        self._staged |= {tp: (firsts[tp], recs) for tp, recs in grouped.items()}
        self._out = []

    async def deliver(self) -> None:
        """Send what was staged (call after the commit); returns once the broker has it."""
        out, self._out = self._out, []
        staged, self._staged = self._staged, {}
        await self.producer._produce(out, staged, placed=False)  # noqa: SLF001


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


async def read_from_start(bootstrap: str, topic: str, *,
                          idle_ms: int = 2_000) -> AsyncIterator[tuple[int, int, bytes | None]]:
    """Every record of `topic` from offset 0, as (partition, offset, value), partition by
    partition, without a consumer group; for operator commands that read a whole topic once.

    A partition is read up to the end offset the broker reports and then on until a poll of
    `idle_ms` brings nothing (the embedded broker can report too small an end, see STACK-NOTES).
    """
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata
        partitions = sorted(consumer.partitions_for_topic(topic) or set())
        for number in partitions:
            part = TopicPartition(topic, number)
            consumer.assign([part])
            await consumer.seek_to_beginning(part)
            end = (await consumer.end_offsets([part]))[part]
            while True:
                got = await consumer.getmany(part, timeout_ms=idle_ms)
                records = got.get(part, [])
                for r in records:
                    yield number, r.offset, r.value
                if not records and await consumer.position(part) >= end:
                    break
    finally:
        await consumer.stop()
