""""[slettet]" only where an erasure happened: every read model that holds the marker holds it for
a text whose key an erasure destroyed (or, in ideas, whose author was erased). Run over whatever
the session has written by the time it runs, demo elections and erasure tests included."""

from __future__ import annotations

import asyncpg
import pytest

from services.infra.vault import ERASED

pytestmark = pytest.mark.e2e

# (where, query) of rows that show the marker without an erasure behind them
FALSE_ERASURES = (
    ("voting.ideas", "SELECT idea_id::text FROM voting.ideas WHERE title = $1"
     " AND title_key IS NOT NULL"
     " AND NOT EXISTS (SELECT 1 FROM vault.shredded_keys k WHERE k.key_id = title_key)"),
    ("reporting.events", "SELECT event_id::text FROM reporting.events"
     " WHERE strpos(payload::text, $1) > 0 AND text_key IS NOT NULL"
     " AND NOT EXISTS (SELECT 1 FROM vault.shredded_keys k WHERE k.key_id = text_key)"),
    ("ideas.ideas", "SELECT idea_id::text FROM ideas.ideas WHERE title = $1"
     " AND NOT EXISTS (SELECT 1 FROM vault.shredded s WHERE s.participant_id = author)"),
)


async def false_erasures(pool: asyncpg.Pool) -> dict[str, list[str]]:
    """Per read model, the rows that read "[slettet]" although nobody's erasure explains it."""
    found = {}
    for where, sql in FALSE_ERASURES:
        try:
            rows = await pool.fetch(sql, ERASED)
        except asyncpg.UndefinedTableError:  # that service has not started in this session
            continue
        if rows:
            found[where] = [r[0] for r in rows]
    return found


async def test_no_read_model_shows_erased_text_without_an_erasure(pool: asyncpg.Pool) -> None:
    assert await false_erasures(pool) == {}
