"""The Merkle trees of logged partitions, kept in PostgreSQL beside the archive, and their
signed heads. Infrastructure only: which topic is logged and when a head is due are the
callers' rules (the voting worker logs `votes`).

`extend` adds what the archive holds beyond the tree (leaf hashes of the archived records, and
the perfect subtrees they complete) in one transaction per chunk. `sign_heads` signs the root of
each partition that grew, after checking that the new root extends the previous signed one (a
tree or archive rewritten underneath is refused, never signed). Proofs read O(log n) nodes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import datetime

import asyncpg
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.infra import merkle
from services.infra.archive import Archive, Record
from services.infra.transparency import SignedHead, from_ms, log_entry, sign_head, to_ms

log = structlog.get_logger(__name__)

# Records per transaction while extending a tree. Hashing them is CPU work in the worker's
# event loop (its projections and heartbeats share it): a chunk holds the loop for ~0.1 s on a
# quiet machine, a second when it is loaded, never long enough to miss a heartbeat.
CHUNK = 5_000


class TreeBroken(Exception):
    """The stored tree no longer gives a root that an earlier signed head signed."""


def entry_of(r: Record) -> bytes:
    return log_entry(r.topic, r.partition, r.offset, r.timestamp_ms, r.key, r.value, r.headers)


async def _nodes(conn: asyncpg.Connection, topic: str, partition: int,
                 wanted: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    wanted = list(wanted)
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT n.level, n.idx, n.hash FROM archive.tree_nodes n"
        " JOIN unnest($3::smallint[], $4::bigint[]) AS w(level, idx)"
        " ON n.level = w.level AND n.idx = w.idx"
        " WHERE n.topic = $1 AND n.partition = $2",
        topic, partition, [lv for lv, _ in wanted], [i for _, i in wanted])
    found = {(r["level"], r["idx"]): bytes(r["hash"]) for r in rows}
    missing = set(wanted) - found.keys()
    if missing:
        raise TreeBroken(f"{topic}/{partition}: tree nodes missing: {sorted(missing)[:5]}")
    return found


async def tree_size(conn: asyncpg.Connection, topic: str, partition: int) -> int:
    return int(await conn.fetchval(
        "SELECT size FROM archive.tree_sizes WHERE topic = $1 AND partition = $2",
        topic, partition) or 0)


async def extend(pool: asyncpg.Pool, topic: str) -> dict[int, int]:
    """Bring every partition's tree of `topic` up to the archive; returns the new sizes of those
    that grew."""
    grown: dict[int, int] = {}
    archive = Archive(pool)
    heads = await pool.fetch(
        "SELECT h.partition, h.next_offset FROM archive.heads h LEFT JOIN archive.tree_sizes s"
        " USING (topic, partition) WHERE h.topic = $1 AND h.next_offset > coalesce(s.size, 0)"
        " ORDER BY h.partition", topic)
    for head in heads:
        partition, end = head["partition"], head["next_offset"]
        while True:
            async with pool.acquire() as conn, conn.transaction():
                # one extender per partition at a time (several workers may run this)
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext('tree:' || $1), $2)",
                                   topic, partition)
                size = await tree_size(conn, topic, partition)
                if size >= end:
                    break
                stop = min(end, size + CHUNK)
                records = await archive.records(conn, (topic, partition), size, stop)
                if [r.offset for r in records] != list(range(size, stop)):
                    raise TreeBroken(f"{topic}/{partition}: archive records {size}..{stop} "
                                     "are not all there")
                frontier = await _nodes(conn, topic, partition, merkle.root_nodes(size))
                new = merkle.append(size, frontier,
                                    [merkle.leaf_hash(entry_of(r)) for r in records])
                await conn.copy_records_to_table(
                    "tree_nodes", schema_name="archive",
                    columns=("topic", "partition", "level", "idx", "hash"),
                    records=[(topic, partition, lv, i, h) for (lv, i), h in new.items()])
                await conn.execute(
                    "INSERT INTO archive.tree_sizes (topic, partition, size) VALUES ($1, $2, $3)"
                    " ON CONFLICT (topic, partition) DO UPDATE SET size = EXCLUDED.size",
                    topic, partition, stop)
                grown[partition] = stop
            await asyncio.sleep(0)  # let the loop serve others between chunks
    return grown


def _head(row: asyncpg.Record) -> SignedHead:
    return SignedHead(log=row["topic"], partition=row["partition"], tree_size=row["tree_size"],
                      root_hash=row["root_hash"], signed_at=from_ms(row["signed_ms"]),
                      key_id=row["key_id"], signature=row["signature"])


_HEAD_COLUMNS = "topic, partition, tree_size, root_hash, signed_ms, key_id, signature"


async def latest_heads(pool: asyncpg.Pool | asyncpg.Connection, topic: str,
                       before: datetime | None = None) -> dict[int, SignedHead]:
    """The newest signed head of each partition (signed at or before `before`, if given)."""
    rows = await pool.fetch(
        f"SELECT DISTINCT ON (partition) {_HEAD_COLUMNS} FROM archive.signed_heads"
        " WHERE topic = $1 AND signed_ms <= $2 ORDER BY partition, signed_ms DESC",
        topic, to_ms(before) if before else 2**62)
    return {r["partition"]: _head(r) for r in rows}


async def heads_in_force(pool: asyncpg.Pool | asyncpg.Connection,
                         at: datetime) -> list[SignedHead]:
    """Every logged partition's newest head signed at or before `at`."""
    rows = await pool.fetch(
        f"SELECT DISTINCT ON (topic, partition) {_HEAD_COLUMNS} FROM archive.signed_heads"
        " WHERE signed_ms <= $1 ORDER BY topic, partition, signed_ms DESC", to_ms(at))
    return [_head(r) for r in rows]


async def heads(pool: asyncpg.Pool, topic: str, partition: int | None, *, limit: int,
                offset: int) -> list[SignedHead]:
    """Signed heads, newest first."""
    rows = await pool.fetch(
        f"SELECT {_HEAD_COLUMNS} FROM archive.signed_heads WHERE topic = $1"
        " AND ($2::int IS NULL OR partition = $2) ORDER BY signed_ms DESC, partition"
        " LIMIT $3 OFFSET $4", topic, partition, limit, offset)
    return [_head(r) for r in rows]


async def head_of_size(pool: asyncpg.Pool, topic: str, partition: int,
                       size: int) -> SignedHead | None:
    row = await pool.fetchrow(
        f"SELECT {_HEAD_COLUMNS} FROM archive.signed_heads WHERE topic = $1 AND partition = $2"
        " AND tree_size = $3 ORDER BY signed_ms DESC LIMIT 1", topic, partition, size)
    return None if row is None else _head(row)


async def sign_heads(pool: asyncpg.Pool, key: Ed25519PrivateKey, topic: str, *,
                     force: bool = False) -> list[SignedHead]:
    """Sign the root of every partition of `topic` whose tree grew since its last head (every
    partition with `force`: a campaign closed). Refuses (TreeBroken) a root that does not extend
    the last signed one."""
    signed: list[SignedHead] = []
    stamp = int(time.time() * 1000)
    async with pool.acquire() as conn, conn.transaction():
        # one signer of a topic's heads at a time (several workers may run this)
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('heads:' || $1))", topic)
        sizes = {r["partition"]: r["size"] for r in await conn.fetch(
            "SELECT partition, size FROM archive.tree_sizes WHERE topic = $1", topic)}
        last = await latest_heads(conn, topic)
        for partition, size in sorted(sizes.items()):
            before = last.get(partition)
            if before is not None and before.tree_size == size and not force:
                continue
            if before is not None and before.tree_size > size:
                raise TreeBroken(f"{topic}/{partition}: the tree has {size} records, "
                                 f"a signed head has {before.tree_size}")
            if before is not None:
                was = merkle.root(before.tree_size, _getter(
                    await _nodes(conn, topic, partition, merkle.root_nodes(before.tree_size))))
                if was.hex() != before.root_hash:
                    raise TreeBroken(f"{topic}/{partition}: the tree no longer gives the root "
                                     f"signed at size {before.tree_size}")
            root = merkle.root(size, _getter(
                await _nodes(conn, topic, partition, merkle.root_nodes(size))))
            head = sign_head(key, topic, partition, size, root, max(stamp, _after(before)))
            signed.append(head)
        if signed:
            await conn.executemany(
                f"INSERT INTO archive.signed_heads ({_HEAD_COLUMNS})"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [(h.log, h.partition, h.tree_size, h.root_hash, to_ms(h.signed_at), h.key_id,
                  h.signature) for h in signed])
    return signed


def _after(before: SignedHead | None) -> int:
    return 0 if before is None else to_ms(before.signed_at) + 1


def _getter(nodes: dict[merkle.Node, bytes]) -> merkle.NodeGetter:
    return lambda level, index: nodes[(level, index)]


async def inclusion(pool: asyncpg.Pool, topic: str, partition: int, index: int,
                    size: int) -> list[bytes]:
    ranges = merkle.inclusion_ranges(index, size)
    async with pool.acquire() as conn:
        nodes = await _nodes(conn, topic, partition, merkle.nodes_for(ranges))
    return merkle.proof(ranges, _getter(nodes))


async def consistency(pool: asyncpg.Pool, topic: str, partition: int, first: int,
                      second: int) -> list[bytes]:
    ranges = merkle.consistency_ranges(first, second)
    async with pool.acquire() as conn:
        nodes = await _nodes(conn, topic, partition, merkle.nodes_for(ranges))
    return merkle.proof(ranges, _getter(nodes))


async def leaf(pool: asyncpg.Pool, topic: str, partition: int, offset: int) -> bytes | None:
    """The leaf hash the tree holds for a record (None if the tree does not reach it yet)."""
    value = await pool.fetchval(
        "SELECT hash FROM archive.tree_nodes WHERE topic = $1 AND partition = $2"
        " AND level = 0 AND idx = $3", topic, partition, offset)
    return None if value is None else bytes(value)


async def archived(pool: asyncpg.Pool, topic: str, partition: int,
                   offset: int) -> Record | None:
    """The archived record at a position, as it reads now."""
    async with pool.acquire() as conn:
        found = await Archive(pool).records(conn, (topic, partition), offset, offset + 1)
    return found[0] if found else None
