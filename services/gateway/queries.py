"""The gateway's own SQL: which event a repeated `Idempotency-Key` stands for."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from services.infra.archive import Logged
from services.infra.coalesce import Coalescer
from services.infra.http import PENDING, Claim

# A new key becomes the asking request's; so does a pending claim of the same request held for
# longer than $6 seconds (its holder died before publishing). Anything else is left as it is.
_CLAIM = """
INSERT INTO gateway.idempotency AS i (actor, key, event_id, fingerprint, state, claim, claimed_at)
VALUES ($1, $2, $3, $4, 'pending', $5, now())
ON CONFLICT (actor, key) DO UPDATE SET claim = EXCLUDED.claim, claimed_at = now()
    WHERE i.state = 'pending' AND i.fingerprint = EXCLUDED.fingerprint
      AND i.claimed_at < now() - make_interval(secs => $6::float8)
RETURNING i.event_id, i.fingerprint
"""


class IdempotencyTable:
    """`gateway.idempotency`: one row per (actor, key) claimed, `pending` until its event is
    published, then `published`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        # requests accepted at the same moment share one insert and commit (group commit)
        self._record = Coalescer(self._record_batch)

    async def lookup(self, actor: str, key: str) -> tuple[uuid.UUID, str] | None:
        row = await self.pool.fetchrow(
            "SELECT event_id, fingerprint FROM gateway.idempotency"
            " WHERE actor = $1 AND key = $2 AND state = 'published'", actor, key)
        return None if row is None else (row["event_id"], row["fingerprint"])

    async def claim(self, actor: str, key: str, event_id: uuid.UUID, fingerprint: str, *,
                    stale_after_s: float) -> Claim:
        token = uuid.uuid4()
        while True:
            won = await self.pool.fetchrow(_CLAIM, actor, key, event_id, fingerprint, token,
                                           stale_after_s)
            if won is not None:
                return Claim(won["event_id"], won["fingerprint"], PENDING, token)
            held = await self.pool.fetchrow(
                "SELECT event_id, fingerprint, state FROM gateway.idempotency"
                " WHERE actor = $1 AND key = $2", actor, key)
            if held is not None:
                return Claim(held["event_id"], held["fingerprint"], held["state"])
            # released between the two statements: the key is free again, claim it

    async def published(self, actor: str, key: str) -> None:
        await self.pool.execute(
            "UPDATE gateway.idempotency SET state = 'published', claim = NULL"
            " WHERE actor = $1 AND key = $2 AND state = 'pending'", actor, key)

    async def release(self, actor: str, key: str, token: uuid.UUID) -> None:
        await self.pool.execute(
            "DELETE FROM gateway.idempotency"
            " WHERE actor = $1 AND key = $2 AND claim = $3 AND state = 'pending'",
            actor, key, token)

    async def record(self, event_id: uuid.UUID, actor: str,
                     logged: Logged | None = None) -> None:
        await self._record((event_id, actor, *((logged.topic, logged.partition, logged.offset)
                                               if logged else (None, None, None))))

    async def _record_batch(self, rows: list[tuple[uuid.UUID, str, str | None, int | None,
                                                   int | None]]) -> list[None]:
        ids, actors, topics, partitions, offsets = zip(*rows, strict=True)
        await self.pool.execute(
            "INSERT INTO gateway.accepted_events (event_id, actor, topic, partition, \"offset\")"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[])"
            " ON CONFLICT DO NOTHING", ids, actors, topics, partitions, offsets)
        return [None] * len(rows)

    async def record_many(self, event_ids: Sequence[uuid.UUID], actor: str) -> None:
        await self.pool.execute(
            "INSERT INTO gateway.accepted_events (event_id, actor)"
            " SELECT e, $2 FROM unnest($1::uuid[]) AS e ON CONFLICT DO NOTHING",
            list(event_ids), actor)

    async def position(self, event_id: uuid.UUID) -> tuple[str, int, int] | None:
        row = await self.pool.fetchrow(
            "SELECT topic, partition, \"offset\" FROM gateway.accepted_events"
            " WHERE event_id = $1 AND topic IS NOT NULL", event_id)
        return None if row is None else (row["topic"], row["partition"], row["offset"])

    async def accepted(self, event_id: uuid.UUID) -> bool:
        return bool(await self.pool.fetchval(
            "SELECT 1 FROM gateway.accepted_events WHERE event_id = $1", event_id))
