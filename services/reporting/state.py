"""The state of a plan year as known at the end of a date, folded from its facts.

`fold(year, facts, as_of)` replays a plan year's facts in the order they became known
(`occurred_at`, then `recorded_at`) and keeps what was known at the end of `as_of` (UTC). Pure.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

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
from services.reporting.domain import end_of_day


@dataclass(frozen=True)
class Fact:
    """One accepted event, as the views need it."""

    event_id: uuid.UUID
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    payload: Payload

    @property
    def order(self) -> tuple[datetime, datetime, str]:
        # when it became known; events known at the same instant in the order they were recorded
        return (self.occurred_at, self.recorded_at, str(self.event_id))


@dataclass
class InitiativeState:
    definition: InitiativeDefined | InitiativeRevised
    defined_at: datetime
    revisions: list[Fact] = field(default_factory=list)
    reports: list[Fact] = field(default_factory=list)
    milestones_done: dict[str, MilestoneCompleted] = field(default_factory=dict)
    measurements: dict[str, list[GoalMeasured]] = field(default_factory=dict)
    ideas: list[Fact] = field(default_factory=list)
    closed: InitiativeClosed | None = None

    def latest_report(self) -> ProgressReported | None:
        """The report about the latest date (a late report about an earlier day does not win)."""
        best: tuple[date, tuple[datetime, datetime, str]] | None = None
        found: ProgressReported | None = None
        for f in self.reports:
            assert isinstance(f.payload, ProgressReported)
            key = (f.payload.as_of, f.order)
            if best is None or key > best:
                best, found = key, f.payload
        return found


@dataclass
class PlanState:
    year: int
    as_of: date
    drafted: ActionPlanDrafted | None = None
    drafted_at: datetime | None = None
    approved: ActionPlanApproved | None = None
    budget: BudgetApproved | None = None
    meetings: list[SteeringMeetingHeld] = field(default_factory=list)
    initiatives: dict[uuid.UUID, InitiativeState] = field(default_factory=dict)


def fold(year: int, facts: list[Fact], as_of: date) -> PlanState:
    """The plan year as it was known at the end of `as_of` (UTC), by `occurred_at`."""
    cutoff = end_of_day(as_of)
    state = PlanState(year=year, as_of=as_of)
    for f in sorted(facts, key=lambda f: f.order):
        if f.occurred_at >= cutoff:
            break
        p = f.payload
        if isinstance(p, ActionPlanDrafted):
            state.drafted, state.drafted_at = p, f.occurred_at
        elif isinstance(p, ActionPlanApproved):
            state.approved = p
        elif isinstance(p, BudgetApproved):
            state.budget = p
        elif isinstance(p, SteeringMeetingHeld):
            state.meetings.append(p)
        elif isinstance(p, InitiativeDefined):
            state.initiatives[p.initiative_id] = InitiativeState(p, f.occurred_at)
        else:
            ini = state.initiatives.get(getattr(p, "initiative_id", None))  # type: ignore[arg-type]
            if ini is not None:
                _apply(ini, f)
    return state


def _apply(ini: InitiativeState, f: Fact) -> None:
    p = f.payload
    if isinstance(p, InitiativeRevised):
        ini.definition = p
        ini.revisions.append(f)
    elif isinstance(p, InitiativeClosed):
        ini.closed = p
    elif isinstance(p, ProgressReported):
        ini.reports.append(f)
    elif isinstance(p, MilestoneCompleted):
        ini.milestones_done.setdefault(p.milestone_id, p)
    elif isinstance(p, GoalMeasured):
        ini.measurements.setdefault(p.goal_id, []).append(p)
    elif isinstance(p, IdeaAdopted):
        ini.ideas.append(f)
