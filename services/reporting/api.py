"""HTTP routes of the reporting service: the action plan, its progress and the steering group.

Writes need the `planner` role. Reads are for staff who follow the plan: `planner`, `steering`
(and `admin`); participants and moderators do not see draft plans. Every read takes
`?as_of=YYYY-MM-DD` (default: today, UTC) and answers with what was known at the end of that day.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from schemas.envelope import derived_id, utcnow
from schemas.plan import (
    ActionPlanApproved,
    ActionPlanDrafted,
    BudgetApproved,
    GoalMeasured,
    IdeaAdopted,
    InitiativeClosed,
    InitiativeDefined,
    InitiativeRevised,
    MilestoneCompleted,
    ProgressReported,
    SteeringMeetingHeld,
)
from services.infra.auth import Principal, Role
from services.infra.http import (
    Accepted,
    ApiError,
    Context,
    IdempotencyKey,
    not_found,
    require,
    wait_for_event,
)
from services.reporting import queries
from services.reporting.domain import EARLIEST, LATEST
from services.reporting.handlers import build, record
from services.reporting.requests import (
    Adoption,
    Approval,
    Budget,
    Closure,
    Completion,
    Definition,
    Draft,
    Measurement,
    Meeting,
    Progress,
    Revision,
)

router = APIRouter(tags=["action plan"])

Planner = Annotated[Principal, Depends(require(Role.PLANNER))]
Staff = Annotated[Principal, Depends(require(Role.PLANNER, Role.STEERING))]
AsOf = Annotated[date | None, Query(ge=EARLIEST, le=LATEST,
                                    description="the view as known at the end of this day (UTC)")]
Year = Annotated[int, Path(ge=2000, le=2100, description="the plan year")]
WaitFor = Annotated[uuid.UUID | None, Query(description="first wait until this event is applied")]
PathCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
Accepted202: dict[str, Any] = {"status_code": 202, "response_model": Accepted}


async def _as_of(ctx: Context, as_of: date | None, wait_for: uuid.UUID | None) -> date:
    await wait_for_event(ctx, "reporting", wait_for)
    return as_of or utcnow().date()


@router.get("/plans")
async def list_plans(ctx: Context, _: Staff, as_of: AsOf = None,
                     wait_for: WaitFor = None) -> list[dict[str, Any]]:
    """Every action plan drafted by the date, with status, budget and overall progress."""
    return await queries.plans(ctx.pool, await _as_of(ctx, as_of, wait_for))


@router.get("/plans/{year}")
async def get_plan(ctx: Context, _: Staff, year: Year, as_of: AsOf = None,
                   wait_for: WaitFor = None) -> dict[str, Any]:
    """A plan year: tracks, initiatives, budget-weighted roll-ups, budget and meetings."""
    view = await queries.plan(ctx.pool, year, await _as_of(ctx, as_of, wait_for))
    if view is None:
        raise ApiError(404, "not_found", f"no plan for {year} was drafted by {as_of or 'now'}")
    return view


@router.get("/plans/{year}/initiatives/{initiative_id}")
async def get_initiative(ctx: Context, _: Staff, year: Year, initiative_id: uuid.UUID,
                         as_of: AsOf = None, wait_for: WaitFor = None) -> dict[str, Any]:
    """One initiative: progress, expected progress, milestones, goals, adopted ideas."""
    view = await queries.initiative(ctx.pool, year, initiative_id,
                                    await _as_of(ctx, as_of, wait_for))
    if view is None:
        raise not_found(f"initiative of the {year} plan", initiative_id)
    return view


@router.get("/plans/{year}/changes")
async def get_changes(
    ctx: Context, _: Staff, year: Year,
    start: Annotated[date, Query(alias="from", ge=EARLIEST, le=LATEST,
                                 description="first day (UTC), included")],
    end: Annotated[date, Query(alias="to", ge=EARLIEST, le=LATEST,
                               description="last day (UTC), included")],
) -> list[dict[str, Any]]:
    """What became known about the plan between two dates, and who changed it."""
    if end < start:
        raise ApiError(422, "invalid_range", f"to ({end}) is before from ({start})")
    return await queries.changes(ctx.pool, year, start, end)


@router.get("/plans/{year}/rollups")
async def get_rollups(
    ctx: Context, _: Staff, year: Year, track: str = "",
    start: Annotated[date | None, Query(alias="from", ge=EARLIEST, le=LATEST)] = None,
    end: Annotated[date | None, Query(alias="to", ge=EARLIEST, le=LATEST)] = None,
) -> list[dict[str, Any]]:
    """The roll-up history of a track (or the whole plan) day by day."""
    return await queries.rollup_history(ctx.pool, year, track, start=start, end=end)


@router.post("/plans", **Accepted202)
async def draft_plan(ctx: Context, who: Planner, body: Draft, key: IdempotencyKey = None
                     ) -> Accepted:
    """Draft the action plan of a year with its tracks."""
    payload = build(ActionPlanDrafted, **body.model_dump())
    return await record(ctx, who, payload, idempotency_key=key)


@router.post("/plans/{year}/approval", **Accepted202)
async def approve_plan(ctx: Context, who: Planner, year: Year, body: Approval,
                       key: IdempotencyKey = None) -> Accepted:
    """Record that the steering group approved the plan."""
    payload = build(ActionPlanApproved, year=year, **body.model_dump())
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/budget", **Accepted202)
async def approve_budget(ctx: Context, who: Planner, year: Year, body: Budget,
                         key: IdempotencyKey = None) -> Accepted:
    """Record the budget the steering group approved, with each funder's share."""
    payload = build(BudgetApproved, year=year, **body.model_dump())
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives", **Accepted202)
async def define_initiative(ctx: Context, who: Planner, year: Year, body: Definition,
                            key: IdempotencyKey = None) -> Accepted:
    """Define an initiative of the plan. Without `initiative_id` one is assigned (stable per
    Idempotency-Key); the response's event id is the initiative's definition."""
    fields = body.model_dump(exclude={"initiative_id"})
    initiative_id = body.initiative_id or (
        derived_id("initiative", who.sub, key) if key else uuid.uuid4())
    payload = build(InitiativeDefined, year=year, initiative_id=initiative_id, **fields)
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/revisions", **Accepted202)
async def revise_initiative(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                            body: Revision, key: IdempotencyKey = None) -> Accepted:
    """Replace an initiative's definition from now on (earlier views keep the old one)."""
    payload = build(InitiativeRevised, year=year, initiative_id=initiative_id, **body.model_dump())
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/closure", **Accepted202)
async def close_initiative(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                           body: Closure, key: IdempotencyKey = None) -> Accepted:
    """Close an initiative with its outcome."""
    payload = build(InitiativeClosed, initiative_id=initiative_id, **body.model_dump())
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/progress", **Accepted202)
async def report_progress(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                          body: Progress, key: IdempotencyKey = None) -> Accepted:
    """Report an initiative's progress (percent 0-100, RAG) as of a day not in the future."""
    payload = build(ProgressReported, initiative_id=initiative_id,
                               reported_by=body.reported_by or who.sub,
                               **body.model_dump(exclude={"reported_by"}))
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/milestones/{milestone_id}/completion",
             **Accepted202)
async def complete_milestone(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                             milestone_id: PathCode, body: Completion,
                             key: IdempotencyKey = None) -> Accepted:
    """Record that a milestone was reached."""
    payload = build(MilestoneCompleted, initiative_id=initiative_id, milestone_id=milestone_id,
                                 **body.model_dump())
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/goals/{goal_id}/measurements",
             **Accepted202)
async def measure_goal(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                       goal_id: PathCode, body: Measurement,
                       key: IdempotencyKey = None) -> Accepted:
    """Record a measurement of a goal's indicator."""
    payload = build(GoalMeasured, initiative_id=initiative_id, goal_id=goal_id, **body.model_dump())
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/plans/{year}/initiatives/{initiative_id}/ideas", **Accepted202)
async def adopt_idea(ctx: Context, who: Planner, year: Year, initiative_id: uuid.UUID,
                     body: Adoption, key: IdempotencyKey = None) -> Accepted:
    """Take an ideastorm idea into the initiative."""
    payload = build(IdeaAdopted, initiative_id=initiative_id, decided_by=body.decided_by or who.sub,
                          **body.model_dump(exclude={"decided_by"}))
    return await record(ctx, who, payload, idempotency_key=key, path_year=year)


@router.post("/steering-meetings", **Accepted202)
async def hold_meeting(ctx: Context, who: Planner, body: Meeting,
                       key: IdempotencyKey = None) -> Accepted:
    """Record a steering-group meeting: members present per party, decisions, items."""
    payload = build(SteeringMeetingHeld, **body.model_dump())
    return await record(ctx, who, payload, idempotency_key=key)
