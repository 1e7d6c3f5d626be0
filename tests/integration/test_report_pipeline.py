"""The report pipeline over the real broker and PostgreSQL: events in, stored reports out.

A report for a quarter reads every event before the quarter's end, so each test works in a year
of its own in the past that no other test's data reaches (those are in 2014-2016, 2022, 2025 and
the present); the session's database and broker are fresh.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.campaigns import CampaignCreated
from schemas.common import Sector
from schemas.envelope import Envelope, derived_id
from schemas.ideas import IdeaSubmitted
from schemas.moderation import Decision, ModerationDecided
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.reporting.handlers import generate, publish_due
from services.reporting.queries import fingerprint_before
from services.reporting.report.quarter import Quarter
from tests.helpers import eventually

pytestmark = pytest.mark.integration


YEARS = {"regenerate": 2003, "timer": 2005, "command": 2007, "plan": 2009}


async def settled(pool: asyncpg.Pool, cutoff: datetime) -> None:
    """Wait until no more events before `cutoff` arrive: the services' own reactions (the ideas
    service publishes status changes dated at the decision) are recorded too."""
    seen: dict[str, object] = {}

    async def probe() -> float:
        fp = await fingerprint_before(pool, cutoff)
        if fp != seen.get("fp"):
            seen["fp"], seen["since"] = fp, time.monotonic()
        return time.monotonic() - float(str(seen["since"]))

    await eventually(probe, lambda quiet: quiet >= 3.0, timeout=90, what="quiet inputs")


@pytest.fixture
def recorder(stack: Stack) -> Stack:
    """The running reporting worker, which records the report's inputs as they arrive.

    (A consumer of its own per test would first replay every topic from offset 0, which in a
    full test session holds whole imported elections.)"""
    assert "reporting" in stack.workers
    return stack


async def send(producer: EventProducer, pool: asyncpg.Pool, envs: list[Envelope]) -> None:
    for env in envs:
        await producer.publish(env)
    ids = [e.event_id for e in envs]

    async def recorded() -> int:
        return int(await pool.fetchval(
            "SELECT count(*) FROM reporting.events WHERE event_id = ANY($1::uuid[])", ids))

    # generous: the machine is shared, and a fresh consumer group first replays whole topics
    await eventually(recorded, lambda n: n == len(ids), timeout=90, what="events recorded")


def at(y: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(y, month, day, hour, tzinfo=UTC)


def campaign(y: int, title: str, opens: datetime, closes: datetime) -> tuple[uuid.UUID, Envelope]:
    cid = uuid.uuid4()
    payload = CampaignCreated(campaign_id=cid, title=title, question="Hvad kan vi gøre bedre?",
                              opens_at=opens, closes_at=closes)
    return cid, Envelope.wrap(payload, actor="staff-1", occurred_at=opens - timedelta(days=3))


def idea(cid: uuid.UUID, title: str, when: datetime, author: str, sector: Sector | None
         ) -> tuple[uuid.UUID, Envelope]:
    iid = uuid.uuid4()
    payload = IdeaSubmitted(idea_id=iid, campaign_id=cid, title=title, body="Forslag.",
                            sector=sector)
    return iid, Envelope.wrap(payload, actor=author, occurred_at=when)


def decide(cid: uuid.UUID, iid: uuid.UUID, decision: Decision, when: datetime) -> list[Envelope]:
    # the ideas service answers with the idea's status change, dated at the decision
    return [Envelope.wrap(ModerationDecided(idea_id=iid, campaign_id=cid, decision=decision,
                                            reason="vurderet"),
                          actor="moderator-1", occurred_at=when)]


def pdf_text(data: bytes) -> str:
    import pypdf

    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


async def test_a_past_quarter_regenerates_identically_after_later_events(
        pool: asyncpg.Pool, producer: EventProducer, recorder: Stack) -> None:
    y = YEARS["regenerate"]
    q2 = Quarter(y, 2)
    cid, created = campaign(y, "Idéstorm om <velfærd> & teknologi", at(y, 5, 1), at(y, 6, 15))
    envs = [created]
    ideas = []
    for n in range(5):
        iid, env = idea(cid, f"Idé {n} *vigtig*", at(y, 5, 2 + n), f"p-{n}",
                        Sector.MUNICIPALITY if n % 2 else Sector.STATE)
        ideas.append(iid)
        envs.append(env)
    for n, iid in enumerate(ideas[:4]):
        envs += decide(cid, iid, Decision.APPROVE if n else Decision.REJECT, at(y, 5, 2 + n, 18))
    await send(producer, pool, envs)
    await settled(pool, q2.end)

    first = await generate(pool, q2)
    c = first.report.campaigns.items[0]
    assert (c.ideas_submitted, c.ideas_published, c.ideas_rejected) == (5, 3, 1)
    assert first.report.campaigns.moderation.queue_at_end == 1
    assert first.report.campaigns.moderation.median_hours_to_decision == 6.0
    assert {s.sector: s.participants for s in c.participants_by_sector} == {
        "state": 3, "municipality": 2}

    # the next quarter happens: a late decision, a new campaign, more ideas
    cid3, created3 = campaign(y, "Efterårets idéstorm", at(y, 8, 1), at(y, 8, 30))
    later = [created3, *decide(cid, ideas[4], Decision.APPROVE, at(y, 7, 2))]
    for n in range(3):
        later.append(idea(cid3, f"Efterår {n}", at(y, 8, 2 + n), f"p-{n}", None)[1])
    await send(producer, pool, later)
    await settled(pool, q2.next().end)

    again = await generate(pool, q2)
    assert again.report_id == first.report_id
    for lang in ("da", "en"):
        for fmt in ("md", "html", "json"):
            key = (lang, fmt)
            assert again.files[key] == first.files[key], key  # type: ignore[index]
        assert pdf_text(again.files[(lang, "pdf")]) == pdf_text(first.files[(lang, "pdf")])

    q3 = await generate(pool, q2.next())
    # the late decision emptied Q2's queue; the three autumn ideas wait for pre-moderation
    assert q3.report.campaigns.moderation.queue_at_end == 3
    assert q3.report.campaigns.moderation.decisions_in_quarter == 1
    assert [c.title for c in q3.report.campaigns.items] == ["Efterårets idéstorm"]
    assert q3.report.cover.previous_fingerprint == first.report.cover.fingerprint
    # participant text is escaped in the stored renderings
    html = first.files[("da", "html")].decode()
    assert "&lt;velfærd&gt; &amp; teknologi" in html and "<velfærd>" not in html
    assert "Idé 1 \\*vigtig\\*" in first.files[("da", "md")].decode()


async def find_published(bootstrap: str, event_id: uuid.UUID) -> list[dict[str, object]]:
    consumer = AIOKafkaConsumer("status", bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: list[dict[str, object]] = []
    try:
        idle = 0
        while idle < 5:
            batch = await consumer.getmany(timeout_ms=300, max_records=5000)
            idle = 0 if batch else idle + 1
            for records in batch.values():
                for r in records:
                    if str(event_id).encode() in r.value:
                        found.append(json.loads(r.value))
    finally:
        await consumer.stop()
    return found


async def test_the_quarter_timer_reports_once_across_concurrent_and_repeated_ticks(
        infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
        recorder: Stack) -> None:
    y = YEARS["timer"]
    cid, created = campaign(y, "Forårets idéstorm", at(y, 1, 10), at(y, 2, 10))
    await send(producer, pool, [created, idea(cid, "En idé", at(y, 1, 11), "p-1", None)[1]])
    boundary = Quarter(y, 2).start
    grace = timedelta(minutes=5)

    # before the grace period has passed, the closed quarter waits (the one before it is due)
    early = await publish_due(pool, producer, boundary + timedelta(minutes=1), grace=grace)
    assert early is None or early.report.cover.quarter == str(Quarter(y, 1).previous())

    now = boundary + grace + timedelta(seconds=1)
    ticks = await asyncio.gather(*(publish_due(pool, producer, now, grace=grace)
                                   for _ in range(3)))
    made = [t for t in ticks if t is not None]
    assert len(made) == 1
    gen = made[0]
    assert gen.report.cover.quarter == f"{y}Q1"
    assert gen.report.campaigns.items[0].ideas_submitted == 1
    # a restarted worker ticks again: nothing new
    assert await publish_due(pool, producer, now + timedelta(hours=1), grace=grace) is None

    rows = await pool.fetch("SELECT report_id, trigger FROM reporting.reports WHERE quarter = $1",
                            f"{y}Q1")
    assert [(r["report_id"], r["trigger"]) for r in rows] == [(gen.report_id, "schedule")]
    assert infra.kafka_bootstrap_servers
    published = await find_published(infra.kafka_bootstrap_servers,
                                     derived_id("report.published", gen.report_id))
    assert len(published) == 1
    payload = published[0]["payload"]
    assert isinstance(payload, dict)
    assert payload["quarter"] == f"{y}Q1" and payload["trigger"] == "schedule"
    assert payload["content_hash"] == gen.report.content_hash


async def test_the_report_command_writes_the_requested_files(
        infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
        recorder: Stack, tmp_path: Path) -> None:
    y = YEARS["command"]
    cid, created = campaign(y, "Kommandoens idéstorm", at(y, 10, 1), at(y, 10, 20))
    await send(producer, pool, [created])
    env = {**os.environ, "DATABASE_URL": str(infra.database_url),
           "KAFKA_BOOTSTRAP_SERVERS": str(infra.kafka_bootstrap_servers),
           "IDEASTORM_HOME": str(tmp_path / "home")}
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.cli", "report", "--quarter", f"{y}Q4", "--lang", "en",
         "--format", "md,pdf", "--out", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    md = tmp_path / "out" / f"report-{y}Q4-en.md"
    assert md.exists() and (tmp_path / "out" / f"report-{y}Q4-en.pdf").exists()
    assert not (tmp_path / "out" / f"report-{y}Q4-da.md").exists()
    assert "Kommandoens idéstorm" in md.read_text()
    assert str(md) in proc.stdout
    stored = await pool.fetchval("SELECT count(*) FROM reporting.reports WHERE quarter = $1"
                                 " AND trigger = 'command'", f"{y}Q4")
    assert stored == 1

    bad = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "services.cli", "report", "--quarter", "2025Q7"],
        env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not a quarter" in bad.stderr
