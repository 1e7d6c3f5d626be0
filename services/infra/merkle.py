"""The Merkle tree of a log, as RFC 9162 (Certificate Transparency 2.0) section 2.1 defines it.

Pure functions, standard library only, so that a verifier outside the system can run them.
A tree over n entries is stored as its *perfect* subtrees: node (level, index) is the hash of the
2**level leaves from index * 2**level; it exists once those leaves all do and never changes
after. Every hash the RFC's recursion asks for is one stored node or is built from a few of them
(`range_hash`), so a root, an inclusion proof or a consistency proof reads O(log n) nodes
(`*_nodes` say which) instead of the whole log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

Node = tuple[int, int]  # (level, index)
NodeGetter = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """k: the largest power of two smaller than `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _perfect(a: int, b: int) -> Node | None:
    size = b - a
    if size & (size - 1) == 0 and a % size == 0:
        level = size.bit_length() - 1
        return level, a >> level
    return None


def range_nodes(a: int, b: int) -> list[Node]:
    """The stored nodes MTH(D[a:b]) is built from (for the ranges the RFC's recursion makes)."""
    found: list[Node] = []
    while a < b:
        perfect = _perfect(a, b)
        if perfect is not None:
            found.append(perfect)
            break
        k = _split(b - a)
        found.append(_perfect(a, a + k) or _bad_range(a, b))
        a += k
    return found


def _bad_range(a: int, b: int) -> Node:
    raise ValueError(f"D[{a}:{b}] is not a subtree of an RFC 9162 tree")


def range_hash(a: int, b: int, get: NodeGetter) -> bytes:
    """MTH(D[a:b]) from stored perfect nodes."""
    if a >= b:
        raise ValueError(f"an empty range D[{a}:{b}] has no subtree hash")
    perfect = _perfect(a, b)
    if perfect is not None:
        return get(*perfect)
    k = _split(b - a)
    return node_hash(range_hash(a, a + k, get), range_hash(a + k, b, get))


def root(size: int, get: NodeGetter) -> bytes:
    return EMPTY_ROOT if size == 0 else range_hash(0, size, get)


def root_nodes(size: int) -> list[Node]:
    return range_nodes(0, size)


def _inclusion_ranges(m: int, a: int, b: int) -> list[tuple[int, int]]:
    """PATH(m, D[a:b]) as the ranges whose hashes it lists (RFC 9162 2.1.3.1)."""
    if b - a == 1:
        return []
    k = _split(b - a)
    if m - a < k:
        return [*_inclusion_ranges(m, a, a + k), (a + k, b)]
    return [*_inclusion_ranges(m, a + k, b), (a, a + k)]


def _consistency_ranges(m: int, a: int, b: int, whole: bool) -> list[tuple[int, int]]:
    """SUBPROOF(m, D[a:b], whole) as ranges (RFC 9162 2.1.4.1)."""
    if m == b - a:
        return [] if whole else [(a, b)]
    k = _split(b - a)
    if m <= k:
        return [*_consistency_ranges(m, a, a + k, whole), (a + k, b)]
    return [*_consistency_ranges(m - k, a + k, b, False), (a, a + k)]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    return _inclusion_ranges(index, 0, size)


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    return _consistency_ranges(first, 0, second, True)


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    return {n for a, b in ranges for n in range_nodes(a, b)}


def proof(ranges: Sequence[tuple[int, int]], get: NodeGetter) -> list[bytes]:
    return [range_hash(a, b, get) for a, b in ranges]


def append(size: int, frontier: Mapping[Node, bytes], leaves: Sequence[bytes]
           ) -> dict[Node, bytes]:
    """The nodes completed by appending `leaves` (leaf hashes) to a tree of `size`: level 0 is the
    leaves themselves. `frontier` holds the nodes of `root_nodes(size)` (the only old nodes a new
    one can be built on)."""
    new: dict[Node, bytes] = {(0, size + i): h for i, h in enumerate(leaves)}
    end = size + len(leaves)

    def get(level: int, index: int) -> bytes:
        found = new.get((level, index))
        return found if found is not None else frontier[(level, index)]

    level = 1
    while (1 << level) <= end:
        first = size >> level  # the first node of this level that may be new
        for index in range(first, end >> level):
            if ((index + 1) << level) > size:
                new[(level, index)] = node_hash(get(level - 1, 2 * index),
                                                get(level - 1, 2 * index + 1))
        level += 1
    return new


def build(leaves: Sequence[bytes]) -> dict[Node, bytes]:
    """Every node of a tree over `leaves` (leaf hashes)."""
    return append(0, {}, leaves)


# -- verification (RFC 9162 2.1.3.2 and 2.1.4.2, literally): False on any malformed input


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes],
                     root_hash: bytes) -> bool:
    if not 0 <= index < size or any(len(p) != 32 for p in path):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:  # until LSB(fn) is set or fn is 0
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> bool:
    if not 0 <= first <= second or any(len(p) != 32 for p in path):
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path
    if not path:
        return False
    steps = list(path)
    if first & (first - 1) == 0:  # a power of two: the first root is the first node
        steps.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = steps[0]
    for c in steps[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:  # until LSB(fn) is set or fn is 0
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
