"""All SQL the comment routes read with (the projection writes in `projections.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import asyncpg

_COLS = ("c.comment_id, c.idea_id, c.campaign_id, c.parent_id, c.author, c.body, c.posted_at,"
         " c.status, c.status_reason, c.status_by, c.status_at")
# flags since the comment's last decision (what counts towards the hide by flags)
_FLAGS = ("(SELECT count(*) FROM ideas.comment_flags f WHERE f.comment_id = c.comment_id"
          " AND f.flagged_at >= coalesce((SELECT max(d.decided_at) FROM ideas.comment_decisions d"
          " WHERE d.comment_id = c.comment_id), '-infinity')) AS flags")


async def comment(pool: asyncpg.Pool, comment_id: uuid.UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        f"SELECT {_COLS}, p.parent_id AS parent_parent_id FROM ideas.comments c"
        " LEFT JOIN ideas.comments p ON p.comment_id = c.parent_id WHERE c.comment_id = $1",
        comment_id)
    return dict(row) if row is not None else None


async def of_idea(pool: asyncpg.Pool, idea_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every comment on the idea, oldest first (the caller keeps what the viewer may see)."""
    return [dict(r) for r in await pool.fetch(
        f"SELECT {_COLS}, {_FLAGS} FROM ideas.comments c WHERE c.idea_id = $1"
        " ORDER BY c.posted_at, c.comment_id", idea_id)]


async def has_flagged(pool: asyncpg.Pool, comment_id: uuid.UUID, participant: str) -> bool:
    return bool(await pool.fetchval(
        "SELECT 1 FROM ideas.comment_flags WHERE comment_id = $1 AND flagger = $2",
        comment_id, participant))


# A comment counts where it is shown: published, on a published idea, and (a reply) under a
# published comment.
_COUNTED = (
    "FROM ideas.comments c JOIN ideas.ideas i USING (idea_id)"
    " LEFT JOIN ideas.comments p ON p.comment_id = c.parent_id"
    " WHERE c.status = 'published' AND i.status = 'published'"
    " AND (c.parent_id IS NULL OR p.status = 'published')"
)


async def counts(pool: asyncpg.Pool, idea_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The published comments of each idea (ideas without any are left out)."""
    rows = await pool.fetch(f"SELECT c.idea_id, count(*) AS n {_COUNTED}"
                            " AND c.idea_id = ANY($1::uuid[]) GROUP BY c.idea_id",
                            list(set(idea_ids)))
    return {r["idea_id"]: r["n"] for r in rows}


async def campaign_count(pool: asyncpg.Pool, campaign_id: uuid.UUID) -> int:
    """The published comments on the campaign's published ideas."""
    return int(await pool.fetchval(f"SELECT count(*) {_COUNTED} AND c.campaign_id = $1",
                                   campaign_id))


async def queue(pool: asyncpg.Pool, statuses: list[str], campaign_id: uuid.UUID | None, *,
                limit: int) -> list[dict[str, Any]]:
    """Comments waiting for a moderator, oldest first, with their idea and campaign titles."""
    return [dict(r) for r in await pool.fetch(
        f"SELECT {_COLS}, {_FLAGS}, i.title AS idea_title, k.title AS campaign_title"
        " FROM ideas.comments c JOIN ideas.ideas i USING (idea_id)"
        " JOIN ideas.campaigns k ON k.campaign_id = c.campaign_id"
        " WHERE c.status = ANY($1::text[]) AND ($2::uuid IS NULL OR c.campaign_id = $2)"
        " ORDER BY c.status_at, c.comment_id LIMIT $3", statuses, campaign_id, limit)]


async def log(pool: asyncpg.Pool, *, idea_id: uuid.UUID | None, comment_id: uuid.UUID | None,
              limit: int, offset: int) -> list[dict[str, Any]]:
    """Every decision on comments and every hide by flags, newest first."""
    return [dict(r) for r in await pool.fetch(
        "SELECT * FROM ("
        " SELECT 'decision' AS kind, event_id, comment_id, idea_id, campaign_id, moderator,"
        "  decision, reason, NULL::text[] AS flaggers, decided_at FROM ideas.comment_decisions"
        " UNION ALL SELECT 'auto_hide', event_id, comment_id, idea_id, campaign_id, actor, NULL,"
        "  '', flaggers, hidden_at FROM ideas.comment_auto_hides) AS entries"
        " WHERE ($1::uuid IS NULL OR idea_id = $1) AND ($2::uuid IS NULL OR comment_id = $2)"
        " ORDER BY decided_at DESC, event_id LIMIT $3 OFFSET $4",
        idea_id, comment_id, limit, offset)]


async def personal_data(pool: asyncpg.Pool, participant: str) -> dict[str, Any]:
    """What the comments hold about a participant: what they wrote and what they flagged."""
    written = await pool.fetch(
        f"SELECT {_COLS} FROM ideas.comments c WHERE c.author = $1 ORDER BY c.posted_at",
        participant)
    flagged = await pool.fetch(
        "SELECT comment_id, reason, note, flagged_at FROM ideas.comment_flags"
        " WHERE flagger = $1 ORDER BY flagged_at", participant)
    return {"comments": [dict(r) for r in written],
            "comment_flags": [dict(r) for r in flagged]}
