"""The action plan, its progress and its governance, on `status`.

Keys (the aggregate each event belongs to): the plan year for `ActionPlanDrafted`,
`ActionPlanApproved` and `BudgetApproved`; the initiative id for `InitiativeDefined`,
`InitiativeRevised`, `InitiativeClosed`, `ProgressReported`, `MilestoneCompleted`,
`GoalMeasured` and `IdeaAdopted`; the meeting id for `SteeringMeetingHeld`. Everything that
happens to one initiative therefore reaches the reporting service in order.

`occurred_at` (the envelope's) is when the fact became known in the world; the as-of views of
the reporting service are computed from it. Dates inside payloads (`as_of`, `completed_on`,
`measured_on`, ...) say which day a fact is about.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schemas import topics
from schemas.base import Payload, event
from schemas.common import LongText, ParticipantId, Reason, ShortText

Code = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                        pattern=r"^[A-Za-z0-9_.-]+$")]
PlanYear = Annotated[int, Field(ge=2000, le=2100)]
Dkk = Annotated[int, Field(ge=0, le=100_000_000_000)]
Percent = Annotated[int, Field(ge=0, le=100)]
Measure = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Rag(StrEnum):
    """Traffic-light status a planner gives an initiative with each progress report."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Track(_Value):
    """A track of the plan (FINDE, KVALIFICERE, SPREDE in 2014-2016; efforts later)."""

    code: Code
    title: ShortText


class GoalFigure(StrEnum):
    """A figure the system computes itself, which a goal can be bound to."""

    PARTICIPANTS = "participants"  # participants in campaigns (summed over campaigns)
    IDEAS_SUBMITTED = "ideas_submitted"
    IDEAS_ADOPTED = "ideas_adopted"  # ideas adopted into the plan year's initiatives


class ComputedFrom(_Value):
    """Bind a goal to a computed figure: over one campaign, or every campaign of the centre's
    own opening in a year (ideas adopted: into the initiatives of `year`). An imported campaign
    (`campaign.created` `imported_from`) counts only for a goal that names it by `campaign_id`."""

    figure: GoalFigure
    year: PlanYear | None = None
    campaign_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _scoped(self) -> Self:
        if (self.year is None) == (self.campaign_id is None):
            raise ValueError("name either a year or a campaign_id")
        return self


class RagTolerances(_Value):
    """The plan's own RAG thresholds, in percent deviation from the approved baseline."""

    amber_percent: Annotated[float, Field(gt=0, le=100)]
    red_percent: Annotated[float, Field(gt=0, le=100)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.red_percent <= self.amber_percent:
            raise ValueError("red_percent must exceed amber_percent")
        return self


class TargetShape(StrEnum):
    """How a goal is expected to move from its baseline to its target."""

    LINEAR = "linear"  # evenly from the initiative's start to the due date
    STEP = "step"  # all at once on the due date (a one-off: a network founded, a survey run)
    MILESTONES = "milestones"  # through the values given at `checkpoints`, a step at each


class Ambition(StrEnum):
    """The three kinds of change the centre's strategy aims for."""

    SYSTEM = "system"  # systemforandringer
    BEHAVIOUR = "behaviour"  # adfærdsændringer
    KNOWLEDGE = "knowledge"  # viden tilegnet og anvendt


class Checkpoint(_Value):
    """A value a goal should have reached by a day (target shape `milestones`)."""

    on: date
    value: Measure


class Goal(_Value):
    """A goal (mål) of an initiative: an indicator measured in `unit`, from baseline to target.
    With `computed_from` the system measures it itself (measurements are then not needed).
    `shape` says how it is expected to get there; `ambition` which of the strategy's three
    kinds of change it serves. Optional: absent on older events (linear, no ambition)."""

    goal_id: Code
    title: ShortText
    indicator: ShortText
    unit: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    baseline: Measure
    target: Measure
    due: date
    computed_from: ComputedFrom | None = None
    shape: TargetShape = TargetShape.LINEAR
    checkpoints: Annotated[list[Checkpoint], Field(max_length=24)] = []
    ambition: Ambition | None = None

    @model_validator(mode="after")
    def _moves(self) -> Self:
        if self.target == self.baseline:
            raise ValueError("a goal's target must differ from its baseline")
        if (self.shape is TargetShape.MILESTONES) != bool(self.checkpoints):
            raise ValueError("checkpoints are given exactly when the shape is milestones")
        days = [c.on for c in self.checkpoints]
        if days != sorted(set(days)) or any(d > self.due for d in days):
            raise ValueError("checkpoints must be on distinct days in order, by the due date")
        return self


class Evidence(StrEnum):
    """What shows that a milestone is reached, when the system can see it itself."""

    CAMPAIGN_CLOSED = "campaign_closed"  # an ideastorm of the centre's own has closed


class Milestone(_Value):
    """A milestone of an initiative, due on a date. With `evidence` the report checks that it
    is not marked reached before what shows it happened (optional: absent on older events)."""

    milestone_id: Code
    title: ShortText
    due: date
    evidence: Evidence | None = None


class Period(_Value):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")
        return self


class FunderShares(_Value):
    """Amounts (DKK) each funding party pays."""

    state: Dkk
    municipalities: Dkk
    regions: Dkk


class MembersPresent(_Value):
    """Steering-group members present per party (three seats each)."""

    state: Annotated[int, Field(ge=0, le=3)]
    municipalities: Annotated[int, Field(ge=0, le=3)]
    regions: Annotated[int, Field(ge=0, le=3)]


# ---- the plan (key: year) ----------------------------------------------------------------


class _PlanEvent(Payload):
    __topic__ = topics.STATUS
    __key_field__ = "year"

    year: PlanYear


class StaffMember(_Value):
    """A person the plan names: the id events carry (owner, reported_by), name and role."""

    staff_id: ParticipantId
    name: ShortText
    role: ShortText


@event
class ActionPlanDrafted(_PlanEvent):
    """A planner drafted the action plan (handlingsplan) for a year, with its tracks, and the
    staff it names (optional: absent on older events, which show staff by id)."""

    __event_type__ = "plan.drafted"

    title: ShortText
    tracks: Annotated[list[Track], Field(min_length=1, max_length=10)]
    rag_tolerances: RagTolerances | None = None  # default: green within 10 %, red beyond 25 %
    staff: Annotated[list[StaffMember], Field(max_length=200)] = []

    @model_validator(mode="after")
    def _unique_tracks(self) -> Self:
        codes = [t.code for t in self.tracks]
        if len(set(codes)) != len(codes):
            raise ValueError("track codes must be unique")
        return self


@event
class ActionPlanApproved(_PlanEvent):
    """The steering group approved the year's plan at a meeting."""

    __event_type__ = "plan.approved"

    meeting_id: uuid.UUID
    approved_on: date


class BudgetItem(_Value):
    """A part of the year's budget that is not an initiative (the secretariat, a reserve)."""

    title: ShortText
    amount_dkk: Dkk


@event
class BudgetApproved(_PlanEvent):
    """The steering group approved the year's budget and each funder's share; `other_lines`
    name what of it is not an initiative's (optional: absent on older events)."""

    __event_type__ = "plan.budget_approved"

    amount_dkk: Dkk
    shares: FunderShares
    meeting_id: uuid.UUID | None = None
    other_lines: Annotated[list[BudgetItem], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _shares_add_up(self) -> Self:
        s = self.shares
        if s.state + s.municipalities + s.regions != self.amount_dkk:
            raise ValueError("the funders' shares must add up to the amount")
        if sum(i.amount_dkk for i in self.other_lines) > self.amount_dkk:
            raise ValueError("the other budget lines exceed the amount")
        return self


# ---- initiatives (key: initiative id) ----------------------------------------------------


class _InitiativeEvent(Payload):
    __topic__ = topics.STATUS
    __key_field__ = "initiative_id"

    initiative_id: uuid.UUID


class _Definition(_InitiativeEvent):
    year: PlanYear
    track: Code
    code: Code | None = None  # a short label such as "F1", for reports
    title: ShortText
    description: LongText
    owner: ParticipantId  # the staff member responsible
    period: Period
    budget_dkk: Dkk
    goals: Annotated[list[Goal], Field(max_length=20)] = []
    milestones: Annotated[list[Milestone], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        for kind, ids in (("goal", [g.goal_id for g in self.goals]),
                          ("milestone", [m.milestone_id for m in self.milestones])):
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind} ids must be unique within an initiative")
        return self


@event
class InitiativeDefined(_Definition):
    """An initiative (indsats) of a plan year: track, owner, period, budget, goals, milestones."""

    __event_type__ = "initiative.defined"


@event
class InitiativeRevised(_Definition):
    """A new version of an initiative's definition; it replaces the old one from its own
    `occurred_at` on (views as of an earlier date still show the old one)."""

    __event_type__ = "initiative.revised"

    reason: Reason
    # the steering-group decision that approved the change: such a revision is the new
    # approved baseline (cost and schedule are judged against it); without one the change is
    # the owner's and the baseline stays (optional: absent on older events)
    decision_id: uuid.UUID | None = None


@event
class InitiativeClosed(_InitiativeEvent):
    """An initiative ended, with its outcome."""

    __event_type__ = "initiative.closed"

    closed_on: date
    outcome: LongText


# ---- progress (key: initiative id) -------------------------------------------------------


@event
class ProgressReported(_InitiativeEvent):
    """How far an initiative had come on `as_of`: percent done and a RAG status."""

    __event_type__ = "progress.reported"

    as_of: date
    percent: Percent
    rag: Rag
    narrative: LongText
    reported_by: ParticipantId


@event
class MilestoneCompleted(_InitiativeEvent):
    """A milestone of the initiative was reached."""

    __event_type__ = "progress.milestone_completed"

    milestone_id: Code
    completed_on: date
    note: Reason | None = None


@event
class GoalMeasured(_InitiativeEvent):
    """A measurement of a goal's indicator."""

    __event_type__ = "progress.goal_measured"

    goal_id: Code
    value: Measure
    measured_on: date
    source: ShortText


@event
class IdeaAdopted(_InitiativeEvent):
    """An idea from an ideastorm campaign was taken into the initiative."""

    __event_type__ = "progress.idea_adopted"

    idea_id: uuid.UUID
    decided_by: ParticipantId
    note: Reason | None = None


@event
class SpendReported(_InitiativeEvent):
    """What an initiative had spent by `as_of` and the owner's forecast for the whole year."""

    __event_type__ = "progress.spend_reported"

    as_of: date
    spent_dkk: Dkk
    forecast_dkk: Dkk
    reported_by: ParticipantId


Score = Annotated[int, Field(ge=1, le=5)]


@event
class RiskRaised(_InitiativeEvent):
    """A risk to an initiative, with its owner, likelihood and impact (1-5) and mitigation."""

    __event_type__ = "risk.raised"

    risk_id: Code
    title: ShortText
    owner: ParticipantId
    likelihood: Score
    impact: Score
    mitigation: LongText
    raised_on: date


@event
class RiskAssessed(_InitiativeEvent):
    """A risk was assessed again."""

    __event_type__ = "risk.assessed"

    risk_id: Code
    likelihood: Score
    impact: Score
    mitigation: LongText
    assessed_on: date


@event
class RiskClosed(_InitiativeEvent):
    """A risk no longer threatens the initiative."""

    __event_type__ = "risk.closed"

    risk_id: Code
    closed_on: date
    note: Reason


class Breach(StrEnum):
    """Which tolerance an exception is about."""

    SCHEDULE = "schedule"
    COST = "cost"
    FORECAST = "forecast"  # the full-year forecast exceeds the initiative's budget


@event
class ExceptionReported(_InitiativeEvent):
    """An exception report (afvigelsesrapport) for a tolerance breach: its cause, the recovery
    action, who owns it and by when, and what the steering group must decide, if anything."""

    __event_type__ = "exception.reported"

    breach: Breach
    cause: LongText
    recovery: LongText
    owner: ParticipantId
    recover_by: date
    decision_needed: Reason | None = None
    reported_on: date
    reported_by: ParticipantId


# ---- governance (key: meeting id) --------------------------------------------------------


@event
class SteeringMeetingHeld(Payload):
    """The steering group (styregruppe) met: who was there, what it decided, what it was asked."""

    __event_type__ = "steering.meeting_held"
    __topic__ = topics.STATUS
    __key_field__ = "meeting_id"

    meeting_id: uuid.UUID
    held_on: date
    members_present: MembersPresent
    decisions: Annotated[list[Reason], Field(max_length=50)] = []
    items_for_decision: Annotated[list[Reason], Field(max_length=50)] = []
