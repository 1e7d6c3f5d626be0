"""The participation loop: official answers to ideas, the support threshold that makes an answer
due, following, and how a person wants to hear of what they follow.

Answers and due answers are on `status` keyed by the idea's id. Follows and notification choices
are on `status` keyed by the participant's id (the aggregate is the person's own list).
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from schemas import topics
from schemas.base import Payload, event
from schemas.common import ParticipantId, Reason


class AnswerState(StrEnum):
    UNDER_CONSIDERATION = "under_consideration"
    TAKEN_FORWARD = "taken_forward"
    TAKEN_FORWARD_INTO_INITIATIVE = "taken_forward_into_initiative"
    NOT_TAKEN_FORWARD = "not_taken_forward"


def check_initiative(state: AnswerState, initiative_id: uuid.UUID | None) -> None:
    """An answer names an initiative exactly when it says the idea was taken into one."""
    if (state is AnswerState.TAKEN_FORWARD_INTO_INITIATIVE) != (initiative_id is not None):
        raise ValueError("initiative_id is required for taken_forward_into_initiative"
                         " and only for it")


class _IdeaAnswerEvent(Payload):
    __topic__ = topics.STATUS
    __key_field__ = "idea_id"

    idea_id: uuid.UUID
    campaign_id: uuid.UUID


@event
class IdeaAnswered(_IdeaAnswerEvent):
    """Staff (the envelope's actor) gave an idea its public, official answer: a state and the
    reason, and for `taken_forward_into_initiative` the action-plan initiative it went into. A
    later answer replaces an earlier one; every answer stays in the log."""

    __event_type__ = "idea.answered"

    state: AnswerState
    reason: Reason
    initiative_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _initiative(self) -> Self:
        check_initiative(self.state, self.initiative_id)
        return self


@event
class IdeaAnswerDue(_IdeaAnswerEvent):
    """An idea reached its campaign's support threshold (derived by the ideas service): it must be
    answered by `due`."""

    __event_type__ = "idea.answer_due"

    supports: int = Field(ge=0, le=10**9)
    threshold: int = Field(ge=1, le=10**9)
    reached_at: AwareDatetime
    due: AwareDatetime


@event
class IdeaAnswerOverdue(_IdeaAnswerEvent):
    """An idea whose answer was due was not answered by then (published by the ideas service's
    timer, once)."""

    __event_type__ = "idea.answer_overdue"

    due: AwareDatetime


class FollowTarget(StrEnum):
    IDEA = "idea"
    CAMPAIGN = "campaign"


class _PersonEvent(Payload):
    __topic__ = topics.STATUS
    __key_field__ = "participant_id"

    participant_id: ParticipantId  # whose list or choice; the envelope's actor is who asked


@event
class FollowChanged(_PersonEvent):
    """A person started (`following`) or stopped following an idea or a campaign. Authors follow
    their own ideas and voters the ideas they voted for without this event; stopping such a
    follow is this event with `following` false, and it holds against later votes too."""

    __event_type__ = "follow.changed"

    target: FollowTarget
    target_id: uuid.UUID
    following: bool


class EmailFrequency(StrEnum):
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


@event
class NotificationPreferencesChanged(_PersonEvent):
    """How a person wants e-mail about what they follow (the in-app inbox always has it).
    Default, before any such event: daily. A one-click unsubscribe is this event with `never`."""

    __event_type__ = "notification.preferences_changed"

    email: EmailFrequency
    via: str = Field(default="settings", pattern=r"^(settings|unsubscribe)$")
