"""Readiness checks shared by the gateway and the workers, and a probe for container health checks.

Alive (`/healthz`) means the process answers. Ready (`/readyz`) means the broker and the database
answer, every migration of the schemas the process uses is applied and, in a worker, every
projection consumer has joined its group and received its partitions (possibly none: a worker
beyond the partition count is an idle standby, and still ready).

`python -m services.infra.health URL` exits 0 when URL answers 200 and 1 otherwise; the images
have no curl, so compose health checks use it.
"""

from __future__ import annotations

import asyncio
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import asyncpg

from services.infra import db
from services.infra.kafka import EventProducer

CHECK_TIMEOUT_S = 3.0


class Assignable(Protocol):
    """What readiness needs from a consumer: has it joined its group, and with which partitions."""

    @property
    def name(self) -> str: ...

    @property
    def assigned(self) -> list[tuple[str, int]] | None: ...


async def readiness_problems(
    *,
    pool: asyncpg.Pool | None,
    producer: EventProducer | None,
    schemas: Iterable[str],
    consumers: Sequence[Assignable] = (),
) -> list[str]:
    """Everything that keeps this process from being ready; empty when it is ready."""
    problems: list[str] = []
    if pool is None or producer is None:
        return ["starting: the database pool and the producer are not open yet"]
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            for schema in dict.fromkeys(schemas):
                pending = await db.migrations_pending(pool, schema)
                if pending:
                    problems.append(f"{schema}: migrations pending {pending}")
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        problems.append(f"database: {type(exc).__name__}: {exc}")
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await _broker_metadata(producer)
    except Exception as exc:  # noqa: BLE001
        problems.append(f"broker: {type(exc).__name__}: {exc}")
    for consumer in consumers:
        if consumer.assigned is None:
            problems.append(f"{consumer.name}: not yet assigned partitions")
    return problems


async def database_answers(pool: asyncpg.Pool, timeout_s: float = 1.0) -> bool:
    """Whether the database answers a `SELECT 1` within `timeout_s` right now."""
    try:
        async with asyncio.timeout(timeout_s):
            await pool.fetchval("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means it does not answer
        return False
    return True


def readiness_body(problems: list[str], consumers: Sequence[Assignable] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "not_ready" if problems else "ready", "problems": problems}
    if consumers:
        body["assigned"] = {
            c.name: [f"{t}/{p}" for t, p in sorted(c.assigned or [])] for c in consumers
        }
    return body


async def _broker_metadata(producer: EventProducer) -> None:
    # a metadata round trip proves the broker answers on the connection the process writes on
    await producer._producer.client.fetch_all_metadata()


def probe(url: str, timeout: float = CHECK_TIMEOUT_S) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


if __name__ == "__main__":
    raise SystemExit(0 if len(sys.argv) == 2 and probe(sys.argv[1]) else 1)
