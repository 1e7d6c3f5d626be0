"""The hash chain as docs/operations.md describes it, and what breaks it."""

from __future__ import annotations

import hashlib
import struct

import pytest

from services.infra.archive import GENESIS, ArchiveBroken, ChainChecker, Record, chain_hash


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
