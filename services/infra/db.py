"""asyncpg pool and per-service SQL migrations.

Each service owns one schema and keeps its migrations as `services/<service>/migrations/NNN_*.sql`.
Besides those, every schema gets the two tables the consumer helpers rely on:
`consumer_offsets` (the next offset per topic partition, written in the same transaction as the
read model) and `applied_events` (event ids already applied, so a re-published event is a no-op).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import structlog

log = structlog.get_logger(__name__)

SERVICES_DIR = Path(__file__).resolve().parent.parent

_BASE_SQL = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {schema}.consumer_offsets (
    consumer text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    next_offset bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);
CREATE TABLE IF NOT EXISTS {schema}.applied_events (
    event_id uuid PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
"""


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, command_timeout=60
    )
    assert pool is not None
    return pool


@contextlib.asynccontextmanager
async def held(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection of `pool` for a block that also waits on other things while it holds it (a
    lock kept until the broker has answered). If the server ends the connection meanwhile, the
    driver hands it back to the pool, and the block's next call on it says only that it "has
    been released back to the pool", which reads like a bug; it is raised as the lost connection
    it is (`ConnectionDoesNotExistError`: an outage, waited out and retried)."""
    lost: list[object] = []

    def on_lost(conn: object) -> None:
        lost.append(conn)

    async with pool.acquire() as conn:
        conn.add_termination_listener(on_lost)
        try:
            yield conn
        except asyncpg.InterfaceError as exc:
            await asyncio.sleep(0)  # the driver calls its listeners soon after the loss
            if lost:
                raise asyncpg.ConnectionDoesNotExistError(
                    "the connection to the database was lost while it was held") from exc
            raise
        finally:
            if not lost:  # a connection the pool keeps must not call this block's listener
                with contextlib.suppress(asyncpg.InterfaceError):
                    conn.remove_termination_listener(on_lost)


def migration_files(service: str) -> list[Path]:
    folder = SERVICES_DIR / service / "migrations"
    return sorted(folder.glob("*.sql")) if folder.is_dir() else []


async def migrate(pool: asyncpg.Pool, service: str, schema: str | None = None) -> list[str]:
    """Apply the service's pending migrations in order, under an advisory lock. Idempotent."""
    schema = schema or service
    applied: list[str] = []
    async with pool.acquire() as conn:
        # one process migrates a schema at a time; others wait, then find nothing to do
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrate:{schema}")
        try:
            await conn.execute(_BASE_SQL.format(schema=schema))
            done = {r["name"] for r in await conn.fetch(f"SELECT name FROM {schema}.schema_migrations")}
            for path in migration_files(service):
                if path.name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute(
                        f"INSERT INTO {schema}.schema_migrations (name) VALUES ($1)", path.name
                    )
                applied.append(path.name)
                log.info("db.migrated", schema=schema, migration=path.name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"migrate:{schema}")
    return applied


async def migrations_pending(pool: asyncpg.Pool, service: str, schema: str | None = None) -> list[str]:
    schema = schema or service
    names = [p.name for p in migration_files(service)]
    try:
        rows = await pool.fetch(f"SELECT name FROM {schema}.schema_migrations")
    except asyncpg.UndefinedTableError:
        return names
    done = {r["name"] for r in rows}
    return [n for n in names if n not in done]


async def event_applied(pool: asyncpg.Pool, schema: str, event_id: Any) -> bool:
    return bool(
        await pool.fetchval(f"SELECT 1 FROM {schema}.applied_events WHERE event_id = $1", event_id)
    )
