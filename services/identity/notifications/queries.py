"""All SQL the notifications read with: a person's follows and inbox, and what is due to mail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

_ITEM = ("n.notification_id, n.mail_id, n.kind, n.occurred_at, n.idea_id, n.campaign_id, n.link_id,"
         " n.state, n.reason, i.sealed, i.status AS idea_status, i.author AS idea_author,"
         " c.name AS campaign_name, r.read_at")
_JOINS = (" FROM identity.notifications n"
          " LEFT JOIN identity.ideas i ON i.idea_id = n.idea_id"
          " LEFT JOIN identity.campaigns c ON c.campaign_id = n.campaign_id"
          " LEFT JOIN identity.notification_reads r ON r.notification_id = n.notification_id")


async def follows(pool: asyncpg.Pool, participant_id: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT target, target_id, source, since FROM identity.follows"
        " WHERE participant_id = $1 AND following ORDER BY since DESC, target_id",
        participant_id)
    return [dict(r) for r in rows]


async def following(pool: asyncpg.Pool, participant_id: str, target: str,
                    target_id: uuid.UUID) -> bool:
    return bool(await pool.fetchval(
        "SELECT following FROM identity.follows WHERE participant_id = $1 AND target = $2"
        " AND target_id = $3", participant_id, target, target_id))


async def inbox(pool: asyncpg.Pool | asyncpg.Connection, participant_id: str, *, limit: int,
                offset: int) -> list[dict[str, Any]]:
    """The person's notifications, unread first, newest first."""
    rows = await pool.fetch(
        f"SELECT {_ITEM}{_JOINS} WHERE n.participant_id = $1"
        " ORDER BY (r.read_at IS NULL) DESC, n.occurred_at DESC, n.notification_id"
        " LIMIT $2 OFFSET $3", participant_id, limit, offset)
    return [dict(r) for r in rows]


async def unread(pool: asyncpg.Pool | asyncpg.Connection, participant_id: str) -> int:
    return int(await pool.fetchval(
        "SELECT count(*) FROM identity.notifications n WHERE n.participant_id = $1 AND NOT"
        " EXISTS (SELECT 1 FROM identity.notification_reads r"
        " WHERE r.notification_id = n.notification_id)", participant_id))


async def preference(pool: asyncpg.Pool, participant_id: str) -> str | None:
    value = await pool.fetchval(
        "SELECT email FROM identity.preferences WHERE participant_id = $1", participant_id)
    return str(value) if value is not None else None


async def language(pool: asyncpg.Pool, participant_id: str) -> str:
    """The language of the person's e-mail (Danish unless they chose English)."""
    value = await pool.fetchval(
        "SELECT language FROM identity.participants WHERE participant_id = $1", participant_id)
    return str(value) if value else "da"


async def recipient(pool: asyncpg.Pool, participant_id: str) -> dict[str, Any] | None:
    """Where and in what language to write to the person (None: no address or erased)."""
    row = await pool.fetchrow(
        "SELECT email, coalesce(language, 'da') AS language FROM identity.participants"
        " WHERE participant_id = $1 AND email IS NOT NULL", participant_id)
    return dict(row) if row is not None else None


async def due_at_once(pool: asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    """Notifications to mail one by one: the person chose `immediately` when it arrived and
    still does, has an address, and no e-mail of it was claimed yet."""
    rows = await pool.fetch(
        f"SELECT n.participant_id, p.email AS address, coalesce(p.language, 'da') AS language,"
        f" {_ITEM}{_JOINS}"
        " JOIN identity.participants p ON p.participant_id = n.participant_id"
        " JOIN identity.preferences f ON f.participant_id = n.participant_id"
        " WHERE n.mail = 'immediately' AND f.email = 'immediately' AND p.email IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM identity.mail_deliveries d"
        "   WHERE d.mail_id = n.mail_id)"
        " ORDER BY n.occurred_at, n.notification_id LIMIT $1", limit)
    return [dict(r) for r in rows]


async def digest_items(pool: asyncpg.Pool, frequency: str, start: datetime,
                       end: datetime) -> list[dict[str, Any]]:
    """Notifications of [start, end) for everyone whose choice is `frequency` (no choice:
    daily) and who has an address, oldest first, by person."""
    rows = await pool.fetch(
        f"SELECT n.participant_id, p.email AS address, coalesce(p.language, 'da') AS language,"
        f" {_ITEM}{_JOINS}"
        " JOIN identity.participants p ON p.participant_id = n.participant_id"
        " LEFT JOIN identity.preferences f ON f.participant_id = n.participant_id"
        " WHERE coalesce(f.email, 'daily') = $1 AND p.email IS NOT NULL"
        " AND n.occurred_at >= $2 AND n.occurred_at < $3"
        " ORDER BY n.participant_id, n.occurred_at, n.notification_id", frequency, start, end)
    return [dict(r) for r in rows]


async def deliveries(pool: asyncpg.Pool, participant_id: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT mail_id, kind, state, claimed_at, sent_at FROM identity.mail_deliveries"
        " WHERE participant_id = $1 ORDER BY claimed_at", participant_id)
    return [dict(r) for r in rows]


async def personal_data(pool: asyncpg.Pool, participant_id: str) -> dict[str, Any]:
    """What the notifications hold about the person, for `GET /me/data`."""
    return {"follows": [{**f, "target_id": str(f["target_id"]), "since": f["since"].isoformat()}
                        for f in await follows(pool, participant_id)],
            "email_choice": await preference(pool, participant_id),
            "notifications": await pool.fetchval(
                "SELECT count(*) FROM identity.notifications WHERE participant_id = $1",
                participant_id)}
