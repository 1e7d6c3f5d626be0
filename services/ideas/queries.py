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
