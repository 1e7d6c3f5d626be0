"""The quarterly report's document control cites the vote log's signed heads in force at its
cut-off: the latest head of each partition signed before it, none signed after."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.infra import merkle, transparency
from services.infra.stack import Stack
from services.reporting.handlers import generate
from services.reporting.report.quarter import Quarter

pytestmark = pytest.mark.integration

YEAR = 2011  # no other test's data reaches this year


async def test_the_report_cites_the_heads_in_force_at_its_cut_off(
        pool: asyncpg.Pool, stack: Stack, uid: str) -> None:
    assert "reporting" in stack.workers  # its migrations are applied
    key = Ed25519PrivateKey.generate()
    log = f"votes.report-test.{uid}"
    heads = [transparency.sign_head(key, log, 0, size, merkle.leaf_hash(str(size).encode()),
                                    transparency.to_ms(datetime(YEAR, month, 10, tzinfo=UTC)))
             for size, month in ((10, 4), (25, 5), (40, 8))]
    await pool.executemany(
        "INSERT INTO archive.signed_heads (topic, partition, tree_size, root_hash, signed_ms,"
        " key_id, signature) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [(h.log, h.partition, h.tree_size, h.root_hash, transparency.to_ms(h.signed_at),
          h.key_id, h.signature) for h in heads])

    q2 = await generate(pool, Quarter(YEAR, 2), formats=("md",))
    cited = [h for h in q2.report.cover.log_heads if h.log == log]
    assert [(h.tree_size, h.root_hash) for h in cited] == [(25, heads[1].root_hash)]
    assert heads[1].root_hash[:16] in q2.files[("en", "md")].decode()  # type: ignore[index]
    assert "Signed heads of the vote log" in q2.files[("en", "md")].decode()  # type: ignore[index]
    again = await generate(pool, Quarter(YEAR, 2), formats=("md",))
    assert again.report.content_hash == q2.report.content_hash  # as-of: the same heads later
    q3 = await generate(pool, Quarter(YEAR, 3), formats=("md",))
    assert [h.tree_size for h in q3.report.cover.log_heads if h.log == log] == [40]
