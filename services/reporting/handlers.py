"""What the reporting service does, one function per command and per message type.

Commands (each route calls exactly one): `record_plan_fact` judges a planner's plan, progress or
governance event at the edge and publishes it; `generate_report` makes a quarter's report on
demand. The quarter-boundary timer calls `publish_due`.

Messages: `ReportingProjection` (the one `reporting` consumer group, over `status`,
`ideas.submissions` and `votes`) dispatches each message to its handler in `HANDLERS`. Plan facts
are judged again (the broker is not a trust boundary): what breaks a rule goes to the dead-letter
topic with its reason. The roll-up history of every plan year touched is rebuilt from its facts
in the same transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import asyncpg
import structlog

from schemas import topics
from schemas.base import Payload
from schemas.campaigns import CampaignChanged, CampaignClosed, CampaignCreated, CampaignOpened
from schemas.envelope import Envelope, contains_nul, derived_id, utcnow
from schemas.governance import DecisionRequested, DecisionTaken
from schemas.ideas import IdeaRevised, IdeaSubmitted, IdeaWithdrawn
from schemas.identity import ParticipantErased
from schemas.moderation import IdeaRevisionPublished, IdeaStatusChanged, ModerationDecided
from schemas.participation import IdeaAnswerDue, IdeaAnswered, IdeaAnswerOverdue
from schemas.plan import (
    ActionPlanApproved,
    ActionPlanDrafted,
    BudgetApproved,
    ExceptionReported,
    GoalMeasured,
    IdeaAdopted,
    InitiativeClosed,
    InitiativeDefined,
    InitiativeRevised,
    MilestoneCompleted,
    ProgressReported,
    RiskAssessed,
    RiskClosed,
    RiskRaised,
    SpendReported,
    SteeringMeetingHeld,
)
from schemas.reports import ReportPublished, ReportTrigger
from schemas.votes import VoteCast, VoteWithdrawn, WhatIfComputed
from services.infra import log_tree, vault
from services.infra.auth import Principal
from services.infra.consumer import Message, Outcome
from services.infra.http import Accepted, ApiError, HttpContext, accept
from services.infra.kafka import EventProducer
from services.infra.logging import bind_message
from services.reporting import projections, queries
from services.reporting.domain import aggregate_year, judge, judge_at_edge, local_day
from services.reporting.domain.requests import report_request_refusal, request_kind
from services.reporting.report.compute import compute
from services.reporting.report.i18n import LANGUAGES, Lang
from services.reporting.report.model import HeadCited, Report
from services.reporting.report.quarter import Quarter
from services.reporting.report.render import FORMATS, Format, render

log = structlog.get_logger(__name__)

ACTOR = "system:reporting"

# ---- commands ------------------------------------------------------------------------------

# HTTP status per refusal reason; anything not listed is a 422
STATUS_FOR = {
    "unknown_plan": 404,
    "unknown_initiative": 404,
    "already_drafted": 409,
    "already_defined": 409,
    "initiative_closed": 409,
    "unknown_decision": 404,
    "already_requested": 409,
    "already_decided": 409,
    "already_raised": 409,
    "completed_milestone_removed": 409,
    "unknown_idea": 404,
    "idea_not_published": 409,
    "already_adopted": 409,
}


async def record_plan_fact(ctx: HttpContext, principal: Principal, payload: Payload, *,
                           idempotency_key: str | None, path_year: int | None = None
                           ) -> Accepted:
    """Publish a plan, progress or governance event if the rules accept it now."""
    now = utcnow()
    if idempotency_key is not None and await ctx.idempotency.lookup(
            principal.sub, idempotency_key) is not None:
        # a repeated request gets its first answer, even if the state has moved on since
        return await accept(ctx, principal, payload, idempotency_key=idempotency_key)
    year = getattr(payload, "year", None)
    initiative_id = getattr(payload, "initiative_id", None)
    known = await queries.known(
        ctx.pool,
        years=[y for y in (year, path_year) if isinstance(y, int)],
        initiative_ids=[initiative_id] if isinstance(initiative_id, uuid.UUID) else [],
        decision_ids=[d] if isinstance(d := getattr(payload, "decision_id", None), uuid.UUID)
        else [],
        idea_ids=[payload.idea_id] if isinstance(payload, IdeaAdopted) else [],
    )
    if path_year is not None and path_year not in known.plans:
        raise ApiError(404, "unknown_plan", f"no plan for {path_year} has been drafted")
    refusal = judge_at_edge(known, payload, now, path_year)
    if refusal is not None:
        raise ApiError(STATUS_FOR.get(refusal.reason, 422), refusal.reason, refusal.detail)
    return await accept(ctx, principal, payload, idempotency_key=idempotency_key, occurred_at=now)


@dataclass(frozen=True)
class Generated:
    report_id: uuid.UUID
    report: Report
    files: dict[tuple[Lang, Format], bytes]
    author: str = ""  # who asked for it ("" = the timer)
    draft_as_of: date | None = None


def report_id_for(report: Report) -> uuid.UUID:
    fp = report.cover.fingerprint
    return derived_id("report", report.cover.quarter, fp.event_count, fp.events_hash,
                      report.content_hash)


def render_all(report: Report, langs: tuple[Lang, ...] = LANGUAGES,
               formats: tuple[Format, ...] = FORMATS) -> dict[tuple[Lang, Format], bytes]:
    return {(lang, fmt): render(report, fmt, lang) for lang in langs for fmt in formats}


async def generate(pool: asyncpg.Pool, quarter: Quarter, *, langs: tuple[Lang, ...] = LANGUAGES,
                   formats: tuple[Format, ...] = FORMATS, author: str = "",
                   draft_as_of: date | None = None,
                   made_at: datetime | None = None) -> Generated:
    """Compute and render the report for `quarter` from what has been recorded so far
    (`made_at`: the time it is stored as made, which bounds the log heads it cites)."""
    inputs = await queries.load_inputs(pool, quarter, author=author, draft_as_of=draft_as_of)
    # computing and drawing a PDF is CPU work: keep the event loop free meanwhile
    report = await cite_log_heads(pool, await asyncio.to_thread(compute, inputs),
                                  made_at or utcnow())
    files = await asyncio.to_thread(render_all, report, langs, formats)
    return Generated(report_id_for(report), report, files, author, draft_as_of)


async def cite_log_heads(db: asyncpg.Pool | asyncpg.Connection, report: Report,
                         made_at: datetime) -> Report:
    """The report citing, in its document control, the vote log's signed heads in force at its
    cut-off (or when it was made, if that came first): as-of, like its figures."""
    heads = await log_tree.heads_in_force(db, min(report.cover.cutoff, made_at))
    if not heads:
        return report
    cover = replace(report.document_control, log_heads=tuple(
        HeadCited(h.log, h.partition, h.tree_size, h.root_hash, h.signed_at) for h in heads))
    return replace(report, document_control=cover).with_content_hash()


def _files(gen: Generated) -> list[tuple[str, str, bytes, str]]:
    return [(lang, fmt, data, hashlib.sha256(data).hexdigest())
            for (lang, fmt), data in sorted(gen.files.items())]


async def _known_as(conn: asyncpg.Connection, gen: Generated) -> Generated:
    """`gen` under the id it is already stored with: a report re-rendered after an erasure keeps
    its first id, while `report_id_for` of the erased figures names a new one."""
    fp = gen.report.cover.fingerprint
    rid = await queries.stored_report_id(conn, gen.report.cover.quarter, fp,
                                         gen.report.content_hash)
    return gen if rid is None or rid == gen.report_id else replace(gen, report_id=rid)


async def rerender_after_erasure(conn: asyncpg.Connection, earliest: datetime,
                                 erased_at: datetime) -> tuple[int, int]:
    """Inside the erasure's transaction: make again every stored report whose inputs reach the
    erased texts (cut off after the earliest of them), from the erased read model. A report whose
    figures changed gets its renderings replaced under the same id. Its inputs must be the same
    events as before (same fingerprint): those before its cut-off now or, for a report made before
    later events of its quarter arrived, those recorded by the time it was made. If neither gives
    them back (an event recorded before it was made was applied after), its renderings are
    removed: what it read can no longer be told apart. Returns (replaced, removed)."""
    replaced = removed = 0
    for row in await queries.reports_after(conn, earliest):
        quarter = Quarter.parse(row["quarter"])
        stored = (row["event_count"], row["events_hash"])
        inputs = await queries.read_inputs(conn, quarter)
        if (inputs.fingerprint.event_count, inputs.fingerprint.events_hash) != stored:
            # made before later events of its quarter arrived: what had been recorded by then
            inputs = await queries.read_inputs(conn, quarter, recorded_by=row["generated_at"])
        inputs = replace(inputs, author=row["requested_by"], draft_as_of=row["draft_as_of"])
        if (inputs.fingerprint.event_count, inputs.fingerprint.events_hash) != stored:
            await projections.replace_report(conn, row["report_id"],
                                             content_hash=row["content_hash"],
                                             rerendered_at=erased_at, files=[])
            removed += 1
            continue
        report = await cite_log_heads(conn, await asyncio.to_thread(compute, inputs),
                                      row["generated_at"])
        if report.content_hash == row["content_hash"]:
            continue  # it showed none of the erased text: its renderings are unchanged
        files = await asyncio.to_thread(render_all, report)
        await projections.replace_report(
            conn, row["report_id"], content_hash=report.content_hash, rerendered_at=erased_at,
            files=_files(Generated(row["report_id"], report, files)))
        replaced += 1
    return replaced, removed


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
    return await projections.store_report(
        conn, report_id=gen.report_id, quarter=gen.report.cover.quarter,
        cutoff=gen.report.cover.cutoff, fingerprint=gen.report.cover.fingerprint,
        content_hash=gen.report.content_hash, generated_at=generated_at, trigger=trigger.value,
        files=_files(gen), requested_by=gen.author, draft_as_of=gen.draft_as_of)


async def publish(pool: asyncpg.Pool, producer: EventProducer, quarter: Quarter, *,
                  trigger: ReportTrigger, now: datetime | None = None, author: str = "",
                  draft_as_of: date | None = None) -> Generated:
    """Generate, store and announce the report for `quarter` (a no-op if it is already stored)."""
    generated_at = now or utcnow()
    gen = await generate(pool, quarter, author=author, draft_as_of=draft_as_of,
                         made_at=generated_at)
    outbox = producer.outbox()
    async with pool.acquire() as conn, conn.transaction():
        gen = await _known_as(conn, gen)
        fresh = await _store(conn, gen, trigger, generated_at)
        if fresh:
            outbox.publish_many([published_event(gen, trigger=trigger,
                                                 generated_at=generated_at)])
            await outbox.stage(conn)
    await outbox.deliver()
    log.info("report.published" if fresh else "report.unchanged", quarter=str(quarter),
             report_id=str(gen.report_id), events=gen.report.cover.fingerprint.event_count)
    return gen


async def generate_report(ctx: HttpContext, principal: Principal, quarter: Quarter, *,
                          draft: bool = False) -> Generated:
    """`POST /reports`: the quarter's report from what is recorded now, stored and announced;
    a quarter that has not ended only as a marked draft (`draft`)."""
    log.info("report.requested", quarter=str(quarter), by=principal.sub, draft=draft)
    now = utcnow()
    async with ctx.pool.acquire() as conn:
        before = await queries.fingerprint_before(conn, quarter.start)
        after = await queries.fingerprint_before(conn, quarter.end)
    if after.event_count == before.event_count:
        # a report of nothing would read as an all-clear; the timer still makes one that says
        # plainly that nothing was recorded
        raise ApiError(409, "empty_quarter",
                       f"no event was recorded in {quarter} ({quarter.first_day} to "
                       f"{quarter.last_day}, Danish time): there is nothing to report")
    refusal = report_request_refusal(str(quarter), quarter.end, now, draft)
    if refusal is not None:
        raise ApiError(409, refusal.reason, refusal.detail)
    # a draft's figures reach today, within the quarter
    day = min(max(local_day(now), quarter.first_day), quarter.last_day)
    return await publish(ctx.pool, ctx.producer, quarter, trigger=ReportTrigger.COMMAND,
                         author=principal.sub, draft_as_of=day if draft else None)


async def requestable_reports(ctx: HttpContext) -> list[dict[str, object]]:
    """The quarters a planner can ask a report for: each quarter in which something was
    recorded, and the current one; an ended quarter as its report, one not ended only as a
    marked draft; with the reports already stored for it, in order."""
    now = utcnow()
    current = Quarter.containing(now)
    stored: dict[str, list[str]] = {}
    for row in await queries.list_reports(ctx.pool):
        stored.setdefault(row["quarter"], []).append(str(row["report_id"]))
    out: list[dict[str, object]] = []
    for year, number in await queries.quarters_recorded(ctx.pool):
        q = Quarter(year, number)
        out.append({"quarter": str(q), "first_day": q.first_day.isoformat(),
                    "last_day": q.last_day.isoformat(), "kind": request_kind(q.end, now),
                    "reports": stored.get(str(q), [])})
    if str(current) not in {o["quarter"] for o in out}:
        out.append({"quarter": str(current), "first_day": current.first_day.isoformat(),
                    "last_day": current.last_day.isoformat(), "kind": "draft",
                    "reports": stored.get(str(current), [])})
    return sorted(out, key=lambda o: str(o["quarter"]))


async def publish_due(pool: asyncpg.Pool, producer: EventProducer, now: datetime, *,
                      grace: timedelta = timedelta(minutes=5)) -> Generated | None:
    """The timer's job: once the quarter before `now` has been closed for `grace`, produce its
    report exactly once. The schedule row is locked while the report is made and marked in the
    same transaction that stores it, so concurrent workers and restarts never make it twice; an
    announcement is archived in that transaction and sent after it (a crash in between: at the
    next start of any producer)."""
    quarter = Quarter.containing(now - grace).previous()
    outbox = producer.outbox()
    async with pool.acquire() as conn, conn.transaction():
        if not await projections.claim_quarter(conn, str(quarter)):
            return None
        gen = await _known_as(conn, await generate(pool, quarter, made_at=now))
        await _store(conn, gen, ReportTrigger.SCHEDULE, now)
        outbox.publish_many([published_event(gen, trigger=ReportTrigger.SCHEDULE,
                                              generated_at=now)])
        await projections.mark_published(conn, str(quarter), gen.report_id, now)
        await outbox.stage(conn)
    await outbox.deliver()
    log.info("report.scheduled", quarter=str(quarter), report_id=str(gen.report_id))
    return gen


# ---- messages ------------------------------------------------------------------------------

Handler = Callable[[asyncpg.Connection, list[Message], Outcome], Awaitable[None]]


async def plan_fact(conn: asyncpg.Connection, messages: list[Message], outcome: Outcome) -> None:
    """Judge each plan fact against what is known of its aggregate, in topic order (a fact may
    depend on one earlier in the batch), and record the accepted ones."""
    years = [y for m in messages if isinstance(y := getattr(m.payload, "year", None), int)]
    ids = [i for m in messages
           if isinstance(i := getattr(m.payload, "initiative_id", None), uuid.UUID)]
    decisions = [i for m in messages
                 if isinstance(i := getattr(m.payload, "decision_id", None), uuid.UUID)]
    known = await queries.known(conn, years=years, initiative_ids=ids, decision_ids=decisions)
    rows: list[tuple[Message, int | None, uuid.UUID | None]] = []
    for m in messages:
        bind_message(m.envelope)
        refusal = judge(known, m.payload, m.envelope.occurred_at)
        if refusal is not None:
            log.info("plan_fact.refused", reason=refusal.reason)
            outcome.refuse.append((m, refusal.reason, refusal.detail))
            continue
        known.note(m.payload, m.envelope.occurred_at)
        year = aggregate_year(m.payload, known)
        assert year is not None  # accepted initiative events have a known initiative
        rows.append((m, year, getattr(m.payload, "initiative_id", None)))
    if not rows:
        return
    await projections.insert_events(conn, rows)
    for year in sorted({y for _, y, _ in rows if y is not None}):
        await projections.rebuild_rollups(conn, year)


async def campaign_or_idea_event(conn: asyncpg.Connection, messages: list[Message],
                                 outcome: Outcome) -> None:
    """Campaigns, ideas, their statuses, moderation decisions and official answers (given, due,
    overdue), kept whole for the report and
    for the titles and statuses of adopted ideas (participant text opened: the report reads it)."""
    kept, texts = await vault.open_batch(conn, outcome, messages)
    rows: list[tuple[Message, int | None, uuid.UUID | None]] = []
    opened: dict[uuid.UUID, list[str]] = {}
    for m in kept:
        bind_message(m.envelope)
        if contains_nul(m.envelope.payload):
            outcome.refuse.append((m, "malformed", "text contains a NUL character"))
        else:
            m, opened[m.envelope.event_id] = vault.with_text(m, texts.get(m.envelope.event_id))
            rows.append((m, None, None))
    if not rows:
        return
    await projections.insert_events(conn, rows, opened)
    # Plain (unsealed, older) text of a participant erased before it arrived here, a replay's
    # order across topics: overwritten in this transaction, so it is never stored readable.
    # An idea's submission also reaches the plain titles of its status changes stored before it.
    erased = await projections.erased_writers(
        conn, {m.envelope.actor for m, _, _ in rows
               if isinstance(m.payload, IdeaSubmitted | IdeaRevised | IdeaWithdrawn)},
        {m.payload.idea_id for m, _, _ in rows
         if isinstance(m.payload, IdeaStatusChanged) and m.payload.sealed is None
         and m.payload.title is not None})
    if erased:
        changed, _ = await projections.erase_texts(conn, sorted(erased))
        log.info("texts.erased_on_arrival", participants=len(erased), events=changed)


async def participant_erased(conn: asyncpg.Connection, messages: list[Message],
                             outcome: Outcome) -> None:
    """Overwrite what the erased participants wrote wherever the read model keeps it opened."""
    ids = sorted({m.payload.participant_id for m in messages})  # type: ignore[attr-defined]
    changed, earliest = await projections.erase_texts(conn, ids)
    log.info("texts.erased", participants=len(ids), events=changed)
    if earliest is not None:
        # stored reports made before the erasure may name what they wrote: made again in the
        # same transaction, so the erasure and the reports' renderings change together
        erased_at = max(m.envelope.occurred_at for m in messages)
        replaced, removed = await rerender_after_erasure(conn, earliest, erased_at)
        log.info("reports.rerendered", replaced=replaced, removed=removed)


async def vote(conn: asyncpg.Connection, messages: list[Message], outcome: Outcome) -> None:
    """Every vote cast or withdrawn (value 0), so tallies can be computed as of any date."""
    rows = []
    for m in messages:
        p, env = m.payload, m.envelope
        assert isinstance(p, VoteCast | VoteWithdrawn)
        rows.append((env.event_id, p.campaign_id, p.idea_id, p.voter_id,
                     p.value if isinstance(p, VoteCast) else 0,
                     p.sector.value if isinstance(p, VoteCast) and p.sector else None,
                     env.occurred_at, env.recorded_at))
    await projections.insert_votes(conn, rows)


async def what_if_computed(conn: asyncpg.Connection, messages: list[Message],
                           outcome: Outcome) -> None:
    """Every replay of a closed campaign under other rules, kept whole: a report shows the
    latest that occurred before its cut-off (`queries.what_ifs_before`)."""
    rows = []
    for m in messages:
        p, env = m.payload, m.envelope
        assert isinstance(p, WhatIfComputed)
        rows.append((env.event_id, p.campaign_id, env.occurred_at, env.recorded_at,
                     json.dumps(p.model_dump(mode="json"), sort_keys=True)))
    await projections.insert_what_ifs(conn, rows)


# Plan facts share one handler so that they are judged in the order they arrived in.
HANDLERS: dict[type, Handler] = {
    ActionPlanDrafted: plan_fact,
    ActionPlanApproved: plan_fact,
    BudgetApproved: plan_fact,
    InitiativeDefined: plan_fact,
    InitiativeRevised: plan_fact,
    InitiativeClosed: plan_fact,
    ProgressReported: plan_fact,
    MilestoneCompleted: plan_fact,
    GoalMeasured: plan_fact,
    IdeaAdopted: plan_fact,
    SpendReported: plan_fact,
    RiskRaised: plan_fact,
    RiskAssessed: plan_fact,
    RiskClosed: plan_fact,
    ExceptionReported: plan_fact,
    SteeringMeetingHeld: plan_fact,
    DecisionRequested: plan_fact,
    DecisionTaken: plan_fact,
    CampaignCreated: campaign_or_idea_event,
    CampaignChanged: campaign_or_idea_event,
    CampaignOpened: campaign_or_idea_event,
    CampaignClosed: campaign_or_idea_event,
    IdeaSubmitted: campaign_or_idea_event,
    IdeaRevised: campaign_or_idea_event,
    IdeaWithdrawn: campaign_or_idea_event,
    IdeaStatusChanged: campaign_or_idea_event,
    IdeaRevisionPublished: campaign_or_idea_event,
    ModerationDecided: campaign_or_idea_event,
    IdeaAnswered: campaign_or_idea_event,
    IdeaAnswerDue: campaign_or_idea_event,
    IdeaAnswerOverdue: campaign_or_idea_event,
    VoteCast: vote,
    VoteWithdrawn: vote,
    WhatIfComputed: what_if_computed,
    ParticipantErased: participant_erased,
}


class ReportingProjection:
    """The reporting read model: `reporting.events`, `reporting.votes`, `reporting.rollups`."""

    name = "reporting"
    schema = "reporting"
    topics: Sequence[str] = (topics.STATUS.name, topics.IDEAS_SUBMISSIONS.name,
                             topics.VOTES.name)
    dedupe = True

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        by_handler: dict[Handler, list[Message]] = {}
        for m in messages:  # other events on these topics are not reporting's business
            if (handler := HANDLERS.get(type(m.payload))) is not None:
                by_handler.setdefault(handler, []).append(m)
        for handler, batch in by_handler.items():
            await handler(conn, batch, outcome)
        return outcome
