"""All SQL the identity service reads with (its writes are in `projections.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

_PROFILE_COLS = ("participant_id, display_name, email, organisation, sector, show_name,"
                 " created_at, updated_at")


async def profile(db: asyncpg.Pool | asyncpg.Connection,
                  participant_id: str) -> dict[str, Any] | None:
    row = await db.fetchrow(
        f"SELECT {_PROFILE_COLS} FROM identity.participants WHERE participant_id = $1",
        participant_id)
    return dict(row) if row is not None else None


async def names(pool: asyncpg.Pool, participant_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Display names and consent of these participants (those with a profile)."""
    rows = await pool.fetch(
        "SELECT participant_id, display_name, show_name FROM identity.participants"
        " WHERE participant_id = ANY($1::text[])", sorted(set(participant_ids)))
    return [dict(r) for r in rows]


async def erasure(db: asyncpg.Pool | asyncpg.Connection,
                  participant_id: str) -> dict[str, Any] | None:
    row = await db.fetchrow(
        "SELECT participant_id, requested_by, reason, event_id, erased_at FROM identity.erasures"
        " WHERE participant_id = $1", participant_id)
    return dict(row) if row is not None else None


async def erasures(pool: asyncpg.Pool, *, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT participant_id, requested_by, reason, event_id, erased_at FROM identity.erasures"
        " ORDER BY erased_at DESC, participant_id LIMIT $1 OFFSET $2", limit, offset)
    return [dict(r) for r in rows]
