"""The gateway's own SQL: which event a repeated `Idempotency-Key` stands for."""

from __future__ import annotations

import uuid

import asyncpg


class IdempotencyTable:
    """`gateway.idempotency`: one row per (actor, key) the gateway has answered with a 202."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def lookup(self, actor: str, key: str) -> tuple[uuid.UUID, str] | None:
        row = await self.pool.fetchrow(
            "SELECT event_id, fingerprint FROM gateway.idempotency WHERE actor = $1 AND key = $2",
            actor, key)
        return None if row is None else (row["event_id"], row["fingerprint"])

    async def remember(self, actor: str, key: str, event_id: uuid.UUID, fingerprint: str) -> None:
        await self.pool.execute(
            "INSERT INTO gateway.idempotency (actor, key, event_id, fingerprint)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            actor, key, event_id, fingerprint)

    async def record(self, event_id: uuid.UUID, actor: str) -> None:
        await self.pool.execute(
            "INSERT INTO gateway.accepted_events (event_id, actor) VALUES ($1, $2)"
            " ON CONFLICT DO NOTHING", event_id, actor)

    async def accepted(self, event_id: uuid.UUID) -> bool:
        return bool(await self.pool.fetchval(
            "SELECT 1 FROM gateway.accepted_events WHERE event_id = $1", event_id))
