"""Request bodies of the reporting routes: the event payloads without what the path gives."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field

from schemas.common import LongText, ParticipantId, Reason, ShortText
from schemas.governance import DecisionOption
from schemas.plan import (
    Breach,
    Code,
    Dkk,
    FunderShares,
    Goal,
    Measure,
    MembersPresent,
    Milestone,
    Percent,
    Period,
    PlanYear,
    Rag,
    Score,
    Track,
)
from services.infra.http import StrictBody


class _Body(StrictBody):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Draft(_Body):
    year: PlanYear
    title: ShortText
    tracks: Annotated[list[Track], Field(min_length=1, max_length=10)]


class Approval(_Body):
    meeting_id: uuid.UUID
    approved_on: date


class Budget(_Body):
    amount_dkk: Dkk
    shares: FunderShares
    meeting_id: uuid.UUID | None = None


class _DefinitionFields(_Body):
    track: Code
    code: Code | None = None
    title: ShortText
    description: LongText
    owner: ParticipantId
    period: Period
    budget_dkk: Dkk
    goals: Annotated[list[Goal], Field(max_length=20)] = []
    milestones: Annotated[list[Milestone], Field(max_length=50)] = []


class Definition(_DefinitionFields):
    initiative_id: uuid.UUID | None = None


class Revision(_Body):
    """What changes: a field left out keeps its value; goals and milestones given replace those
    with the same id or are added; `remove_goals` / `remove_milestones` remove by id (a reached
    milestone cannot be removed)."""

    reason: Reason
    decision_id: uuid.UUID | None = None  # the steering-group decision that approved it
    track: Code | None = None
    code: Code | None = None
    title: ShortText | None = None
    description: LongText | None = None
    owner: ParticipantId | None = None
    period: Period | None = None
    budget_dkk: Dkk | None = None
    goals: Annotated[list[Goal], Field(max_length=20)] = []
    milestones: Annotated[list[Milestone], Field(max_length=50)] = []
    remove_goals: Annotated[list[Code], Field(max_length=20)] = []
    remove_milestones: Annotated[list[Code], Field(max_length=50)] = []


class Closure(_Body):
    closed_on: date
    outcome: LongText


class Progress(_Body):
    as_of: date
    percent: Percent
    rag: Rag
    narrative: LongText
    reported_by: ParticipantId | None = None  # default: the caller


class Completion(_Body):
    completed_on: date
    note: Reason | None = None


class Measurement(_Body):
    value: Measure
    measured_on: date
    source: ShortText


class Adoption(_Body):
    idea_id: uuid.UUID
    decided_by: ParticipantId | None = None  # default: the caller
    note: Reason | None = None


class Meeting(_Body):
    meeting_id: uuid.UUID
    held_on: date
    members_present: MembersPresent
    decisions: Annotated[list[Reason], Field(max_length=50)] = []
    items_for_decision: Annotated[list[Reason], Field(max_length=50)] = []


class DecisionRequest(_Body):
    """An item for the steering group: the question, the recommendation, the options and their
    consequences, the meeting day it is for, and the initiative it concerns (if one)."""

    title: ShortText
    question: LongText
    recommendation: LongText
    options: Annotated[list[DecisionOption], Field(min_length=2, max_length=5)]
    requested_on: date
    for_meeting_on: date
    decision_id: uuid.UUID | None = None
    initiative_id: uuid.UUID | None = None  # an initiative of the plan year, if it concerns one


class DecisionAnswer(_Body):
    meeting_id: uuid.UUID
    decided_on: date
    chosen: ShortText
    note: Reason | None = None


class Spend(_Body):
    as_of: date
    spent_dkk: Dkk
    forecast_dkk: Dkk
    reported_by: ParticipantId | None = None


class Risk(_Body):
    risk_id: Code
    title: ShortText
    owner: ParticipantId
    likelihood: Score
    impact: Score
    mitigation: LongText
    raised_on: date


class RiskAssessment(_Body):
    likelihood: Score
    impact: Score
    mitigation: LongText
    assessed_on: date


class RiskClosure(_Body):
    closed_on: date
    note: Reason


class ExceptionReport(_Body):
    """An exception report for a tolerance breach (schedule, cost or forecast)."""

    breach: Breach
    cause: LongText
    recovery: LongText
    owner: ParticipantId
    recover_by: date
    decision_needed: Reason | None = None
    reported_on: date
    reported_by: ParticipantId | None = None
