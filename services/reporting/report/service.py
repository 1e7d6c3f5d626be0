"""Generating, storing and announcing quarterly reports: what the timer, the command and the demo
call. A report's id is derived from its quarter and the events it was computed from, so
generating the same quarter again over the same events stores and announces nothing new.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import structlog

from schemas.envelope import Envelope, derived_id, utcnow
from schemas.reports import ReportPublished, ReportTrigger
from services.infra.kafka import EventProducer
from services.reporting.report import queries
from services.reporting.report.compute import compute
from services.reporting.report.i18n import LANGUAGES, Lang
from services.reporting.report.model import Report
from services.reporting.report.quarter import Quarter
from services.reporting.report.render import FORMATS, Format, render

log = structlog.get_logger(__name__)

ACTOR = "system:reporting"


@dataclass(frozen=True)
class Generated:
    report_id: uuid.UUID
    report: Report
    files: dict[tuple[Lang, Format], bytes]


def report_id_for(report: Report) -> uuid.UUID:
    fp = report.cover.fingerprint
    return derived_id("report", report.cover.quarter, fp.event_count, fp.events_hash,
                      report.content_hash)


def render_all(report: Report, langs: tuple[Lang, ...] = LANGUAGES,
               formats: tuple[Format, ...] = FORMATS) -> dict[tuple[Lang, Format], bytes]:
    return {(lang, fmt): render(report, fmt, lang) for lang in langs for fmt in formats}


async def generate(pool: asyncpg.Pool, quarter: Quarter, *, langs: tuple[Lang, ...] = LANGUAGES,
                   formats: tuple[Format, ...] = FORMATS) -> Generated:
    """Compute and render the report for `quarter` from what has been recorded so far."""
    inputs = await queries.load_inputs(pool, quarter)
    # computing and drawing a PDF is CPU work: keep the event loop free meanwhile
    report = await asyncio.to_thread(compute, inputs)
    files = await asyncio.to_thread(render_all, report, langs, formats)
    return Generated(report_id_for(report), report, files)


def published_event(gen: Generated, *, trigger: ReportTrigger, generated_at: datetime
                    ) -> Envelope:
    fp = gen.report.cover.fingerprint
    payload = ReportPublished(
        report_id=gen.report_id, quarter=gen.report.cover.quarter, cutoff=gen.report.cover.cutoff,
        event_count=fp.event_count, events_hash=fp.events_hash,
        content_hash=gen.report.content_hash,
        languages=sorted({lang for lang, _ in gen.files}),
        formats=sorted({fmt for _, fmt in gen.files}),
        generated_at=generated_at, trigger=trigger)
    # one announcement per report id: a retry re-publishes the same event id
    return Envelope.wrap(payload, actor=ACTOR, occurred_at=generated_at,
                         event_id=derived_id("report.published", gen.report_id))


async def _store(conn: asyncpg.Connection, gen: Generated, trigger: ReportTrigger,
                 generated_at: datetime) -> bool:
    return await queries.store_report(
        conn, report_id=gen.report_id, quarter=gen.report.cover.quarter,
        cutoff=gen.report.cover.cutoff, fingerprint=gen.report.cover.fingerprint,
        content_hash=gen.report.content_hash, generated_at=generated_at, trigger=trigger.value,
        files=[(lang, fmt, data, hashlib.sha256(data).hexdigest())
               for (lang, fmt), data in sorted(gen.files.items())])


async def publish(pool: asyncpg.Pool, producer: EventProducer, quarter: Quarter, *,
                  trigger: ReportTrigger, now: datetime | None = None) -> Generated:
    """Generate, store and announce the report for `quarter` (a no-op if it is already stored)."""
    gen = await generate(pool, quarter)
    generated_at = now or utcnow()
    async with pool.acquire() as conn, conn.transaction():
        fresh = await _store(conn, gen, trigger, generated_at)
        if fresh:
            await producer.publish(published_event(gen, trigger=trigger,
                                                   generated_at=generated_at))
    log.info("report.published" if fresh else "report.unchanged", quarter=str(quarter),
             report_id=str(gen.report_id), events=gen.report.cover.fingerprint.event_count)
    return gen


async def publish_due(pool: asyncpg.Pool, producer: EventProducer, now: datetime, *,
                      grace: timedelta = timedelta(minutes=5)) -> Generated | None:
    """The timer's job: once the quarter before `now` has been closed for `grace`, produce its
    report exactly once. The schedule row is locked while the report is made and marked in the
    same transaction that stores it, so concurrent workers and restarts never make it twice; an
    announcement lost to a crash is re-sent with the same event id on the next tick."""
    quarter = Quarter.containing(now - grace).previous()
    async with pool.acquire() as conn, conn.transaction():
        if not await queries.claim_quarter(conn, str(quarter)):
            return None
        gen = await generate(pool, quarter)
        await _store(conn, gen, ReportTrigger.SCHEDULE, now)
        await producer.publish(published_event(gen, trigger=ReportTrigger.SCHEDULE,
                                               generated_at=now))
        await queries.mark_published(conn, str(quarter), gen.report_id, now)
    log.info("report.scheduled", quarter=str(quarter), report_id=str(gen.report_id))
    return gen
