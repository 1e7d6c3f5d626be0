"""All SQL the ideas API and timers read with (the projection writes in `projections.py`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

_CAMPAIGN_COLS = (
    "campaign_id, title, question, description, opens_at, closes_at, audience, moderation,"
    " vote_rules, flag_threshold, created_by, created_at, opened_at, closed_at"
)
_IDEA_COLS = (
    "idea_id, campaign_id, author, sector, title, body, tags, category, estimated_cost, revision,"
    " status, status_reason, status_by, status_at, merged_into, submitted_at, updated_at"
)


def _dict(r: asyncpg.Record | None) -> dict[str, Any] | None:
    return dict(r) if r is not None else None


async def campaign(pool: asyncpg.Pool, campaign_id: uuid.UUID) -> dict[str, Any] | None:
    return _dict(await pool.fetchrow(
        f"SELECT {_CAMPAIGN_COLS} FROM ideas.campaigns WHERE campaign_id = $1", campaign_id))


async def campaigns(pool: asyncpg.Pool, *, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_CAMPAIGN_COLS}, (SELECT count(*) FROM ideas.ideas i"
        "  WHERE i.campaign_id = c.campaign_id AND i.status = 'published') AS published_ideas"
        " FROM ideas.campaigns c ORDER BY opens_at DESC, campaign_id LIMIT $1 OFFSET $2",
        limit, offset)
    return [dict(r) for r in rows]


async def published_ideas(pool: asyncpg.Pool, campaign_id: uuid.UUID, *, limit: int,
                          offset: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_IDEA_COLS} FROM ideas.ideas WHERE campaign_id = $1 AND status = 'published'"
        " ORDER BY submitted_at, idea_id LIMIT $2 OFFSET $3", campaign_id, limit, offset)
    return [dict(r) for r in rows]


async def idea(pool: asyncpg.Pool, idea_id: uuid.UUID) -> dict[str, Any] | None:
    return _dict(await pool.fetchrow(
        f"SELECT {_IDEA_COLS} FROM ideas.ideas WHERE idea_id = $1", idea_id))


# timers -----------------------------------------------------------------------------------

async def due_transitions(pool: asyncpg.Pool, now: datetime
                          ) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]:
    """Campaigns whose opening / closing time has passed but whose event has not been seen."""
    opening = await pool.fetch(
        "SELECT campaign_id, opens_at FROM ideas.campaigns"
        " WHERE opened_at IS NULL AND opens_at <= $1 ORDER BY opens_at LIMIT 500", now)
    closing = await pool.fetch(
        "SELECT campaign_id, closes_at FROM ideas.campaigns"
        " WHERE closed_at IS NULL AND closes_at <= $1 ORDER BY closes_at LIMIT 500", now)
    return list(opening), list(closing)


async def take_expired_parked(conn: asyncpg.Connection, now: datetime, schema: str = "ideas"
                              ) -> list[asyncpg.Record]:
    return list(await conn.fetch(
        f"DELETE FROM {schema}.parked_submissions WHERE deadline <= $1"
        ' RETURNING campaign_id, topic, partition, "offset", key, raw, deadline', now))


# ideas and their history -----------------------------------------------------------------

async def ideas_by_author(pool: asyncpg.Pool, author: str, *, limit: int,
                          offset: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_IDEA_COLS} FROM ideas.ideas WHERE author = $1"
        " ORDER BY submitted_at DESC, idea_id LIMIT $2 OFFSET $3", author, limit, offset)
    return [dict(r) for r in rows]


async def revisions(pool: asyncpg.Pool, idea_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT revision, author, title, body, tags, revised_at FROM ideas.revisions"
        " WHERE idea_id = $1 ORDER BY revision", idea_id)
    return [dict(r) for r in rows]


async def has_flagged(pool: asyncpg.Pool, idea_id: uuid.UUID, flagger: str) -> bool:
    return bool(await pool.fetchval(
        "SELECT 1 FROM ideas.flags WHERE idea_id = $1 AND flagger = $2", idea_id, flagger))


# moderation ------------------------------------------------------------------------------

SIMILARITY_FLOOR = 0.15  # below this two titles share little more than common words

_QUEUE = f"""
SELECT i.idea_id, i.campaign_id, c.title AS campaign_title, i.title, i.body, i.author, i.status,
       i.status_reason, i.status_at AS waiting_since,
       (SELECT count(*) FROM ideas.flags f WHERE f.idea_id = i.idea_id) AS flag_count,
       (SELECT coalesce(jsonb_object_agg(reason, n), '{{}}'::jsonb)
          FROM (SELECT reason, count(*) AS n FROM ideas.flags f
                 WHERE f.idea_id = i.idea_id GROUP BY reason) x) AS flag_reasons,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'idea_id', s.idea_id, 'title', s.title, 'similarity', s.sim)
                   ORDER BY s.sim DESC, s.idea_id), '[]'::jsonb)
          FROM (SELECT p.idea_id, p.title, round(similarity(p.title, i.title)::numeric, 3) AS sim
                  FROM ideas.ideas p
                 WHERE p.campaign_id = i.campaign_id AND p.status = 'published'
                   AND p.idea_id <> i.idea_id AND similarity(p.title, i.title) >= {SIMILARITY_FLOOR}
                 ORDER BY sim DESC, p.idea_id LIMIT 3) s) AS similar
  FROM ideas.ideas i JOIN ideas.campaigns c USING (campaign_id)
 WHERE (i.status = 'pending' OR (i.status = 'hidden' AND i.status_by = 'flags'))
   AND ($1::uuid IS NULL OR i.campaign_id = $1)
 ORDER BY min(i.status_at) OVER (PARTITION BY i.campaign_id), i.campaign_id, i.status_at, i.idea_id
 LIMIT $2
"""


async def moderation_queue(pool: asyncpg.Pool, campaign_id: uuid.UUID | None, *,
                           limit: int) -> list[dict[str, Any]]:
    """Ideas waiting for a moderator; campaigns with the longest wait first, then oldest first."""
    return [dict(r) for r in await pool.fetch(_QUEUE, campaign_id, limit)]


async def moderation_log(pool: asyncpg.Pool, *, campaign_id: uuid.UUID | None,
                         idea_id: uuid.UUID | None, limit: int,
                         offset: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT d.event_id, d.idea_id, i.title AS idea_title, d.campaign_id, d.moderator,"
        " d.decision, d.reason, d.merge_into, d.decided_at"
        " FROM ideas.decisions d LEFT JOIN ideas.ideas i USING (idea_id)"
        " WHERE ($1::uuid IS NULL OR d.campaign_id = $1) AND ($2::uuid IS NULL OR d.idea_id = $2)"
        " ORDER BY d.decided_at DESC, d.event_id LIMIT $3 OFFSET $4",
        campaign_id, idea_id, limit, offset)
    return [dict(r) for r in rows]
