"""The hash chain as docs/operations.md describes it, and what breaks it."""

from __future__ import annotations

import hashlib
import struct

import pytest

from services.infra.archive import (
    GENESIS,
    ArchiveBroken,
    ChainChecker,
    Record,
    chain_hash,
    chain_rows,
)


def by_the_docs(prev: str, topic: str, partition: int, offset: int, ts: int,
                key: bytes | None, value: bytes | None, headers: bytes | None) -> str:
    """The recipe written out independently: each field as an 8-byte big-endian length and its
    bytes; a missing field as eight 0xff bytes."""
    out = b""
    for f in (prev.encode(), topic.encode(), str(partition).encode(), str(offset).encode(),
              str(ts).encode(), key, value, headers):
        out += b"\xff" * 8 if f is None else struct.pack(">Q", len(f)) + f
    return hashlib.sha256(out).hexdigest()


def chain(n: int, topic: str = "votes", partition: int = 1) -> list[Record]:
    records, h = [], GENESIS
    for i in range(n):
        key, value = f"voter-{i}".encode(), f'{{"n":{i}}}'.encode()
        h = chain_hash(h, topic, partition, i, 1_700_000_000_000 + i, key, value, None)
        records.append(Record(topic, partition, i, 1_700_000_000_000 + i, key, value, None, h))
    return records


def test_the_hash_is_the_documented_recipe() -> None:
    args = ("a" * 64, "votes", 3, 17, 1_700_000_000_123, b"k", b'{"x":1}', None)
    assert chain_hash(*args) == by_the_docs(*args)
    assert len(chain_hash(*args)) == 64
    # a key of b"" and no key are different records
    assert chain_hash(GENESIS, "t", 0, 0, 0, b"", None, None) != chain_hash(
        GENESIS, "t", 0, 0, 0, None, None, None)


def test_an_appends_rows_are_chained_by_the_documented_recipe_record_by_record() -> None:
    """`chain_rows` (how `Archive.append` hashes a partition's records in one pass) gives each
    record the hash the recipe gives it after the one before, with keys, values and headers
    missing, empty or present, and the time changing within the batch or not."""
    recs = [(1_700_000_000_000 + i // 3, None if i % 5 == 0 else f"voter-{i}".encode(),
             None if i % 7 == 0 else b"" if i % 11 == 0 else b"v" * (i % 300),
             None if i % 2 else b'[["reason","eA=="]]') for i in range(1_000)]
    prev = by_the_docs(GENESIS, "votes", 4, 16, 1, b"k", b"v", None)
    rows, last = chain_rows(prev, "votes", 4, 17, recs)
    h = prev
    for i, ((ts, key, value, headers), row) in enumerate(zip(recs, rows, strict=True)):
        h = by_the_docs(h, "votes", 4, 17 + i, ts, key, value, headers)
        assert row == ("votes", 4, 17 + i, ts, key, value, headers, h)
    assert last == h
    assert chain_rows(prev, "votes", 4, 17, []) == ([], prev)


def test_an_untouched_chain_passes() -> None:
    records = chain(5)
    checker = ChainChecker("here", "votes", 1)
    for r in records:
        checker.feed(r)
    checker.finish(5, records[-1].hash)


@pytest.mark.parametrize(("damage", "offset", "says"), [
    ("edited", 2, "altered"),
    ("reordered", 2, "expected offset 2, found 3"),
    ("gap", 2, "expected offset 2, found 3"),
    ("truncated", 4, "missing at the end"),
])
def test_the_first_broken_record_is_named(damage: str, offset: int, says: str) -> None:
    records = chain(5)
    if damage == "edited":
        r = records[2]
        records[2] = Record(r.topic, r.partition, r.offset, r.timestamp_ms, r.key, b'{"n":99}',
                            r.headers, r.hash)
    elif damage == "reordered":
        records[2], records[3] = records[3], records[2]
    elif damage == "gap":
        del records[2]
    else:
        del records[4]
    checker = ChainChecker("log/votes-1.jsonl", "votes", 1)
    with pytest.raises(ArchiveBroken) as err:
        for r in records:
            checker.feed(r)
        checker.finish(5, chain(5)[-1].hash)
    assert (err.value.where, err.value.partition, err.value.offset) == (
        "log/votes-1.jsonl", 1, offset)
    assert says in str(err.value)
