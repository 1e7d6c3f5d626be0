"""A connection held across a wait (the archive's partition locks, kept until the broker has
answered) and lost meanwhile is an outage of the database, not a bug: the worker that meets it
waits and resumes instead of exiting. The loss is forced here, on the real server, by ending
the connection's backend while the block waits on something else."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from services.infra import db, faults
from services.infra.archive import Archive
from services.infra.settings import Settings

pytestmark = pytest.mark.integration


async def _end_backend(pool: asyncpg.Pool, pid: int) -> None:
    async with pool.acquire() as other:
        assert await other.fetchval("SELECT pg_terminate_backend($1)", pid)


async def test_a_held_connection_lost_while_waiting_is_an_outage(infra: Settings, uid: str
                                                                 ) -> None:
    assert infra.database_url
    pool = await db.create_pool(infra.database_url, min_size=1, max_size=3)
    try:
        gone = asyncio.Event()
        with pytest.raises(Exception) as raised:
            async with Archive(pool).locked([(f"held-{uid}", 0)]) as conn:
                conn.add_termination_listener(lambda _conn: gone.set())
                await _end_backend(pool, await conn.fetchval("SELECT pg_backend_pid()"))
                # the block waits on something else (the broker) until the driver has seen
                # the connection end, then goes on with its next statement
                await asyncio.wait_for(gone.wait(), timeout=30)
                await conn.execute("SELECT 1")
        exc = raised.value
        assert isinstance(exc, asyncpg.ConnectionDoesNotExistError), repr(exc)
        assert "released back to the pool" in str(exc.__cause__)  # what the driver said
        assert faults.outage(exc) == faults.DATABASE
        # and the pool gives a working connection again
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT 1") == 1
    finally:
        await pool.close()


async def test_a_connection_used_after_its_block_is_still_a_bug(infra: Settings) -> None:
    """Only a lost connection is an outage: using one after its block ended (a bug) is not."""
    assert infra.database_url
    pool = await db.create_pool(infra.database_url, min_size=1, max_size=2)
    try:
        async with db.held(pool) as conn:
            assert await conn.fetchval("SELECT 1") == 1
        with pytest.raises(asyncpg.InterfaceError) as raised:
            await conn.execute("SELECT 1")
        assert faults.outage(raised.value) is None
        # a connection given back whole does not keep the block's listener
        async with pool.acquire() as again:
            assert not again._con._termination_listeners  # noqa: SLF001 - the driver's own set
    finally:
        await pool.close()
