"""The log's Merkle trees kept beside the archive: brought up to it in pieces, signed, proofs
that verify against the signed heads; a tree rewritten underneath is never signed over."""

from __future__ import annotations

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.topics import Topic
from services.infra import log_tree, merkle, transparency
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.log_tree import TreeBroken
from services.infra.settings import Settings

pytestmark = pytest.mark.integration


async def _publish(producer: EventProducer, topic: str, start: int, stop: int) -> None:
    await producer.send_raw_many([(topic, f"voter-{n % 3}".encode(), f'{{"n":{n}}}'.encode(),
                                   None) for n in range(start, stop)])


async def test_trees_grow_with_the_archive_and_prove_against_signed_heads(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert infra.kafka_bootstrap_servers
    topic = f"log.tree.{uid}"
    await ensure_topics(infra.kafka_bootstrap_servers, [Topic(topic, 2, key="voter")])
    key = Ed25519PrivateKey.generate()
    monkeypatch.setattr(log_tree, "CHUNK", 64)  # several transactions per extension
    await _publish(producer, topic, 0, 300)
    assert await log_tree.sign_heads(pool, key, topic) == []  # no tree yet: nothing to sign
    grown = await log_tree.extend(pool, topic)
    assert sum(grown.values()) == 300
    heads = {h.partition: h for h in await log_tree.sign_heads(pool, key, topic)}
    assert await log_tree.sign_heads(pool, key, topic) == []  # nothing grew: nothing to sign
    await _publish(producer, topic, 300, 777)
    await log_tree.extend(pool, topic)
    later = {h.partition: h for h in await log_tree.sign_heads(pool, key, topic)}
    assert later.keys() == heads.keys()
    for partition, head in later.items():
        before = heads[partition]
        # the stored tree gives the root a tree built from the archive in one piece gives
        records = [r for r in await pool.fetch(
            'SELECT topic, partition, "offset", timestamp_ms, key, value, headers'
            ' FROM archive.events WHERE topic = $1 AND partition = $2 ORDER BY "offset"',
            topic, partition)]
        leaves = [merkle.leaf_hash(transparency.log_entry(*r.values())) for r in records]
        nodes = merkle.build(leaves)
        assert merkle.root(head.tree_size, lambda lv, i, n=nodes: n[(lv, i)]).hex() \
            == head.root_hash
        steps = await log_tree.consistency(pool, topic, partition, before.tree_size,
                                           head.tree_size)
        assert merkle.verify_consistency(before.tree_size, head.tree_size,
                                         bytes.fromhex(before.root_hash),
                                         bytes.fromhex(head.root_hash), steps)
        for index in (0, before.tree_size - 1, head.tree_size - 1):
            path = await log_tree.inclusion(pool, topic, partition, index, head.tree_size)
            assert merkle.verify_inclusion(leaves[index], index, head.tree_size, path,
                                           bytes.fromhex(head.root_hash))
        assert transparency.signed_by(head, key.public_key())


async def test_a_rewritten_tree_is_refused_not_signed(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str,
) -> None:
    assert infra.kafka_bootstrap_servers
    topic = f"log.fork.{uid}"
    await ensure_topics(infra.kafka_bootstrap_servers, [Topic(topic, 1, key="voter")])
    key = Ed25519PrivateKey.generate()
    await _publish(producer, topic, 0, 64)
    await log_tree.extend(pool, topic)
    [head] = await log_tree.sign_heads(pool, key, topic)
    # someone who can switch the guard off rewrites a leaf (a fork of the history)
    await pool.execute("ALTER TABLE archive.tree_nodes DISABLE TRIGGER append_only")
    try:
        await pool.execute("UPDATE archive.tree_nodes SET hash = $2 WHERE topic = $1"
                           " AND level = 6 AND idx = 0", topic, merkle.leaf_hash(b"fork"))
    finally:
        await pool.execute("ALTER TABLE archive.tree_nodes ENABLE TRIGGER append_only")
    await _publish(producer, topic, 64, 70)
    await log_tree.extend(pool, topic)
    with pytest.raises(TreeBroken, match="no longer gives the root signed at size 64"):
        await log_tree.sign_heads(pool, key, topic)
    assert [h.tree_size for h in await log_tree.heads(pool, topic, 0, limit=10, offset=0)] \
        == [head.tree_size]
