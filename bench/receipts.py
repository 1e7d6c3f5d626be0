"""Vote receipts and signed log heads at Warsaw 2026 scale (287,475 votes) on the embedded pair.

    .venv/bin/python -m bench.receipts [--file examples/data/poland_warszawa_2026.pb]

1. Signing: Ed25519 receipts made in one process (what the gateway adds to each vote's 202),
   and checked (what `POST /receipts/verify` and `ideastorm verify-receipt` do).
2. Tree updates: the votes are published through the archive (as the importer does), then the
   vote log's Merkle trees are brought up to the archive (`log_tree.extend`, what the voting
   worker does every minute) and their heads signed; beside it the pure hashing alone.
3. Proofs at that scale: the inclusion proof of a receipt (hashes and bytes) and the size of the
   file `ideastorm verify-receipt` reads; a consistency proof between two heads.

No workers run: these are the receipts' own costs. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clients import pabulib
from schemas import topics
from services.infra import archive, db, log_tree, merkle, transparency
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.logging import configure_logging
from services.infra.settings import Settings
from services.infra.stack import Infrastructure

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"


def signing(n: int = 20_000) -> tuple[float, float]:
    key = Ed25519PrivateKey.generate()
    leaf = merkle.leaf_hash(b"x" * 300)
    t = time.perf_counter()
    made = [transparency.sign_receipt(key, uuid.uuid4(), "votes", i % 4, i, 1_796_000_000_000 + i,
                                      leaf) for i in range(n)]
    sign = n / (time.perf_counter() - t)
    public = key.public_key()
    t = time.perf_counter()
    assert all(transparency.signed_by(r, public) for r in made)
    return sign, n / (time.perf_counter() - t)


async def run(settings: Settings, election: pabulib.Election) -> None:
    assert settings.kafka_bootstrap_servers and settings.database_url
    print(f"receipts benchmark ({election.vote_count:,} votes; {machine()})")
    sign, check = signing()
    print(f"  receipts signed (Ed25519, one process)        {sign:>10,.0f} /s")
    print(f"  receipts checked (signature only)             {check:>10,.0f} /s")

    pool = await db.create_pool(settings.database_url, min_size=1, max_size=4)
    await archive.setup(pool)
    await ensure_topics(settings.kafka_bootstrap_servers)
    votes = list(pabulib.vote_events(election))
    async with EventProducer(settings.kafka_bootstrap_servers, archive=pool,
                             linger_ms=20) as producer:
        t = time.perf_counter()
        await producer.publish_many(list(pabulib.campaign_events(election, "bench")))
        await producer.publish_many(votes)
        publish = time.perf_counter() - t
    print(f"  publishing through the archive (for scale)    {len(votes) / publish:>10,.0f} votes/s")

    entries = [r for r in await pool.fetch(
        'SELECT topic, partition, "offset", timestamp_ms, key, value, headers FROM archive.events'
        " WHERE topic = $1 AND partition = 0 ORDER BY \"offset\"", topics.VOTES.name)]
    t = time.perf_counter()
    leaves = [merkle.leaf_hash(transparency.log_entry(*r.values())) for r in entries]
    merkle.build(leaves)
    pure = len(entries) / (time.perf_counter() - t)
    print(f"  tree update, hashing alone (partition 0)      {pure:>10,.0f} votes/s")

    t = time.perf_counter()
    grown = await log_tree.extend(pool, topics.VOTES.name)
    extend = time.perf_counter() - t
    total = sum(grown.values())
    print(f"  tree update from the archive (read, hash,     {total / extend:>10,.0f} votes/s"
          f"  ({total:,} in {extend:.1f} s)")
    print("    store nodes: log_tree.extend)")
    key = Ed25519PrivateKey.generate()
    t = time.perf_counter()
    heads = await log_tree.sign_heads(pool, key, topics.VOTES.name)
    print(f"  heads signed ({len(heads)} partitions)                  "
          f"{(time.perf_counter() - t) * 1000:>7,.0f} ms")
    nodes = int(await pool.fetchval("SELECT count(*) FROM archive.tree_nodes"))
    size = int(await pool.fetchval("SELECT pg_total_relation_size('archive.tree_nodes')"))
    print(f"  tree storage: {nodes:,} nodes, {size / 2**20:,.1f} MiB "
          f"({size / total:,.0f} bytes per vote)")

    head = max(heads, key=lambda h: h.tree_size)
    position = head.tree_size // 3
    t = time.perf_counter()
    path = await log_tree.inclusion(pool, head.log, head.partition, position, head.tree_size)
    took = (time.perf_counter() - t) * 1000
    record = await log_tree.archived(pool, head.log, head.partition, position)
    assert record is not None
    leaf = merkle.leaf_hash(log_tree.entry_of(record))
    receipt = transparency.sign_receipt(key, uuid.uuid4(), head.log, head.partition, position,
                                        record.timestamp_ms, leaf)
    bundle = transparency.bundle_json(receipt, head, path)
    assert not transparency.verify_bundle(transparency.Bundle.model_validate(bundle),
                                          key.public_key())
    print(f"  inclusion proof in a tree of {head.tree_size:,}: {len(path)} hashes, "
          f"{32 * len(path)} bytes ({took:.1f} ms to read)")
    print(f"  receipt JSON {len(receipt.model_dump_json()):,} bytes; verify-receipt file "
          f"{len(json.dumps(bundle)):,} bytes")
    print(f"  one tree of all {total:,} votes would need "
          f"{len(merkle.inclusion_ranges(total // 3, total))} hashes "
          f"({32 * len(merkle.inclusion_ranges(total // 3, total))} bytes)")
    first = head.tree_size // 2
    c = merkle.consistency_ranges(first, head.tree_size)
    print(f"  consistency proof {first:,} -> {head.tree_size:,}: {len(c)} hashes")
    await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path,
                        default=ROOT / "examples" / "data" / "poland_warszawa_2026.pb")
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    election = pabulib.parse(args.file.read_bytes())
    home = Path(tempfile.mkdtemp(prefix="bench-receipts-"))
    home.chmod(0o755)
    infra = Infrastructure(Settings(ideastorm_home=home), fresh_db=True)
    settings = infra.start()
    try:
        asyncio.run(run(settings, election))
    finally:
        infra.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
