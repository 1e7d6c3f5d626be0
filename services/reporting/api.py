"""HTTP routes of the reporting service: the action plan, its progress, the steering group and
the quarterly reports.

Writes need the `planner` role; the steering group (`steering`) also records its answers to
the items put to it. Reads are for staff who follow the plan: `planner`, `steering`
(and `admin`); participants and moderators do not see draft plans. Every plan read takes
`?as_of=YYYY-MM-DD` (default: today) and answers with what was known at the end of that day
(Danish time).
Reports: planners and the steering group list and download them and make one on demand
(`POST /reports`). Each write route builds its payload and calls one handler.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.encoders import jsonable_encoder
from pydantic import ConfigDict, Field

from schemas.envelope import derived_id, utcnow
from schemas.governance import DecisionRequested, DecisionTaken
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
from services.infra.auth import Principal, Role
from services.infra.http import (
    Accepted,
    ApiError,
    Context,
    HttpContext,
    IdempotencyKey,
    IsoDate,
    Planner,
    PlanReader,
    StrictBody,
    WaitFor,
    build,
    not_found,
    require,
    wait_for_event,
)
from services.reporting import handlers, queries
from services.reporting.domain import EARLIEST, LATEST, Refusal, local_day, merge_revision
from services.reporting.report.i18n import LANGUAGES
from services.reporting.report.quarter import Quarter
from services.reporting.report.render import FORMATS, MEDIA_TYPES, Format
from services.reporting.requests import (
    Adoption,
    Approval,
    Budget,
    Closure,
    Completion,
    DecisionAnswer,
    DecisionRequest,
    Definition,
    Draft,
    ExceptionReport,
    Measurement,
    Meeting,
    Progress,
    Revision,
    Risk,
    RiskAssessment,
    RiskClosure,
    Spend,
)

router = APIRouter(tags=["action plan"])

AsOf = Annotated[IsoDate | None, Query(ge=EARLIEST, le=LATEST,
                                    description="the view as known at the end of this day (Danish time)")]
Year = Annotated[int, Path(ge=2000, le=2100, description="the plan year")]
PathCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
Accepted202: dict[str, Any] = {"status_code": 202, "response_model": Accepted}
# the steering group answers its own items; a planner may record the answer from the minutes
Answerer = Annotated[Principal, Depends(require(Role.PLANNER, Role.STEERING))]


async def _as_of(ctx: Context, as_of: date | None, wait_for: uuid.UUID | None) -> date:
    await wait_for_event(ctx, "reporting", wait_for)
    return as_of or local_day(utcnow())  # today in Denmark: views end at its midnight


@router.get("/plans")
async def list_plans(ctx: Context, _: PlanReader, as_of: AsOf = None,
                     wait_for: WaitFor = None) -> list[dict[str, Any]]:
    """Every action plan drafted by the date, with status, budget and overall progress."""
    return await queries.plans(ctx.pool, await _as_of(ctx, as_of, wait_for))


@router.get("/plans/{year}")
async def get_plan(ctx: Context, _: PlanReader, year: Year, as_of: AsOf = None,
                   wait_for: WaitFor = None) -> dict[str, Any]:
    """A plan year: tracks, initiatives, budget-weighted roll-ups, budget and meetings."""
    view = await queries.plan(ctx.pool, year, await _as_of(ctx, as_of, wait_for))
    if view is None:
        raise ApiError(404, "not_found", f"no plan for {year} was drafted by {as_of or 'now'}")
    return view


@router.get("/plans/{year}/initiatives/{initiative_id}")
async def get_initiative(ctx: Context, _: PlanReader, year: Year, initiative_id: uuid.UUID,
                         as_of: AsOf = None, wait_for: WaitFor = None) -> dict[str, Any]:
    """One initiative: progress, expected progress, milestones, goals, adopted ideas."""
    view = await queries.initiative(ctx.pool, year, initiative_id,
                                    await _as_of(ctx, as_of, wait_for))
    if view is None:
        raise not_found(f"initiative of the {year} plan", initiative_id)
    return view


@router.get("/plans/{year}/changes")
async def get_changes(
    ctx: Context, _: PlanReader, year: Year,
    start: Annotated[IsoDate, Query(alias="from", ge=EARLIEST, le=LATEST,
                                 description="first day (Danish time), included")],
    end: Annotated[IsoDate, Query(alias="to", ge=EARLIEST, le=LATEST,
                               description="last day (Danish time), included")],
) -> list[dict[str, Any]]:
    """What became known about the plan between two dates, and who changed it."""
    if end < start:
        raise ApiError(422, "invalid_range", f"to ({end}) is before from ({start})")
    return await queries.changes(ctx.pool, year, start, end)


@router.get("/plans/{year}/rollups")
async def get_rollups(
    ctx: Context, _: PlanReader, year: Year, track: str = "",
    start: Annotated[IsoDate | None, Query(alias="from", ge=EARLIEST, le=LATEST)] = None,
    end: Annotated[IsoDate | None, Query(alias="to", ge=EARLIEST, le=LATEST)] = None,
) -> list[dict[str, Any]]:
    """The roll-up history of a track (or the whole plan) day by day."""
    return await queries.rollup_history(ctx.pool, year, track, start=start, end=end)


@router.post("/plans", **Accepted202)
async def draft_plan(ctx: Context, who: Planner, body: Draft, key: IdempotencyKey = None
                     ) -> Accepted:
    """Draft the action plan of a year with its tracks."""
    payload = build(ActionPlanDrafted, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key)


@router.post("/plans/{year}/approval", **Accepted202)
async def approve_plan(ctx: Context, who: Planner, year: Year, body: Approval,
                       key: IdempotencyKey = None) -> Accepted:
    """Record that the steering group approved the plan."""
    payload = build(ActionPlanApproved, year=year, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/budget", **Accepted202)
async def approve_budget(ctx: Context, who: Planner, year: Year, body: Budget,
                         key: IdempotencyKey = None) -> Accepted:
    """Record the budget the steering group approved, with each funder's share."""
    payload = build(BudgetApproved, year=year, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


class AcceptedInitiative(Accepted):
    initiative_id: uuid.UUID


@router.post("/plans/{year}/initiatives", status_code=202, response_model=AcceptedInitiative)
async def define_initiative(ctx: Context, who: Planner, year: Year, body: Definition,
                            key: IdempotencyKey = None) -> AcceptedInitiative:
    """Define an initiative of the plan. Without `initiative_id` one is assigned (stable per
    Idempotency-Key); the response names it, and its event id is the initiative's definition."""
    fields = body.model_dump(exclude={"initiative_id"})
    initiative_id = body.initiative_id or (
        derived_id("initiative", who.sub, key) if key else uuid.uuid4())
    payload = build(InitiativeDefined, year=year, initiative_id=initiative_id, **fields)
    accepted = await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key,
                                               path_year=year)
    return AcceptedInitiative(**accepted.model_dump(), initiative_id=initiative_id)


@router.post("/plans/{year}/initiatives/{initiative_id}/revisions", **Accepted202)
async def revise_initiative(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                            body: Revision, key: IdempotencyKey = None) -> Accepted:
    """Revise an initiative from now on (earlier views keep the old definition): what the body
    names changes, the rest is kept; goals and milestones are removed only by id."""
    state = await queries.plan_state(ctx.pool, year, local_day(utcnow()))
    ini = state.initiatives.get(initiative_id) if state else None
    if ini is None:
        raise ApiError(404, "unknown_initiative",
                       f"initiative {initiative_id} is not in the plan for {year}")
    merged = merge_revision(ini.definition,
                            body.model_dump(mode="json", exclude={"reason", "remove_goals",
                                                                  "remove_milestones"}),
                            body.remove_goals, body.remove_milestones)
    if isinstance(merged, Refusal):
        raise ApiError(422, merged.reason, merged.detail)
    payload = build(InitiativeRevised, **merged, reason=body.reason,
                    decision_id=body.decision_id)
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/closure", **Accepted202)
async def close_initiative(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                           body: Closure, key: IdempotencyKey = None) -> Accepted:
    """Close an initiative with its outcome."""
    payload = build(InitiativeClosed, initiative_id=initiative_id, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/progress", **Accepted202)
async def report_progress(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                          body: Progress, key: IdempotencyKey = None) -> Accepted:
    """Report an initiative's progress (percent 0-100, RAG) as of a day not in the future."""
    payload = build(ProgressReported, initiative_id=initiative_id,
                               reported_by=body.reported_by or who.sub,
                               **body.model_dump(exclude={"reported_by"}))
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/milestones/{milestone_id}/completion",
             **Accepted202)
async def complete_milestone(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                             milestone_id: PathCode, body: Completion,
                             key: IdempotencyKey = None) -> Accepted:
    """Record that a milestone was reached."""
    payload = build(MilestoneCompleted, initiative_id=initiative_id, milestone_id=milestone_id,
                                 **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/goals/{goal_id}/measurements",
             **Accepted202)
async def measure_goal(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                       goal_id: PathCode, body: Measurement,
                       key: IdempotencyKey = None) -> Accepted:
    """Record a measurement of a goal's indicator."""
    payload = build(GoalMeasured, initiative_id=initiative_id, goal_id=goal_id, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


_ADOPTION_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No plan for the year, no such initiative in it (`unknown_plan`, "
                         "`unknown_initiative`), or no ideastorm has the idea (`unknown_idea`)"},
    409: {"description": "The idea is not published (`idea_not_published`: pending moderation, "
                         "hidden, rejected, merged or withdrawn; the message says which), the "
                         "idea is already adopted into this initiative (`already_adopted`), the "
                         "initiative is closed (`initiative_closed`), or an "
                         "earlier request of the same `Idempotency-Key` differed "
                         "(`idempotency_key_reused`) or is still being published "
                         "(`idempotency_key_in_use`, with `Retry-After`)"},
}


@router.post("/plans/{year}/initiatives/{initiative_id}/ideas", **Accepted202,
             responses=_ADOPTION_REFUSALS)
async def adopt_idea(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                     body: Adoption, key: IdempotencyKey = None) -> Accepted:
    """Take a published ideastorm idea into an open initiative, once; an idea still pending
    moderation, hidden, rejected, merged or withdrawn cannot be adopted."""
    payload = build(IdeaAdopted, initiative_id=initiative_id, decided_by=body.decided_by or who.sub,
                          **body.model_dump(exclude={"decided_by"}))
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/steering-meetings", **Accepted202)
async def hold_meeting(ctx: Context, who: Planner, body: Meeting,
                       key: IdempotencyKey = None) -> Accepted:
    """Record a steering-group meeting: members present per party, decisions, items."""
    payload = build(SteeringMeetingHeld, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key)


@router.post("/plans/{year}/decisions", **Accepted202)
async def request_decision(ctx: Context, who: Planner, year: Year, body: DecisionRequest,
                           key: IdempotencyKey = None) -> Accepted:
    """Put an item to the steering group for decision at a coming meeting, with the
    recommendation and each option's consequence. It stays open in every quarterly report until
    a meeting answers it (`POST /decisions/{decision_id}/answer`)."""
    decision_id = body.decision_id or (
        derived_id("decision", who.sub, key) if key else uuid.uuid4())
    payload = build(DecisionRequested, year=year, decision_id=decision_id, requested_by=who.sub,
                    **body.model_dump(exclude={"decision_id"}))
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.get("/plans/{year}/decisions")
async def list_decisions(ctx: Context, _: PlanReader, year: Year, as_of: AsOf = None,
                         wait_for: WaitFor = None) -> dict[str, Any]:
    """The items put to the steering group for the plan year, open and answered: the question,
    recommendation and options, who asked and when, the meetings that had the item on their
    agenda and those that deferred it, and the answer with its meeting and date; and the
    steering-group meetings held by the date in the year, or in another year with one of its
    items on their agenda."""
    return await queries.decisions(ctx.pool, year, await _as_of(ctx, as_of, wait_for))


@router.post("/decisions/{decision_id}/answer", **Accepted202)
async def answer_decision(ctx: Context, who: Answerer, decision_id: uuid.UUID,
                          body: DecisionAnswer, key: IdempotencyKey = None) -> Accepted:
    """Record the meeting's answer to a requested item: the option chosen (by its label). A
    member of the steering group records it, or a planner from the meeting's minutes."""
    payload = build(DecisionTaken, decision_id=decision_id, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key)


@router.post("/plans/{year}/initiatives/{initiative_id}/spend", **Accepted202)
async def report_spend(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                       body: Spend, key: IdempotencyKey = None) -> Accepted:
    """Report what an initiative had spent by a day, and the full-year forecast (DKK)."""
    payload = build(SpendReported, initiative_id=initiative_id,
                    reported_by=body.reported_by or who.sub,
                    **body.model_dump(exclude={"reported_by"}))
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/exceptions", **Accepted202)
async def report_exception(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                           body: ExceptionReport, key: IdempotencyKey = None) -> Accepted:
    """Report an exception for a tolerance breach: cause, recovery action, owner, date and
    the decision needed from the steering group."""
    payload = build(ExceptionReported, initiative_id=initiative_id,
                    reported_by=body.reported_by or who.sub,
                    **body.model_dump(exclude={"reported_by"}))
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/risks", **Accepted202)
async def raise_risk(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                     body: Risk, key: IdempotencyKey = None) -> Accepted:
    """Raise a risk to an initiative: owner, likelihood and impact (1-5), mitigation."""
    payload = build(RiskRaised, initiative_id=initiative_id, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/risks/{risk_id}/assessments",
             **Accepted202)
async def assess_risk(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                      risk_id: PathCode, body: RiskAssessment,
                      key: IdempotencyKey = None) -> Accepted:
    """Assess a raised risk again."""
    payload = build(RiskAssessed, initiative_id=initiative_id, risk_id=risk_id,
                    **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/risks/{risk_id}/closure", **Accepted202)
async def close_risk(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                     risk_id: PathCode, body: RiskClosure,
                     key: IdempotencyKey = None) -> Accepted:
    """Close a risk that no longer threatens the initiative."""
    payload = build(RiskClosed, initiative_id=initiative_id, risk_id=risk_id, **body.model_dump())
    return await handlers.record_plan_fact(ctx, who, payload, idempotency_key=key, path_year=year)


# ---- quarterly reports ---------------------------------------------------------------------

_BY_MEDIA: dict[str, Format] = {
    "application/pdf": "pdf", "text/html": "html", "text/markdown": "md",
    "application/json": "json", "*/*": "json", "application/*": "json", "text/*": "html",
}


QUARTER = r"^(20[0-9]{2}|2100)-?[Qq][1-4]$"  # what Quarter.parse reads


class ReportRequest(StrictBody):
    """The quarter to report on, e.g. `2025Q2`; `draft`: a marked draft ("foreløbig") of a
    quarter that has not ended (an ended quarter is reported without it)."""

    model_config = ConfigDict(extra="forbid")
    quarter: Annotated[str, Field(max_length=7, pattern=QUARTER, examples=["2025Q2"])]
    draft: bool = False


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise ApiError(422, "invalid_quarter", str(exc)) from exc


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    rid = row["report_id"]
    return {
        "report_id": str(rid), "quarter": row["quarter"], "cutoff": row["cutoff"].isoformat(),
        "event_count": row["event_count"], "events_hash": row["events_hash"],
        "content_hash": row["content_hash"], "generated_at": row["generated_at"].isoformat(),
        "trigger": row["trigger"],
        "requested_by": row["requested_by"] or None,  # None: the quarter-end timer
        "draft": row["draft_as_of"] is not None,
        "draft_as_of": row["draft_as_of"].isoformat() if row["draft_as_of"] else None,
        # set when the renderings were made again after a participant's erasure
        "rerendered_at": row["rerendered_at"].isoformat() if row["rerendered_at"] else None,
        "files": {f: f"/reports/{rid}.{f.split('.')[1]}?lang={f.split('.')[0]}"
                  for f in row["files"]},
    }


@router.get("/reports", tags=["reports"])
async def list_reports(ctx: Context, _: PlanReader,
                       quarter: Annotated[str | None, Query(max_length=7, pattern=QUARTER)] = None
                       ) -> dict[str, Any]:
    """Stored quarterly reports, newest quarter first, with links to every rendering."""
    wanted = str(_quarter(quarter)) if quarter is not None else None
    rows = await queries.list_reports(ctx.pool, wanted)
    return {"reports": [_summary(r) for r in rows]}


@router.get("/reports/requestable", tags=["reports"])
async def requestable_reports(ctx: Context, _: PlanReader) -> dict[str, Any]:
    """The quarters a report can be asked for now: ended ones as the report (`final`), the
    current one only as a marked draft (`draft`), each with the reports already stored."""
    return {"quarters": await handlers.requestable_reports(ctx)}


_REQUEST_REFUSALS: dict[int | str, dict[str, Any]] = {
    409: {"description": "Nothing was recorded in the quarter (`empty_quarter`), the quarter "
                         "has not ended and no draft was asked for (`quarter_not_ended`), or "
                         "a draft was asked for an ended quarter (`quarter_ended`)"},
}


@router.post("/reports", status_code=201, tags=["reports"], responses=_REQUEST_REFUSALS)
async def create_report(ctx: Context, who: PlanReader, body: ReportRequest) -> dict[str, Any]:
    """Generate a quarter's report now from what is recorded, store and announce it; answers
    with its summary and links (the same report again if nothing changed since)."""
    gen = await handlers.generate_report(ctx, who, _quarter(body.quarter), draft=body.draft)
    row = await queries.get_report(ctx.pool, gen.report_id)
    assert row is not None  # stored in the handler's transaction
    return _summary(row)


@router.get("/reports/inputs", tags=["reports"])
async def report_inputs(ctx: Context, _: PlanReader,
                        quarter: Annotated[str | None, Query(max_length=7, pattern=QUARTER)] = None
                        ) -> dict[str, Any]:
    """What a report made now would be computed from: events and votes recorded (before the
    quarter's end with `?quarter=`), the votes per campaign, and per campaign its latest
    replay under other rules (`what_ifs_by_campaign`: settled_at, votes, event_id)."""
    q = _quarter(quarter) if quarter is not None else None
    counts = await queries.recorded(ctx.pool, q.end if q else None)
    return {"quarter": str(q) if q else None, "cutoff": q.end.isoformat() if q else None,
            **counts}


def _choose(ext: str | None, accept: str | None) -> Format:
    if ext is not None:
        if ext not in FORMATS:
            raise ApiError(404, "unknown_format",
                           f"no rendering .{ext}; choose from {', '.join(FORMATS)}")
        return ext
    for part in (accept or "*/*").split(","):
        media = part.split(";")[0].strip().lower()
        if media in _BY_MEDIA:
            return _BY_MEDIA[media]
    raise ApiError(406, "not_acceptable",
                   "this report is available as application/pdf, text/html, text/markdown or "
                   "application/json")


@router.get("/reports/{ref}", tags=["reports"])
async def get_report(ctx: Context, reader: PlanReader, ref: str,
                     lang: Annotated[str, Query(pattern="^(da|en)$")] = "da",
                     accept: Annotated[str | None, Header(max_length=1_000)] = None) -> Response:
    """One report: `/reports/{id}.pdf` (or .html, .md, .json), or by `Accept`; `?lang=en`."""
    ident, _, ext = ref.partition(".")
    try:
        report_id = uuid.UUID(ident)
    except ValueError as exc:
        raise ApiError(404, "not_found", f"{ident!r} is not a report id") from exc
    fmt = _choose(ext.lower() or None, accept)
    if lang not in LANGUAGES:
        raise ApiError(422, "invalid_lang", "lang must be da or en")
    content = await queries.get_file(ctx.pool, report_id, lang, fmt)
    if content is None:
        if await queries.get_report(ctx.pool, report_id) is None:
            raise not_found("report", report_id)
        raise ApiError(404, "not_rendered", f"report {report_id} has no {lang} {fmt} rendering"
                       " (renderings that could not be made again after an erasure are removed:"
                       " make the quarter's report again)")
    headers = {"Content-Disposition":
               f'inline; filename="report-{report_id}-{lang}.{fmt}"'}
    return Response(content=content, media_type=MEDIA_TYPES[fmt], headers=headers)


async def personal_data(ctx: HttpContext, principal: Principal) -> dict[str, Any]:
    """The reporting service's part of `GET /me/data`: its copies of the caller's events and
    votes."""
    data: dict[str, Any] = jsonable_encoder(await queries.personal_data(ctx.pool, principal.sub))
    return data
