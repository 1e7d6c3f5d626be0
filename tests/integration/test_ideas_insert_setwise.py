"""New ideas are stored by one set-wise statement; it stores what the statements per idea did.

The ideas of a whole Pabulib file (titles, bodies, categories and costs as people wrote them,
tags from the categories, some with a sector), stored once by the projection's statement and once
by the statements per idea it replaced, into two copies of the tables: the same rows, the same
ideas reported new, on a first delivery, on a redelivery mixed with new ideas, with the same idea
twice in one batch and with figures the voting service counted before an idea arrived.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from clients import pabulib
from schemas.campaigns import ModerationMode
from schemas.common import Sector
from schemas.envelope import Envelope
from schemas.ideas import IdeaSubmitted, IdeaText
from services.ideas.domain import CampaignWindow, initial_status
from services.ideas.projections import CampaignRules, IdeasStore, Texts
from services.infra import db
from services.infra.consumer import Message

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
TABLES = ("campaigns", "ideas", "revisions", "tallies")


def _submissions() -> list[Envelope]:
    """A Pabulib file's ideas, with tags from their categories and a sector on every third."""
    election = pabulib.parse((DATA / "poland_warszawa_2026.pb").read_bytes())
    out = []
    for n, env in enumerate(pabulib.campaign_events(election, "importer")[1:]):
        p = env.model()
        assert isinstance(p, IdeaSubmitted)
        tags = sorted({t.strip()[:40] for t in (p.category or "").split(",") if t.strip()})[:10]
        fields = {**p.model_dump(), "tags": tags,
                  "sector": [None, None, Sector.MUNICIPALITY][n % 3]}
        out.append(Envelope.wrap(IdeaSubmitted.model_validate(fields), actor=f"p-{n % 7}",
                                 occurred_at=env.occurred_at))
    return out


def _batch(envelopes: Sequence[Envelope], rules: CampaignRules
           ) -> tuple[list[tuple[Message, CampaignRules]], Texts]:
    messages = [Message("ideas.submissions", 0, n, None, e.to_bytes(), e, e.model())
                for n, e in enumerate(envelopes)]
    texts: Texts = {m.envelope.event_id: m.payload.plain_text()  # type: ignore[attr-defined]
                    for m in messages}
    return [(m, rules) for m in messages], texts


async def _per_idea(conn: asyncpg.Connection, schema: str,
                    accepted: Sequence[tuple[Message, CampaignRules]], texts: Texts
                    ) -> set[uuid.UUID]:
    """The statements per idea that `IdeasStore.insert_ideas` replaced, as they were."""
    idea_rows: list[tuple[Any, ...]] = []
    revision_rows: list[tuple[Any, ...]] = []
    for m, rules in accepted:
        p = m.payload
        assert isinstance(p, IdeaSubmitted)
        env = m.envelope
        text = texts[env.event_id]
        assert isinstance(text, IdeaText)
        idea_rows.append((
            p.idea_id, p.campaign_id, env.actor, p.sector.value if p.sector else None,
            text.title, text.body, list(text.tags), p.category, p.estimated_cost,
            initial_status(rules.moderation).value, env.actor, env.occurred_at,
            env.event_id, env.event_id, env.occurred_at, env.occurred_at))
        revision_rows.append((p.idea_id, 1, env.event_id, env.actor, text.title, text.body,
                              list(text.tags), env.occurred_at))
    existing = {r["idea_id"] for r in await conn.fetch(
        f"SELECT idea_id FROM {schema}.ideas WHERE idea_id = ANY($1::uuid[])",
        [row[0] for row in idea_rows])}
    await conn.executemany(
        f"INSERT INTO {schema}.ideas (idea_id, campaign_id, author, sector, title, body, tags,"
        " category, estimated_cost, status, status_by, status_at, status_cause,"
        " submitted_event, submitted_at, updated_at, supports, opposes)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
        f" coalesce((SELECT t.supports FROM {schema}.tallies t WHERE t.idea_id = $1), 0),"
        f" coalesce((SELECT t.opposes FROM {schema}.tallies t WHERE t.idea_id = $1), 0))"
        " ON CONFLICT (idea_id) DO NOTHING", idea_rows)
    await conn.executemany(
        f"INSERT INTO {schema}.revisions (idea_id, revision, event_id, author, title, body,"
        " tags, revised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT DO NOTHING", revision_rows)
    return {row[0] for row in idea_rows} - existing


async def _tables(conn: asyncpg.Connection, schema: str) -> dict[str, list[dict[str, Any]]]:
    return {t: [dict(r) for r in await conn.fetch(f"SELECT * FROM {schema}.{t} ORDER BY 1, 2")]
            for t in ("ideas", "revisions")}


async def test_the_set_wise_insert_stores_what_the_statements_per_idea_stored(
    pool: asyncpg.Pool, uid: str
) -> None:
    await db.migrate(pool, "ideas")  # the tables copied below
    submissions = _submissions()
    assert len(submissions) > 50
    campaign_id = submissions[0].model().campaign_id  # type: ignore[attr-defined]
    window = CampaignWindow(submissions[0].occurred_at, submissions[-1].occurred_at)
    # the same idea again with an event of its own: in one batch, the first one wins
    again = Envelope.wrap(submissions[3].model().model_copy(update={"title": "Another title"}),
                          actor="p-other", occurred_at=submissions[3].occurred_at)
    first, second = [*submissions[:40], again], [*submissions[20:], again]
    schemas = {"old": f"old_{uid}", "new": f"new_{uid}"}
    async with pool.acquire() as conn:
        for schema in schemas.values():
            await conn.execute(f"CREATE SCHEMA {schema}")
            for table in TABLES:
                await conn.execute(
                    f"CREATE TABLE {schema}.{table} (LIKE ideas.{table} INCLUDING ALL)")
            # figures counted before two of the ideas arrived
            await conn.executemany(
                f"INSERT INTO {schema}.tallies (idea_id, campaign_id, supports, opposes)"
                " VALUES ($1, $2, $3, $4)",
                [(submissions[i].model().idea_id, campaign_id, 7 * i, i)  # type: ignore[attr-defined]
                 for i in (5, 45)])
        try:
            for moderation, batch in ((ModerationMode.POST, first),
                                      (ModerationMode.PRE, second)):
                rules = CampaignRules(campaign_id, window, moderation, 3)
                accepted, texts = _batch(batch, rules)
                async with conn.transaction():
                    old_new = await _per_idea(conn, schemas["old"], accepted, texts)
                    new_new = await IdeasStore(conn, schemas["new"]).insert_ideas(accepted, texts)
                assert new_new == old_new
                assert await _tables(conn, schemas["new"]) == await _tables(conn, schemas["old"])
            stored = await _tables(conn, schemas["new"])
            assert len(stored["ideas"]) == len(submissions)
            assert "Another title" not in {r["title"] for r in stored["ideas"]}  # first wins
            assert any(r["tags"] for r in stored["ideas"]) and any(r["sector"]
                                                                   for r in stored["ideas"])
            assert sorted(r["supports"] for r in stored["ideas"] if r["supports"]) == [35, 315]
        finally:
            for schema in schemas.values():
                await conn.execute(f"DROP SCHEMA {schema} CASCADE")
