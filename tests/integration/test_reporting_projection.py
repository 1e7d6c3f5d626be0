"""The reporting worker against the real broker and PostgreSQL: events published to `status`
become as-of views; bad events are dead-lettered with a reason; a replay of `status` from
offset 0 into an empty database gives the same tables."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.base import Payload
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from schemas.plan import (
    ActionPlanDrafted,
    IdeaAdopted,
    InitiativeDefined,
    InitiativeRevised,
    ProgressReported,
)
from services.infra import db, vault
from services.infra.consumer import ProjectionRunner
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.reporting import queries
from services.reporting.handlers import ReportingProjection
from tests.helpers import eventually

pytestmark = pytest.mark.integration

# Plan years are a small space shared by every test of a session, and these events occur in
# their plan year: these tests take years no other suite uses (the example has 2015 and 2025,
# the quarterly-report tests 2040-2099, everything else happens in the present).
# 2003, 2005, 2007, 2009: the report pipeline tests; 2011: the erasure and log-head tests
_YEARS = random.sample([2006, 2008, 2010, 2012, 2013], 5)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def wrap(payload: Payload, when: datetime, actor: str = "planner-1") -> Envelope:
    return Envelope.wrap(payload, actor=actor, occurred_at=when)


def definition(iid: uuid.UUID, year: int, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        initiative_id=iid, year=year, track="FINDE", title="Kortlægning", description="d",
        owner="staff-1", budget_dkk=300_000,
        period={"start": f"{year}-01-01", "end": f"{year}-12-31"},
        milestones=[{"milestone_id": "m1", "title": "Model", "due": f"{year}-03-31"}])
    fields.update(extra)
    return fields


def report(iid: uuid.UUID, as_of: str, percent: int, rag: str = "green") -> ProgressReported:
    return ProgressReported(initiative_id=iid, as_of=date.fromisoformat(as_of), percent=percent,
                            rag=rag, narrative="n", reported_by="staff-1")


async def publish(producer: EventProducer, *envs: Envelope) -> None:
    for env in envs:  # one at a time: the order on each partition is the order here
        await producer.publish(env)


async def applied(pool: asyncpg.Pool, envs: list[Envelope]) -> None:
    ids = [e.event_id for e in envs]
    await eventually(
        lambda: pool.fetchval(
            "SELECT count(*) FROM reporting.applied_events WHERE event_id = ANY($1)", ids),
        lambda n: n == len(ids), what="the reporting worker has the events")


async def test_views_answer_as_of_any_date_and_revisions_count_from_their_date(
        stack: Stack, pool: asyncpg.Pool, producer: EventProducer) -> None:
    year, iid, idea = _YEARS.pop(), uuid.uuid4(), uuid.uuid4()
    y = str(year)
    revised = definition(iid, year, title="Kortlægning, udvidet", budget_dkk=500_000)
    envs = [
        wrap(ActionPlanDrafted(year=year, title="Plan",
                               tracks=[{"code": "FINDE", "title": "Finde"}]), at(f"{y}-01-02")),
        wrap(InitiativeDefined(**definition(iid, year)), at(f"{y}-01-10")),
        wrap(report(iid, f"{y}-03-31", 20), at(f"{y}-03-31")),
        wrap(InitiativeRevised(**revised, reason="wider scope"), at(f"{y}-05-01"), "lead-1"),
        wrap(IdeaAdopted(initiative_id=iid, idea_id=idea, decided_by="lead-1"), at(f"{y}-05-02"),
             "lead-1"),
        wrap(report(iid, f"{y}-06-30", 55, "amber"), at(f"{y}-07-03")),
    ]
    named = wrap(IdeaStatusChanged(idea_id=idea, campaign_id=uuid.uuid4(),
                                   status=IdeaStatus.PUBLISHED, title="Del data"),
                 at(f"{y}-04-01"), "moderator-1")
    await publish(producer, *envs, named)
    await applied(pool, [*envs, named])

    assert await queries.plan(pool, year, date(year, 1, 1)) is None
    march = await queries.initiative(pool, year, iid, date(year, 3, 31))
    assert march is not None
    assert (march["percent"], march["title"], march["budget_dkk"]) == (20, "Kortlægning", 300_000)
    assert march["ideas"] == [] and march["milestones"]["upcoming"][0]["milestone_id"] == "m1"
    # the June report was made on July 3rd: invisible on June 30th, visible after
    june = await queries.initiative(pool, year, iid, date(year, 6, 30))
    july = await queries.initiative(pool, year, iid, date(year, 7, 3))
    assert june is not None and july is not None
    # the owner's rating as reported; `rag` is the computed status beside it
    assert (june["percent"], june["rag_owner"]) == (20, "green")
    assert (july["percent"], july["rag_owner"]) == (55, "amber")
    assert (june["title"], june["budget_dkk"]) == ("Kortlægning, udvidet", 500_000)
    assert june["milestones"]["overdue"][0]["milestone_id"] == "m1"
    assert june["ideas"][0]["title"] == "Del data" and june["ideas"][0]["status"] == "published"

    plan = await queries.plan(pool, year, date(year, 7, 3))
    assert plan is not None and plan["rollup"]["percent"] == 55.0
    history = await queries.rollup_history(pool, year, "FINDE")
    assert [(h["day"], h["percent"]) for h in history] == [
        (f"{y}-01-02", None), (f"{y}-01-10", 0.0), (f"{y}-03-31", 20.0), (f"{y}-05-01", 20.0),
        (f"{y}-05-02", 20.0), (f"{y}-07-03", 55.0)]
    changes = await queries.changes(pool, year, date(year, 5, 1), date(year, 5, 31))
    assert [(c["type"], c["by"]) for c in changes] == [
        ("initiative.revised", "lead-1"), ("progress.idea_adopted", "lead-1")]


async def _dead_letters(bootstrap: str, event_ids: set[str]) -> dict[str, str]:
    """Reasons of the refusals in `status.dlq` for these event ids."""
    consumer = AIOKafkaConsumer("status.dlq", bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: dict[str, str] = {}
    try:
        deadline = time.monotonic() + 30
        while set(found) != event_ids and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    body = json.loads(r.value)
                    try:
                        event_id = json.loads(body["original"])["event_id"]
                    except (TypeError, ValueError, KeyError):
                        continue
                    if event_id in event_ids and body["consumer"] == "reporting":
                        found[event_id] = body["reason"]
    finally:
        await consumer.stop()
    return found


async def test_bad_events_from_the_topic_are_dead_lettered_with_a_reason(
        stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer) -> None:
    year, iid = _YEARS.pop(), uuid.uuid4()
    y = str(year)
    good = [wrap(ActionPlanDrafted(year=year, title="P",
                                   tracks=[{"code": "FINDE", "title": "F"}]), at(f"{y}-01-02")),
            wrap(InitiativeDefined(**definition(iid, year)), at(f"{y}-02-01"))]
    ok = wrap(report(iid, f"{y}-03-31", 30), at(f"{y}-04-01"))
    bad = {
        "unknown_initiative": wrap(report(uuid.uuid4(), f"{y}-03-31", 30), at(f"{y}-04-01")),
        "dated_in_future": wrap(report(iid, f"{y}-05-31", 30), at(f"{y}-04-01")),
        "before_plan": wrap(report(iid, f"{y}-01-15", 30), at(f"{y}-04-01")),
    }
    await publish(producer, *good, *bad.values(), ok)
    # out-of-range percent and unknown RAG never pass the contract: send them as raw bytes
    raw = {}
    for reason, field, value in (("percent", "percent", 101), ("rag", "rag", "blue")):
        env = wrap(report(iid, f"{y}-03-31", 30), at(f"{y}-04-01"))
        body = json.loads(env.to_bytes())
        body["payload"][field] = value
        await producer.send_raw("status", json.dumps(body).encode(), key=str(iid).encode())
        raw[reason] = str(env.event_id)
    refused = await _dead_letters(infra.kafka_bootstrap_servers or "",
                                  {*(str(e.event_id) for e in bad.values()), *raw.values()})
    assert {refused[str(e.event_id)] for e in bad.values()} == set(bad)
    assert refused[raw["percent"]] == refused[raw["rag"]] == "malformed"
    await applied(pool, [*good, ok])
    view = await queries.initiative(pool, year, iid, date(year, 12, 31))
    assert view is not None and [r["percent"] for r in view["reports"]] == [30]


async def _table(conn: asyncpg.Connection | asyncpg.Pool, sql: str, *args: Any
                 ) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await conn.fetch(sql, *args)]


async def tables(conn: asyncpg.Pool, year: int) -> dict[str, list[tuple[Any, ...]]]:
    """One plan year's facts and roll-ups. (The whole session's events are replayed too, but
    ideas, erasures and votes of other tests are compared by the archive restart tests.)"""
    return {name: await _table(conn, sql, year) for name, sql in (("facts", FACTS),
                                                                   ("rollups", ROLLUPS))}


FACTS = ("SELECT event_id, type, year, initiative_id, occurred_at, recorded_at, actor,"
         " payload::text FROM reporting.events WHERE year = $1 ORDER BY event_id")
ROLLUPS = "SELECT * FROM reporting.rollups WHERE year = $1 ORDER BY year, track, day"


async def test_replaying_status_from_offset_zero_gives_the_same_tables(
        stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
        uid: str) -> None:
    year, iid = _YEARS.pop(), uuid.uuid4()
    y = str(year)
    envs = [wrap(ActionPlanDrafted(year=year, title="P",
                                   tracks=[{"code": "FINDE", "title": "F"}]), at(f"{y}-01-02")),
            wrap(InitiativeDefined(**definition(iid, year)), at(f"{y}-02-01")),
            wrap(report(iid, f"{y}-03-31", 40), at(f"{y}-04-01"))]
    await publish(producer, *envs)
    await applied(pool, envs)
    live = await tables(pool, year)

    name = f"replay_{uid}"
    await pool.execute(f"CREATE DATABASE {name}")
    assert infra.database_url and infra.kafka_bootstrap_servers
    url = urlsplit(infra.database_url)
    replay_pool = await db.create_pool(urlunsplit(url._replace(path=f"/{name}")))
    try:
        await db.migrate(replay_pool, "reporting")
        # a replay runs against the installation's own vault: the same keys open the same text
        await vault.setup(replay_pool)
        async with pool.acquire() as live_conn, replay_pool.acquire() as replay_conn:
            await vault.import_keys(replay_conn, await vault.export_keys(live_conn))
        runner = ProjectionRunner(ReportingProjection(), pool=replay_pool, producer=producer,
                                  bootstrap=infra.kafka_bootstrap_servers,
                                  group_id=f"replay-{uid}")
        task = asyncio.create_task(runner.run())
        try:
            await eventually(lambda: tables(replay_pool, year), lambda t: t == live,
                             what="the replayed tables equal the live ones", timeout=240)
        finally:
            runner.stop()
            await task
        for day in (date(year, 3, 31), date(year, 4, 1)):
            assert await queries.plan(replay_pool, year, day) == await queries.plan(
                pool, year, day)
    finally:
        await replay_pool.close()
        await pool.execute(f"DROP DATABASE {name}")
