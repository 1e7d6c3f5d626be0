"""`ideastorm import-plan FILE`: load a whole action plan with its progress history from YAML."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from schemas.envelope import utcnow
from services.infra import archive, db
from services.infra.home import attach_running
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.settings import Settings, get_settings
from services.reporting.plan_file import DEFAULT_ACTOR, PlanFileError, load


@dataclass
class ImportResult:
    events: int
    applied: int | None  # events the reporting service has processed (None: not waited for)


async def import_plan(settings: Settings, path: Path, *, wait_s: float = 0,
                      actor: str = DEFAULT_ACTOR) -> ImportResult:
    """Publish the plan file's events to `status`; with `wait_s`, wait until the reporting
    service has processed them (needs DATABASE_URL). Raises `PlanFileError` for a bad file."""
    envelopes = load(path, today=utcnow().date(), default_actor=actor)
    assert settings.kafka_bootstrap_servers
    await ensure_topics(settings.kafka_bootstrap_servers)
    pool = (await db.create_pool(settings.database_url, min_size=1, max_size=2)
            if settings.database_url else None)
    try:
        if pool is not None:
            await archive.setup(pool)
        async with EventProducer(settings.kafka_bootstrap_servers, archive=pool) as producer:
            await producer.publish_many(envelopes)
        if not wait_s or pool is None:
            return ImportResult(len(envelopes), None)
        applied = await _wait_applied(pool, [e.event_id for e in envelopes], wait_s)
    finally:
        if pool is not None:
            await pool.close()
    return ImportResult(len(envelopes), applied)


async def _wait_applied(pool: asyncpg.Pool, ids: list[object], wait_s: float) -> int:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            seen = int(await pool.fetchval(
                "SELECT count(*) FROM reporting.applied_events WHERE event_id = ANY($1)", ids))
        except asyncpg.UndefinedTableError:
            seen = 0
        if seen >= len(ids) or time.monotonic() > deadline:
            return seen
        await asyncio.sleep(0.2)


def cmd_import_plan(args: argparse.Namespace) -> int:
    settings = get_settings()
    path = Path(args.file)
    if args.check:
        try:
            events = load(path, today=utcnow().date())
        except PlanFileError as exc:
            _problems(path, exc)
            return 1
        _say(f"{path}: {len(events)} events, all valid")
        return 0
    if not settings.kafka_bootstrap_servers:
        settings = attach_running(settings)  # the system `ideastorm up` serves on this home
    if not settings.kafka_bootstrap_servers:
        _say("import-plan needs KAFKA_BOOTSTRAP_SERVERS (and DATABASE_URL to wait); "
              "`ideastorm up` prints them", err=True)
        return 2
    try:
        result = asyncio.run(import_plan(settings, path, wait_s=args.wait, actor=args.actor))
    except PlanFileError as exc:
        _problems(path, exc)
        return 1
    if result.applied is None:
        _say(f"published {result.events} events from {path}")
        return 0
    _say(f"published {result.events} events from {path}; the reporting service has processed "
          f"{result.applied}")
    return 0 if result.applied == result.events else 3


def _problems(path: Path, exc: PlanFileError) -> None:
    _say(f"{path} was not loaded:", err=True)
    for p in exc.problems:
        _say(f"  {p}", err=True)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("import-plan", help="load an action plan with its progress from YAML")
    p.add_argument("file", help="the YAML file (see examples/coi-action-plan-2014-2016.yaml)")
    p.add_argument("--check", action="store_true", help="only validate the file")
    p.add_argument("--wait", type=float, default=30.0,
                   help="seconds to wait until the reporting service has it (0: do not wait)")
    p.add_argument("--actor", default=DEFAULT_ACTOR,
                   help="who is recorded as the author where the file names nobody")
    p.set_defaults(func=cmd_import_plan)


def _say(text: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")
