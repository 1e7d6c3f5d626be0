"""The event archive: every record the system produces, kept in PostgreSQL and hash-chained.

Write-ahead: `EventProducer` appends a batch here (each partition's offsets assigned under an
advisory lock, chain hashes computed, one transaction) and commits BEFORE it sends the batch to
the broker, holding the partitions' locks until the broker has acknowledged. So a broker's copy
of a partition is always a prefix of the archive's with the same offsets, and `restore` into an
empty broker gives back every offset a consumer may have stored.

The archive is also the outbox: a transaction that changes a read model and publishes what
follows from it appends its records in that same transaction (`append` under
`lock_in_transaction`), and they are sent only after it commits (kafka.py, `Outbox`). The hash recipe is in
docs/operations.md; `chain_hash` is its reference implementation.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import OffsetOutOfRangeError

from services.infra import db

log = structlog.get_logger(__name__)

SCHEMA = "archive"
GENESIS = "0" * 64
_NONE = b"\xff" * 8  # the length field of a missing key, value or headers

TP = tuple[str, int]


@dataclass(frozen=True)
class Record:
    """One archived record. `headers` is the canonical encoding (`encode_headers`)."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: bytes | None
    hash: str


@dataclass(frozen=True)
class Logged:
    """Where the archive put a record a producer sent, and the record as archived."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: bytes | None


class ArchiveBroken(Exception):
    """The archive (or an export of it) is not the untouched, complete chain it claims to be."""

    def __init__(self, where: str, topic: str, partition: int, offset: int, reason: str) -> None:
        self.where, self.topic, self.partition, self.offset = where, topic, partition, offset
        self.reason = reason
        super().__init__(f"{where}: topic {topic} partition {partition} offset {offset}: {reason}")


def encode_headers(headers: Sequence[tuple[str, bytes]] | None) -> bytes | None:
    if not headers:
        return None
    return json.dumps([[k, base64.b64encode(v).decode()] for k, v in headers],
                      separators=(",", ":")).encode()


def decode_headers(raw: bytes | None) -> list[tuple[str, bytes]]:
    if raw is None:
        return []
    return [(k, base64.b64decode(v)) for k, v in json.loads(raw)]


def chain_hash(prev: str, topic: str, partition: int, offset: int, timestamp_ms: int,
               key: bytes | None, value: bytes | None, headers: bytes | None) -> str:
    """SHA-256 (64 hex) of the fields, each as an 8-byte big-endian length and its bytes."""
    h = hashlib.sha256()
    fields: tuple[bytes | None, ...] = (
        prev.encode(), topic.encode(), str(partition).encode(), str(offset).encode(),
        str(timestamp_ms).encode(), key, value, headers)
    for f in fields:
        if f is None:
            h.update(_NONE)
        else:
            h.update(len(f).to_bytes(8, "big"))
            h.update(f)
    return h.hexdigest()


def _length(f: bytes | None) -> bytes:
    return _NONE if f is None else len(f).to_bytes(8, "big")


def chain_rows(prev: str, topic: str, partition: int, offset: int,
               recs: Iterable[tuple[int, bytes | None, bytes | None, bytes | None]]
               ) -> tuple[list[tuple[Any, ...]], str]:
    """The archive rows of `recs` (timestamp_ms, key, value, headers) appended after the record
    whose hash is `prev` from `offset` on, and the last hash: `chain_hash` for each in turn,
    with the fields every record of the partition shares encoded once and one call of SHA-256
    per record."""
    sha256, length = hashlib.sha256, _length
    t, p = topic.encode(), str(partition).encode()
    shared = length(t) + t + length(p) + p
    rows: list[tuple[Any, ...]] = []
    h = prev
    last_ts, stamp = None, b""
    for ts, key, value, headers in recs:
        if ts != last_ts:
            s = str(ts).encode()
            last_ts, stamp = ts, length(s) + s
        hb, o = h.encode(), str(offset).encode()
        h = sha256(b"".join((length(hb), hb, shared, length(o), o, stamp,
                             length(key), key or b"", length(value), value or b"",
                             length(headers), headers or b""))).hexdigest()
        rows.append((topic, partition, offset, ts, key, value, headers, h))
        offset += 1
    return rows, h


class ChainChecker:
    """Follows one partition's records in order; raises `ArchiveBroken` at the first that does
    not belong (a gap, a reordering, an edit, a record of another partition)."""

    def __init__(self, where: str, topic: str, partition: int) -> None:
        self.where, self.topic, self.partition = where, topic, partition
        self.next_offset = 0
        self.hash = GENESIS

    def broken(self, offset: int, reason: str) -> ArchiveBroken:
        return ArchiveBroken(self.where, self.topic, self.partition, offset, reason)

    def feed(self, r: Record) -> None:
        if (r.topic, r.partition) != (self.topic, self.partition):
            raise self.broken(r.offset, f"a record of {r.topic}/{r.partition} is here")
        if r.offset != self.next_offset:
            raise self.broken(self.next_offset, f"expected offset {self.next_offset}, found "
                                                f"{r.offset} (records missing or reordered)")
        want = chain_hash(self.hash, r.topic, r.partition, r.offset, r.timestamp_ms, r.key,
                          r.value, r.headers)
        if want != r.hash:
            raise self.broken(r.offset, "the record does not match its hash (altered)")
        self.hash = want
        self.next_offset += 1

    def finish(self, next_offset: int, head: str) -> None:
        if self.next_offset != next_offset:
            raise self.broken(self.next_offset, f"the chain ends before offset {next_offset} "
                                                "(records missing at the end)")
        if self.hash != head:
            raise self.broken(max(next_offset - 1, 0), "the chain head differs from the stored "
                                                       "head")


async def setup(pool: asyncpg.Pool) -> None:
    await db.migrate(pool, "infra", schema=SCHEMA)


_COLUMNS = ("topic", "partition", "offset", "timestamp_ms", "key", "value", "headers", "hash")
_SELECT = ('SELECT topic, partition, "offset", timestamp_ms, key, value, headers, hash'
           " FROM archive.events WHERE topic = $1 AND partition = $2")


def to_record(row: Mapping[str, Any]) -> Record:
    return Record(row["topic"], row["partition"], row["offset"], row["timestamp_ms"],
                  row["key"], row["value"], row["headers"], row["hash"])


class Archive:
    """The write side used by `EventProducer`: lock partitions, append, mark delivered."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @asynccontextmanager
    async def locked(self, partitions: Iterable[TP]) -> AsyncIterator[asyncpg.Connection]:
        """A connection holding the partitions' locks (taken in one order: no deadlock). It is
        held while the broker answers, so the database may be lost meanwhile (`db.held`)."""
        async with db.held(self.pool) as conn:
            try:
                for topic, partition in sorted(set(partitions)):
                    await conn.execute("SELECT pg_advisory_lock(hashtext($1), $2)",
                                       f"archive:{topic}", partition)
                yield conn
            finally:
                # a connection lost with the database holds no lock any more (nor does one the
                # pool took back: its reset unlocks everything)
                with contextlib.suppress(asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
                                         OSError):
                    await conn.execute("SELECT pg_advisory_unlock_all()")

    @staticmethod
    async def lock_in_transaction(conn: asyncpg.Connection, partitions: Iterable[TP]) -> None:
        """Take the partitions' locks until the caller's transaction ends (the same locks as
        `locked`, taken in the same order): how a transaction appends to the archive as its
        outbox."""
        ordered = sorted(set(partitions))
        await conn.execute(
            "SELECT count(pg_advisory_xact_lock(hashtext('archive:' || t), p))"
            " FROM (SELECT t, p FROM unnest($1::text[], $2::int[]) AS x(t, p)"
            " ORDER BY t, p) AS ordered",
            [t for t, _ in ordered], [p for _, p in ordered])

    async def heads(self, conn: asyncpg.Connection, partitions: Iterable[TP]
                    ) -> dict[TP, tuple[int, str, int, int]]:
        """(next_offset, hash, delivered, sent) of each known partition among `partitions`."""
        parts = list(partitions)
        rows = await conn.fetch(
            "SELECT topic, partition, next_offset, hash, delivered, sent FROM archive.heads"
            " WHERE (topic, partition) IN (SELECT * FROM unnest($1::text[], $2::int[]))",
            [t for t, _ in parts], [p for _, p in parts])
        return {(r["topic"], r["partition"]): (r["next_offset"], r["hash"], r["delivered"],
                                               r["sent"]) for r in rows}

    async def undelivered(self, conn: asyncpg.Connection) -> list[TP]:
        """Every partition with archived records the broker has not acknowledged."""
        rows = await conn.fetch("SELECT topic, partition FROM archive.heads"
                                " WHERE delivered < next_offset ORDER BY topic, partition")
        return [(r["topic"], r["partition"]) for r in rows]

    async def append(self, conn: asyncpg.Connection,
                     grouped: Mapping[TP, Sequence[tuple[int, bytes | None, bytes | None,
                                                         bytes | None]]]) -> dict[TP, int]:
        """Archive (timestamp_ms, key, value, headers) per partition in one transaction;
        returns the first offset given in each partition."""
        firsts: dict[TP, int] = {}
        rows: list[tuple[Any, ...]] = []
        heads_out: list[tuple[str, int, int, str]] = []
        async with conn.transaction():
            heads = await self.heads(conn, grouped)
            for (topic, partition), recs in grouped.items():
                offset, h, _, _ = heads.get((topic, partition), (0, GENESIS, 0, 0))
                firsts[(topic, partition)] = offset
                made, h = chain_rows(h, topic, partition, offset, recs)
                rows += made
                heads_out.append((topic, partition, offset + len(made), h))
            await conn.copy_records_to_table("events", schema_name=SCHEMA, records=rows,
                                             columns=_COLUMNS)
            await conn.execute(
                "INSERT INTO archive.heads (topic, partition, next_offset, hash)"
                " SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[])"
                " ON CONFLICT (topic, partition) DO UPDATE"
                " SET next_offset = EXCLUDED.next_offset, hash = EXCLUDED.hash",
                *map(list, zip(*heads_out, strict=True)))
        return firsts

    async def mark_sent(self, conn: asyncpg.Connection, upto: Mapping[TP, int]) -> None:
        """Records below `upto` may be handed to the broker from now on; committed before any
        of them is (a tail below `sent` is checked against the broker before it is resent)."""
        await conn.execute(
            "UPDATE archive.heads h SET sent = GREATEST(h.sent, x.s)"
            " FROM unnest($1::text[], $2::int[], $3::bigint[]) AS x(t, p, s)"
            " WHERE h.topic = x.t AND h.partition = x.p",
            [t for t, _ in upto], [p for _, p in upto], list(upto.values()))

    async def mark_delivered(self, conn: asyncpg.Connection, upto: Mapping[TP, int]) -> None:
        await conn.execute(
            "UPDATE archive.heads h SET delivered = GREATEST(h.delivered, x.d)"
            " FROM unnest($1::text[], $2::int[], $3::bigint[]) AS x(t, p, d)"
            " WHERE h.topic = x.t AND h.partition = x.p",
            [t for t, _ in upto], [p for _, p in upto], list(upto.values()))

    async def records(self, conn: asyncpg.Connection, tp: TP, start: int, stop: int
                      ) -> list[Record]:
        rows = await conn.fetch(_SELECT + ' AND "offset" >= $3 AND "offset" < $4'
                                ' ORDER BY "offset"', tp[0], tp[1], start, stop)
        return [to_record(r) for r in rows]


async def broker_end(bootstrap: str, tp: TP, start: int, stop: int) -> int:
    """How far (up to `stop`) the broker holds the partition, reading from `start`.

    Used only after a producer died between archiving and the broker's acknowledgement; it reads
    instead of asking for the high-water mark, which the embedded broker gets wrong.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="none")
    await consumer.start()
    try:
        part = TopicPartition(*tp)
        consumer.assign([part])
        consumer.seek(part, start)
        seen = start
        while seen < stop:
            try:
                got = await consumer.getmany(part, timeout_ms=2_000)
            except OffsetOutOfRangeError:
                log.error("archive.broker_behind", topic=tp[0], partition=tp[1], start=start)
                return seen
            if not got:
                break
            for r in got.get(part, []):
                seen = max(seen, r.offset + 1)
        return min(seen, stop)
    finally:
        await consumer.stop()


async def chain_heads(pool: asyncpg.Pool) -> list[tuple[str, int, int, str]]:
    """(topic, partition, offset of the last record, its chain hash) of every partition:
    what a report cites to show which log it was computed from."""
    rows = await pool.fetch("SELECT topic, partition, next_offset - 1 AS last, hash"
                            " FROM archive.heads WHERE next_offset > 0 ORDER BY topic, partition")
    return [(r["topic"], r["partition"], r["last"], r["hash"]) for r in rows]


async def verify(pool: asyncpg.Pool) -> tuple[int, int]:
    """Recompute every chain; (records, partitions) or `ArchiveBroken` at the first mismatch."""
    count = 0
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        heads = {(r["topic"], r["partition"]): (r["next_offset"], r["hash"]) for r in
                 await conn.fetch("SELECT topic, partition, next_offset, hash FROM archive.heads")}
        found = {(r["topic"], r["partition"]) for r in await conn.fetch(
            "SELECT DISTINCT topic, partition FROM archive.events")}
        for tp in sorted(heads.keys() | found):
            checker = ChainChecker("archive.events", *tp)
            async for row in conn.cursor(_SELECT + ' ORDER BY "offset"', *tp, prefetch=5_000):
                checker.feed(to_record(row))
            if tp not in heads:
                raise checker.broken(0, "records of a partition the archive has no head for")
            checker.finish(*heads[tp])
            count += checker.next_offset
    return count, len(heads.keys() | found)
