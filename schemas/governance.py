"""Items put to the steering group for decision, and its answers, on `status`.

Key: the decision id, so a request and its answer reach the reporting service in order. A
request names the meeting day it is for, the recommendation, and the options with their
consequences; the meeting's answer names the request by its id (never by its wording) and the
option chosen. A request without an answer is open and is carried into every report until it
is answered.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas import topics
from schemas.base import Payload, event
from schemas.common import LongText, ParticipantId, Reason, ShortText
from schemas.plan import PlanYear


class DecisionOption(BaseModel):
    """One way the steering group can decide, and what follows from it."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    label: ShortText
    consequence: LongText


class _DecisionEvent(Payload):
    __topic__ = topics.STATUS
    __key_field__ = "decision_id"

    decision_id: uuid.UUID


@event
class DecisionRequested(_DecisionEvent):
    """A planner put an item to the steering group for decision at a coming meeting."""

    __event_type__ = "steering.decision_requested"

    year: PlanYear
    title: ShortText
    question: LongText
    recommendation: LongText
    options: Annotated[list[DecisionOption], Field(min_length=2, max_length=5)]
    requested_on: date
    for_meeting_on: date
    requested_by: ParticipantId
    # the initiative of the plan the item concerns, when it concerns one
    initiative_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        labels = [o.label for o in self.options]
        if len(set(labels)) != len(labels):
            raise ValueError("option labels must be distinct")
        if self.for_meeting_on < self.requested_on:
            raise ValueError("for_meeting_on must not be before requested_on")
        return self


@event
class DecisionTaken(_DecisionEvent):
    """The steering group answered a requested item at a meeting, choosing one of its options."""

    __event_type__ = "steering.decision_taken"

    meeting_id: uuid.UUID
    decided_on: date
    chosen: ShortText
    note: Reason | None = None
