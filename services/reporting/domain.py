"""Rules for accepting plan and progress events, shared by the HTTP edge, the plan importer and
the consumer (which must not trust the broker).

The consumer judges each event only against facts about the same aggregate, which reach it in
order on the same partition: an initiative's own definition, a plan year's own draft. That keeps
a replay of `status` from offset 0 deterministic. The edge checks more (that an initiative's plan
and track exist) because it can read every view.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from schemas.base import Payload
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

PLAN_EVENTS = (ActionPlanDrafted, ActionPlanApproved, BudgetApproved)
INITIATIVE_EVENTS = (InitiativeDefined, InitiativeRevised, InitiativeClosed, ProgressReported,
                     MilestoneCompleted, GoalMeasured, IdeaAdopted)
PLAN_FACTS = (*PLAN_EVENTS, *INITIATIVE_EVENTS, SteeringMeetingHeld)


# the days a plan fact may be about or occur on (date arithmetic must not overflow)
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def end_of_day(day: date) -> datetime:
    """The first instant after `day` (UTC): a view as of `day` sees facts before this."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def expected_percent(start: date, end: date, as_of: date) -> float:
    """Where a linear plan from `start` to `end` would be at the end of day `as_of`: the share
    of the period's days (both `start` and `end` included) that have passed by the end of that
    day. The one formula for this figure, in every view and in the quarterly report: for 1-30
    April, at the end of 15 April 15 of 30 days have passed, 50.0 %."""
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 100.0
    return round(100 * ((as_of - start).days + 1) / ((end - start).days + 1), 1)


@dataclass
class InitiativeInfo:
    """What the rules need to know about an initiative already defined."""

    year: int
    defined_on: date
    milestones: set[str] = field(default_factory=set)
    goals: set[str] = field(default_factory=set)
    closed: bool = False


@dataclass
class Known:
    """Plans and initiatives already accepted (loaded for one batch or one request)."""

    plans: dict[int, date] = field(default_factory=dict)  # year -> drafted on
    tracks: dict[int, set[str]] = field(default_factory=dict)  # year -> track codes
    initiatives: dict[uuid.UUID, InitiativeInfo] = field(default_factory=dict)

    def note(self, payload: Payload, occurred_at: datetime) -> None:
        """Remember an accepted event, so later events in the same batch are judged with it."""
        if isinstance(payload, ActionPlanDrafted):
            self.plans[payload.year] = occurred_at.date()
            self.tracks[payload.year] = {t.code for t in payload.tracks}
        elif isinstance(payload, InitiativeDefined | InitiativeRevised):
            old = self.initiatives.get(payload.initiative_id)
            self.initiatives[payload.initiative_id] = InitiativeInfo(
                year=payload.year,
                defined_on=old.defined_on if old else occurred_at.date(),
                milestones={m.milestone_id for m in payload.milestones},
                goals={g.goal_id for g in payload.goals},
            )
        elif isinstance(payload, InitiativeClosed):
            self.initiatives[payload.initiative_id].closed = True


@dataclass(frozen=True)
class Refusal:
    """Why an event is refused: a short code (the dead-letter reason) and a sentence."""

    reason: str
    detail: str


def _day_of(payload: Payload) -> date | None:
    for name in ("as_of", "completed_on", "measured_on", "closed_on", "approved_on", "held_on"):
        value = getattr(payload, name, None)
        if isinstance(value, date):
            return value
    return None


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def judge(known: Known, payload: Payload, occurred_at: datetime) -> Refusal | None:
    """Refuse an event that breaks a rule, or return None to accept it."""
    if _has_nul(payload.model_dump(mode="json")):
        # valid JSON and a valid model, but PostgreSQL cannot store U+0000 in text or jsonb
        return Refusal("malformed", "text contains a NUL character")
    day = _day_of(payload)
    for when in (occurred_at.date(), day):
        if when is not None and not EARLIEST <= when <= LATEST:
            return Refusal("implausible_date",
                           f"{type(payload).__name__} is dated {when}, outside {EARLIEST}..{LATEST}")
    if day is not None and day > occurred_at.date():
        return Refusal("dated_in_future",
                       f"{type(payload).__name__} is dated {day}, after it was reported "
                       f"({occurred_at.date()})")
    if isinstance(payload, ActionPlanDrafted):
        if payload.year in known.plans:
            return Refusal("already_drafted", f"the plan for {payload.year} is already drafted")
        return None
    if isinstance(payload, ActionPlanApproved | BudgetApproved):
        if payload.year not in known.plans:
            return Refusal("unknown_plan", f"no plan for {payload.year} has been drafted")
        return None
    if isinstance(payload, InitiativeDefined):
        if payload.initiative_id in known.initiatives:
            return Refusal("already_defined",
                           f"initiative {payload.initiative_id} is already defined; "
                           "send a revision instead")
        return None
    if not isinstance(payload, INITIATIVE_EVENTS):
        return None
    info = known.initiatives.get(payload.initiative_id)
    if info is None:
        return Refusal("unknown_initiative", f"initiative {payload.initiative_id} is not defined")
    when = day if day is not None else occurred_at.date()
    if when < info.defined_on:
        return Refusal("before_plan",
                       f"{type(payload).__name__} is dated {when}, before initiative "
                       f"{payload.initiative_id} was defined ({info.defined_on})")
    if info.closed and isinstance(payload, InitiativeRevised | InitiativeClosed | ProgressReported
                                  | MilestoneCompleted):
        return Refusal("initiative_closed", f"initiative {payload.initiative_id} is closed")
    if isinstance(payload, InitiativeRevised) and payload.year != info.year:
        return Refusal("year_changed",
                       f"initiative {payload.initiative_id} belongs to {info.year}; "
                       "a revision cannot move it to another plan year")
    if isinstance(payload, MilestoneCompleted) and payload.milestone_id not in info.milestones:
        return Refusal("unknown_milestone",
                       f"initiative {payload.initiative_id} has no milestone "
                       f"{payload.milestone_id!r}")
    if isinstance(payload, GoalMeasured) and payload.goal_id not in info.goals:
        return Refusal("unknown_goal",
                       f"initiative {payload.initiative_id} has no goal {payload.goal_id!r}")
    return None


def aggregate_year(payload: Payload, known: Known) -> int | None:
    """The plan year a fact belongs to (meetings: the year they were held)."""
    if isinstance(payload, SteeringMeetingHeld):
        return payload.held_on.year
    year = getattr(payload, "year", None)
    if isinstance(year, int):
        return year
    initiative_id = getattr(payload, "initiative_id", None)
    info = known.initiatives.get(initiative_id) if isinstance(initiative_id, uuid.UUID) else None
    return info.year if info else None


def judge_at_edge(known: Known, payload: Payload, occurred_at: datetime,
                  path_year: int | None = None) -> Refusal | None:
    """`judge` plus what only the edge can check: the initiative belongs to the plan year in
    the request, that plan exists and has the initiative's track."""
    if isinstance(payload, INITIATIVE_EVENTS) and path_year is not None:
        info = known.initiatives.get(payload.initiative_id)
        if info is not None and info.year != path_year:
            return Refusal("unknown_initiative", f"initiative {payload.initiative_id} is not "
                                                 f"in the plan for {path_year}")
    if isinstance(payload, InitiativeDefined | InitiativeRevised):
        if payload.year not in known.plans:
            return Refusal("unknown_plan", f"no plan for {payload.year} has been drafted")
        if payload.track not in known.tracks.get(payload.year, set()):
            return Refusal("unknown_track",
                           f"the plan for {payload.year} has no track {payload.track!r}; it has "
                           f"{sorted(known.tracks.get(payload.year, set()))}")
    return judge(known, payload, occurred_at)
