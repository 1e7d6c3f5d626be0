"""The batch projection consumer: offsets stored in PostgreSQL, effectively once.

A `Projection` turns a batch of decoded messages into read-model writes. `ProjectionRunner`
polls with `getmany`, dead-letters what cannot be decoded or what the projection refuses, and then,
in ONE transaction, applies the batch and stores the next offsets. On partition assignment it seeks
to the stored offsets, so a crash at any point neither loses nor double-applies a message.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Collection, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from schemas.base import Payload
from schemas.envelope import Envelope, RefusedMessage, decode
from services.infra import metrics
from services.infra.kafka import EventProducer, Outbox
from services.infra.logging import bind_message

log = structlog.get_logger(__name__)

# Failures that come from the data of a message, not from the database or broker being away:
# the message at fault is isolated and dead-lettered instead of stopping the consumer.
POISON_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    ValueError,
    TypeError,
    LookupError,
)


class NotYet(Exception):  # noqa: N818 - a state, not an error
    """A projection cannot apply `event_ids` yet: something they depend on is not visible (a key
    whose transaction has not committed). The runner rolls the batch back and tries it again,
    with backoff; once an event has waited `ProjectionRunner.not_yet_wait_s`, it is in `GIVE_UP`
    for the next attempt and the projection refuses it with its reason (dead-lettered)."""

    def __init__(self, message: str, event_ids: Collection[uuid.UUID]) -> None:
        super().__init__(message)
        self.event_ids = set(event_ids)


# The events of the batch being applied that the runner has waited for long enough (`NotYet`).
GIVE_UP: ContextVar[frozenset[uuid.UUID]] = ContextVar("consumer_give_up", default=frozenset())


@dataclass(slots=True)
class Message:
    """One decoded message and where it came from; never changed once made (copies are made
    with `dataclasses.replace`). Not frozen: a batch makes one per record, and a frozen
    dataclass's `__init__` cost three times as much."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    raw: bytes | None
    envelope: Envelope
    payload: Payload


@dataclass
class Outcome:
    """What a projection decided about a batch besides its table writes.

    `publish`: events caused by the batch, archived in the batch's transaction and sent after it
    commits (derive their ids from the cause, so a replay publishes duplicates that consumers
    ignore). `refuse`: messages to dead-letter, with a reason.
    """

    publish: list[Envelope] = field(default_factory=list)
    refuse: list[tuple[Message, str, str]] = field(default_factory=list)


class Projection(Protocol):
    name: str  # consumer group and offsets key
    schema: str  # PostgreSQL schema that holds the read model and the offsets
    topics: Sequence[str]
    dedupe: bool  # skip events whose event_id is already in <schema>.applied_events

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome: ...


def held_commit_s(projection: str) -> float:
    """A test's hook: with `IDEASTORM_ENV=test` and `IDEASTORM_TEST_HOLD_COMMIT="<projection>=<s>"`,
    that projection holds each batch's transaction open that long before it commits, so a test
    forces what a commit racing its consumers would do instead of hoping for it."""
    if os.environ.get("IDEASTORM_ENV") != "test":
        return 0.0
    name, _, seconds = os.environ.get("IDEASTORM_TEST_HOLD_COMMIT", "").partition("=")
    return float(seconds) if name == projection and seconds else 0.0


@dataclass
class RunnerStats:
    batches: int = 0
    applied: int = 0
    refused: dict[tuple[str, str], int] = field(default_factory=dict)
    last_batch_size: int = 0
    last_batch_seconds: float = 0.0
    not_yet: int = 0  # attempts rolled back because the batch depended on what was not visible
    positions: dict[tuple[str, int], int] = field(default_factory=dict)


class _SeekFromDatabase(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: ProjectionRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        # wait for the batch in flight to commit before another member may take its partitions
        async with self.runner.batch_lock:
            pass
        metrics.forget_partitions(self.runner.projection.name,
                                  [(tp.topic, tp.partition) for tp in revoked])

    async def on_partitions_assigned(self, assigned: Any) -> None:
        # A member dropped from its group (a late heartbeat) may be re-assigned while a batch is
        # still in flight; read the stored offsets only after that batch has committed, or the
        # seek would rewind to before it and the batch would be applied a second time.
        async with self.runner.batch_lock:
            stored = await self.runner.seek_to_stored(list(assigned))
        self.runner.assigned = [(tp.topic, tp.partition) for tp in assigned]
        metrics.observe_committed(self.runner.projection.name, stored)
        self.runner.log.info("consumer.assigned",
                             partitions=[f"{tp.topic}/{tp.partition}" for tp in assigned])


class ProjectionRunner:
    def __init__(
        self,
        projection: Projection,
        *,
        pool: asyncpg.Pool,
        producer: EventProducer,
        bootstrap: str,
        session_timeout_ms: int = 6_000,
        heartbeat_interval_ms: int = 1_000,
        max_records: int = 5_000,
        poll_ms: int = 200,
        fetch_wait_ms: int = 50,
        group_id: str | None = None,
        not_yet_wait_s: float = 30.0,
    ) -> None:
        self.projection = projection
        self.pool = pool
        self.producer = producer
        self.group_id = group_id or projection.name
        self.max_records = max_records
        self.poll_ms = poll_ms
        self.not_yet_wait_s = not_yet_wait_s
        self.hold_commit_s = held_commit_s(projection.name)
        self.batch_lock = asyncio.Lock()
        self.stats = RunnerStats()
        # None until the first group join; then the partitions this member owns (maybe none)
        self.assigned: list[tuple[str, int]] | None = None
        self._stopping = asyncio.Event()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            rebalance_timeout_ms=max(session_timeout_ms, 10_000),
            max_poll_records=max_records,
            fetch_max_wait_ms=fetch_wait_ms,
            # What the fetcher holds besides the batch being applied: 4 MiB a partition (about
            # 8,000 votes) keeps a batch of 20,000 fed from four partitions; 16 MiB a partition
            # kept up to 64 MiB of records in memory beside the batch (the voting worker's peak
            # resident memory). A record batch larger than this is still fetched, alone.
            fetch_max_bytes=16 * 1024 * 1024,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        self.log = log.bind(consumer=projection.name)

    @property
    def name(self) -> str:
        return self.projection.name

    async def seek_to_stored(self, partitions: list[TopicPartition]) -> dict[tuple[str, int], int]:
        """Seek each partition to its offset stored in PostgreSQL (or the beginning); return them."""
        rows = await self.pool.fetch(
            f"SELECT topic, partition, next_offset FROM {self.projection.schema}.consumer_offsets"
            " WHERE consumer = $1",
            self.projection.name,
        )
        stored = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        for tp in partitions:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                await self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, offset)
        wanted = {(tp.topic, tp.partition) for tp in partitions}
        return {k: v for k, v in stored.items() if k in wanted}

    async def run(self) -> None:
        """Consume until `stop()`; the batch in flight is finished and committed first."""
        await self._consumer.start()
        self._consumer.subscribe(list(self.projection.topics), listener=_SeekFromDatabase(self))
        try:
            while not self._stopping.is_set():
                batches = await self._consumer.getmany(
                    timeout_ms=self.poll_ms, max_records=self.max_records
                )
                if batches:
                    async with self.batch_lock:
                        await self._process_when_visible(batches)
                del batches  # an applied batch's records are not kept while the next one comes
                await self._observe_lag()
        finally:
            await self._consumer.stop()

    def stop(self) -> None:
        self._stopping.set()

    async def _observe_lag(self) -> None:
        positions: dict[tuple[str, int], tuple[int, int | None]] = {}
        for tp in self._consumer.assignment():
            try:
                positions[(tp.topic, tp.partition)] = (
                    await self._consumer.position(tp), self._consumer.highwater(tp))
            except Exception:  # noqa: BLE001 - a partition revoked meanwhile has no position
                continue
        metrics.observe_positions(self.projection.name, positions)

    async def _process_when_visible(self, batches: dict[TopicPartition, list[Any]]) -> None:
        """Apply a batch; while it depends on what is not visible yet (`NotYet`), roll back and
        try again with backoff, and refuse what has waited too long. Nothing is stored for a
        batch that is stopped while it waits: it is read again at the next start."""
        since: dict[uuid.UUID, float] = {}
        give_up: frozenset[uuid.UUID] = frozenset()
        delay = 0.02
        while True:
            token = GIVE_UP.set(give_up)
            try:
                await self._process_isolating_poison(batches)
                return
            except NotYet as exc:
                self.stats.not_yet += 1
                now = time.monotonic()
                for event_id in exc.event_ids:
                    since.setdefault(event_id, now)
                overdue = {e for e, t in since.items() if now - t >= self.not_yet_wait_s}
                if overdue - give_up:
                    give_up = give_up | overdue
                    continue
                self.log.warning("consumer.not_yet", reason=str(exc), events=len(exc.event_ids),
                                 waited_s=round(now - min(since.values()), 3))
            finally:
                GIVE_UP.reset(token)
            if self._stopping.is_set():
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _process_isolating_poison(self, batches: dict[TopicPartition, list[Any]]) -> None:
        """Apply a batch; if the projection fails on its data, find the message(s) at fault.

        A message the projection cannot apply (a value the database refuses, a bug for one shape
        of input) would otherwise stop the consumer for good on every restart. The batch is
        retried one message at a time; a message that fails alone is dead-lettered with the
        error as its reason and its offset is stored, so the consumer goes on.
        """
        try:
            await self._process(batches)
            return
        except POISON_ERRORS as exc:
            self.log.error("consumer.batch_failed", error=repr(exc)[:500],
                           size=sum(len(r) for r in batches.values()))
        for tp, records in batches.items():
            for rec in records:
                try:
                    await self._process({tp: [rec]})
                except POISON_ERRORS as exc:
                    await self._refuse_alone(tp, rec, exc)

    async def _refuse_alone(self, tp: TopicPartition, rec: Any, exc: Exception) -> None:
        outbox = self.producer.outbox()
        async with self.pool.acquire() as conn, conn.transaction():
            stored = await self._stored_offsets(conn, [(tp.topic, tp.partition)])
            if stored.get((tp.topic, tp.partition), -1) > rec.offset:
                return
            self._dead_letter(outbox, [(rec.topic, rec.partition, rec.offset, rec.key,
                                        rec.value, "projection_failed",
                                        f"{type(exc).__name__}: {exc}")])
            await self._store_offsets(conn, {(tp.topic, tp.partition): rec.offset + 1})
            await outbox.stage(conn)
        await outbox.deliver()

    async def _store_offsets(self, conn: asyncpg.Connection,
                             next_offsets: dict[tuple[str, int], int]) -> None:
        await conn.execute(
            f"INSERT INTO {self.projection.schema}.consumer_offsets"
            " (consumer, topic, partition, next_offset)"
            " SELECT $1, t, p, o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS x(t, p, o)"
            " ON CONFLICT (consumer, topic, partition) DO UPDATE"
            " SET next_offset = EXCLUDED.next_offset, updated_at = now()",
            self.projection.name,
            [t for t, _ in next_offsets],
            [p for _, p in next_offsets],
            list(next_offsets.values()),
        )

    async def _process(self, batches: dict[TopicPartition, list[Any]]) -> None:
        started = time.perf_counter()
        skipped: list[str] = []
        schema = self.projection.schema
        # What the batch publishes and refuses is archived in its transaction and sent after
        # the commit: no consumer reads an event whose cause could still be rolled back.
        outbox = self.producer.outbox()
        async with self.pool.acquire() as conn, conn.transaction():
            # The stored offsets are the truth. Records below them were already applied (by us
            # before a rebalance or a crash, or by another member while we were dropped from the
            # group): skip them, so nothing is applied twice whatever the fetcher hands us.
            stored = await self._stored_offsets(
                conn, [(tp.topic, tp.partition) for tp, recs in batches.items() if recs])
            good: list[Message] = []
            refused: list[tuple[Any, str, str]] = []
            next_offsets: dict[tuple[str, int], int] = {}
            for tp, records in batches.items():
                floor = stored.get((tp.topic, tp.partition), -1)
                fresh_records = [r for r in records if r.offset >= floor]
                if len(fresh_records) < len(records):
                    self.log.warning("consumer.skipped_applied", topic=tp.topic,
                                     partition=tp.partition, stored=floor,
                                     count=len(records) - len(fresh_records))
                for rec in fresh_records:
                    try:
                        env, payload = decode(rec.value)
                        good.append(Message(rec.topic, rec.partition, rec.offset, rec.key,
                                            rec.value, env, payload))
                    except RefusedMessage as exc:
                        refused.append((rec, exc.reason, exc.detail))
                if fresh_records:
                    next_offsets[(tp.topic, tp.partition)] = fresh_records[-1].offset + 1
            if good:
                # bound once per batch, not per record: the context the batch is applied in is
                # the last message's, as when each record rebound it (a failed batch is retried
                # one message at a time, each then in its own context)
                bind_message(good[-1].envelope)
            if self.projection.dedupe and good:
                ids = [m.envelope.event_id for m in good]
                fresh = {
                    r["event_id"]
                    for r in await conn.fetch(
                        f"INSERT INTO {schema}.applied_events (event_id)"
                        " SELECT DISTINCT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id",
                        ids,
                    )
                }
                kept: list[Message] = []
                for m in good:
                    if m.envelope.event_id in fresh:
                        kept.append(m)
                        fresh.discard(m.envelope.event_id)  # a duplicate inside the batch too
                kept_ids = {id(m) for m in kept}
                skipped = [m.topic for m in good if id(m) not in kept_ids]
                good = kept
            outcome = await self.projection.apply(conn, good) if good else Outcome()
            dead = [(rec.topic, rec.partition, rec.offset, rec.key, rec.value, reason, detail)
                    for rec, reason, detail in refused]
            dead += [(m.topic, m.partition, m.offset, m.key, m.raw, reason, detail)
                     for m, reason, detail in outcome.refuse]
            if dead:
                self._dead_letter(outbox, dead)
            outbox.publish_many(outcome.publish)
            await self._store_offsets(conn, next_offsets)
            await outbox.stage(conn)
            if self.hold_commit_s:
                await asyncio.sleep(self.hold_commit_s)
        await outbox.deliver()
        self.stats.batches += 1
        self.stats.applied += len(good) - len(outcome.refuse)
        self.stats.last_batch_size = sum(len(r) for r in batches.values())
        self.stats.last_batch_seconds = time.perf_counter() - started
        self.stats.positions.update(next_offsets)
        refused_now = {id(m) for m, _, _ in outcome.refuse}
        metrics.observe_batch(
            self.projection.name,
            size=self.stats.last_batch_size,
            seconds=self.stats.last_batch_seconds,
            applied=[m.topic for m in good if id(m) not in refused_now],
            skipped=skipped,
            refused=[(rec.topic, reason) for rec, reason, _ in refused]
            + [(m.topic, reason) for m, reason, _ in outcome.refuse],
            committed=next_offsets,
        )

    async def _stored_offsets(
        self, conn: asyncpg.Connection, partitions: list[tuple[str, int]]
    ) -> dict[tuple[str, int], int]:
        """The stored next offsets of `partitions`, locked until this transaction ends."""
        rows = await conn.fetch(
            f"SELECT topic, partition, next_offset FROM {self.projection.schema}.consumer_offsets"
            " WHERE consumer = $1 AND (topic, partition) IN"
            " (SELECT * FROM unnest($2::text[], $3::int[])) FOR UPDATE",
            self.projection.name, [t for t, _ in partitions], [p for _, p in partitions],
        )
        return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}

    def _dead_letter(
        self, outbox: Outbox, dead: list[tuple[str, int, int, bytes | None, bytes | None, str, str]]
    ) -> None:
        outbox.dead_letter_many([
            {"topic": t, "partition": p, "offset": o, "key": k, "value": v, "reason": r,
             "detail": d, "consumer": self.projection.name}
            for t, p, o, k, v, r, d in dead
        ])
        for t, _, _, _, _, r, _ in dead:
            self.stats.refused[(t, r)] = self.stats.refused.get((t, r), 0) + 1
