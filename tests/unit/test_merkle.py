"""The log's Merkle tree against the published RFC 6962 / 9162 test vectors (the reference
inputs of Certificate Transparency): roots for sizes 0..8, audit paths and consistency proofs.
If one of these changes, every receipt and head issued before stops verifying."""

from __future__ import annotations

import random

import pytest

from services.infra import merkle

pytestmark = pytest.mark.unit

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path)
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
# (first size, second size, proof)
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (3, 8, ["0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
]

HASHES = [merkle.leaf_hash(e) for e in LEAVES]
NODES = merkle.build(HASHES)


def get(level: int, index: int) -> bytes:
    return NODES[(level, index)]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_published_vectors(size: int) -> None:
    assert merkle.root(size, get).hex() == ROOTS[size]
    assert merkle.root_nodes(size) == [n for n in merkle.root_nodes(size) if n in NODES]


def test_a_leaf_is_hashed_with_its_prefix() -> None:
    assert HASHES[1].hex() == "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_audit_paths_match_and_verify(index: int, size: int, path: list[str]) -> None:
    made = merkle.proof(merkle.inclusion_ranges(index, size), get)
    assert [p.hex() for p in made] == path
    root = bytes.fromhex(ROOTS[size])
    assert merkle.verify_inclusion(HASHES[index], index, size, made, root)
    # a wrong index, size, leaf, root or path is refused
    assert not merkle.verify_inclusion(HASHES[index], index ^ 1, size, made, root)
    assert not merkle.verify_inclusion(HASHES[index], index, size * 2, made, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"x"), index, size, made, root)
    assert not merkle.verify_inclusion(HASHES[index], index, size, made, merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(HASHES[index], index, size, made[:-1], root)
    assert not merkle.verify_inclusion(HASHES[index], index, size, [*made, root], root)
    for i in range(len(made)):
        altered = [*made[:i], merkle.EMPTY_ROOT, *made[i + 1:]]
        assert not merkle.verify_inclusion(HASHES[index], index, size, altered, root)


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proofs_match_and_verify(first: int, second: int, path: list[str]) -> None:
    made = merkle.proof(merkle.consistency_ranges(first, second), get)
    assert [p.hex() for p in made] == path
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert merkle.verify_consistency(first, second, r1, r2, made)
    assert not merkle.verify_consistency(first, second, r2, r1, made)
    assert not merkle.verify_consistency(first - 1, second, r1, r2, made)
    assert not merkle.verify_consistency(first, second, r1, r2, made[:-1])
    assert not merkle.verify_consistency(first, second, r1, r2, [])


def test_a_forked_log_has_no_consistency_proof() -> None:
    # the same first three entries, then a different history: the later root does not extend
    forked = merkle.build([*HASHES[:3], merkle.leaf_hash(b"other"), *HASHES[4:]])
    proof = merkle.proof(merkle.consistency_ranges(3, 8), lambda lv, i: forked[(lv, i)])
    fork_root = merkle.root(8, lambda lv, i: forked[(lv, i)])
    assert not merkle.verify_consistency(3, 8, bytes.fromhex(ROOTS[3]), bytes.fromhex(ROOTS[8]),
                                         proof)
    assert not merkle.verify_consistency(4, 8, merkle.root(4, get), fork_root,
                                         merkle.proof(merkle.consistency_ranges(4, 8), get))


def test_appending_in_pieces_gives_the_nodes_of_the_whole() -> None:
    rnd = random.Random(7)
    hashes = [merkle.leaf_hash(rnd.randbytes(8)) for _ in range(300)]
    whole = merkle.build(hashes)
    stored: dict[merkle.Node, bytes] = {}
    size = 0
    while size < len(hashes):
        step = rnd.randint(1, 40)
        frontier = {n: stored[n] for n in merkle.root_nodes(size)}
        stored |= merkle.append(size, frontier, hashes[size:size + step])
        size = min(size + step, len(hashes))
    assert stored == whole
    for size in (1, 2, 3, 17, 64, 299, 300):
        def g(lv: int, i: int) -> bytes:
            return whole[(lv, i)]
        for index in {0, size // 2, size - 1}:
            path = merkle.proof(merkle.inclusion_ranges(index, size), g)
            assert merkle.verify_inclusion(hashes[index], index, size, path, merkle.root(size, g))
        for first in {1, size // 3 or 1, size}:
            path = merkle.proof(merkle.consistency_ranges(first, size), g)
            assert merkle.verify_consistency(first, size, merkle.root(first, g),
                                             merkle.root(size, g), path)
