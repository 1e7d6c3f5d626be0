"""Moderation decisions and idea status changes, on `status` keyed by idea id."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from schemas import topics
from schemas.base import Payload, event
from schemas.common import Reason


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HIDE = "hide"
    RESTORE = "restore"
    MERGE = "merge"


class IdeaStatus(StrEnum):
    PENDING = "pending"  # waiting for pre-moderation
    PUBLISHED = "published"
    HIDDEN = "hidden"  # hidden by flags or by a moderator
    REJECTED = "rejected"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"


class _IdeaStatusEvent(Payload):
    __topic__ = topics.STATUS
    __key_field__ = "idea_id"

    idea_id: uuid.UUID
    campaign_id: uuid.UUID


@event
class ModerationDecided(_IdeaStatusEvent):
    """A moderator (the envelope's actor) decided on an idea, with a reason."""

    __event_type__ = "moderation.decided"

    decision: Decision
    reason: Reason
    merge_into: uuid.UUID | None = None

    @model_validator(mode="after")
    def _merge_target(self) -> Self:
        if (self.decision is Decision.MERGE) != (self.merge_into is not None):
            raise ValueError("merge_into is required for a merge and only for a merge")
        if self.merge_into == self.idea_id:
            raise ValueError("an idea cannot be merged into itself")
        return self


@event
class IdeaStatusChanged(_IdeaStatusEvent):
    """An idea's status changed. Voting and reporting follow ideas through this event only."""

    __event_type__ = "idea.status_changed"

    status: IdeaStatus
    previous: IdeaStatus | None = None
    reason: Reason | None = None
    merged_into: uuid.UUID | None = None
    title: str | None = None  # so other services can name the idea without its tables
    # the idea's estimated cost (currency units), so voting can select ideas within a budget
    cost: int | None = Field(default=None, ge=0, le=10**15)
