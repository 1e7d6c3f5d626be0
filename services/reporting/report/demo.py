"""The report's part of `make demo`: adopt some ideas, wait for the inputs, write every report.

`services/demo.py` runs the whole job; these helpers only use the reporting schema and the
event contracts.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import asyncpg

from schemas.envelope import Envelope, derived_id
from schemas.plan import IdeaAdopted
from schemas.reports import ReportTrigger
from services.infra.kafka import EventProducer
from services.reporting.report import queries as demo_queries
from services.reporting.report.commands import write_files
from services.reporting.report.i18n import LANGUAGES, fmt_number
from services.reporting.report.model import Report
from services.reporting.report.quarter import Quarter
from services.reporting.report.render import FORMATS
from services.reporting.report.service import Generated, publish

Say = Callable[[str], None]


async def wait_for_inputs(pool: asyncpg.Pool, *, campaign_id: uuid.UUID, votes: int,
                          timeout: float, say: Say) -> int:
    """Wait until the report's projection has recorded `votes` votes of the campaign."""
    deadline = time.monotonic() + timeout
    seen, told = 0, 0.0
    while time.monotonic() < deadline:
        seen = await demo_queries.recorded_votes(pool, campaign_id)
        if seen >= votes:
            break
        if time.monotonic() - told > 10:
            say(f"waiting for the report's inputs: {seen}/{votes} votes recorded")
            told = time.monotonic()
        await asyncio.sleep(0.5)
    return seen


async def adopt_top_ideas(pool: asyncpg.Pool, producer: EventProducer, *,
                          campaign_id: uuid.UUID, year: int, how_many: int, when: datetime,
                          decided_by: str, timeout: float = 60.0) -> list[tuple[str, str]]:
    """Record the campaign's most supported ideas as adopted into the plan year's ideastorm
    initiative (the one whose title speaks of dialogue or ideastorms, else the first).
    Returns (idea title, initiative title) pairs once the projection has recorded them."""
    initiative = await demo_queries.ideastorm_initiative(pool, year)
    if initiative is None:
        return []
    initiative_id, initiative_title = initiative
    top = await demo_queries.top_ideas(pool, campaign_id, how_many)
    envs = [Envelope.wrap(IdeaAdopted(initiative_id=initiative_id, idea_id=idea_id,
                                      decided_by=decided_by,
                                      note="Udvalgt blandt de mest støttede idéer"),
                          actor=decided_by, occurred_at=when,
                          event_id=derived_id("demo", "adopted", initiative_id, idea_id))
            for idea_id, _ in top]
    await producer.publish_many(envs)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await demo_queries.recorded(pool, [e.event_id for e in envs]) == len(envs):
            break
        await asyncio.sleep(0.2)
    return [(title, initiative_title) for _, title in top]


async def write_reports(pool: asyncpg.Pool, producer: EventProducer, quarter: Quarter,
                        out: Path) -> tuple[Generated, list[Path]]:
    gen = await publish(pool, producer, quarter, trigger=ReportTrigger.DEMO)
    return gen, write_files(gen, out, LANGUAGES, FORMATS)


def summary_table(report: Report) -> str:
    """A short plain-text table of what the report says."""
    rows: list[tuple[str, str]] = [
        ("quarter", report.cover.quarter),
        ("plan", report.cover.plan_title),
        ("events read", fmt_number(report.cover.fingerprint.event_count, "en")),
        ("initiatives", ", ".join(f"{r.count} {r.rag.value}" for r in report.summary.rag)),
        ("changes since previous quarter", str(len(report.summary.changes))),
    ]
    for c in report.campaigns:
        rows.append((f"campaign {c.title[:40]}",
                     f"{fmt_number(c.participants, 'en')} participants, "
                     f"{c.ideas_submitted} ideas, {fmt_number(c.votes, 'en')} votes, "
                     f"{len(c.adopted_ideas)} adopted"))
        if c.top_ideas:
            best = c.top_ideas[0]
            rows.append(("  most supported", f"{best.title[:50]} ({fmt_number(best.votes, 'en')})"))
    rows += [
        ("moderation queue at end", str(report.moderation.queue_at_end)),
        ("items for decision", str(len(report.decisions))),
        ("content hash", report.content_hash[:16]),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)
