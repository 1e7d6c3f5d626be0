"""Moderation decisions and idea status changes, on `status` keyed by idea id."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, model_validator

from schemas import topics
from schemas.base import Payload, event, upcaster
from schemas.common import ParticipantId, Reason, Sealed, ShortText
from schemas.ideas import TextFields


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HIDE = "hide"
    RESTORE = "restore"
    MERGE = "merge"
    # a published idea participants flagged stays published: the flags were looked at and
    # found unfounded; flags count again from this decision
    KEEP = "keep"


class IdeaStatus(StrEnum):
    PENDING = "pending"  # waiting for pre-moderation
    PUBLISHED = "published"
    HIDDEN = "hidden"  # hidden by flags or by a moderator
    REJECTED = "rejected"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"

    @property
    def public(self) -> bool:
        """The one rule of what is public: an idea's content (title, body, tags, revisions) is
        shown to people other than its author and staff only while it is published."""
        return self is IdeaStatus.PUBLISHED


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
    """An idea's status changed. Voting and reporting follow ideas through this event only.

    Version 2 seals what the author wrote (the title, and the reason of a withdrawal:
    `StatusText`) under the author's key in `sealed`; `reason` is then only staff's or the
    system's. Neither title nor `sealed` once the author has been erased. Version 1's plain
    `title` (and a withdrawal's `reason`) are still read.
    """

    __event_type__ = "idea.status_changed"
    __version__ = 2

    status: IdeaStatus
    previous: IdeaStatus | None = None
    reason: Reason | None = None
    merged_into: uuid.UUID | None = None
    sealed: Sealed | None = None  # so other services can name the idea without its tables
    title: str | None = Field(default=None, max_length=200)
    # the idea's estimated cost (currency units), so voting can select ideas within a budget
    cost: int | None = Field(default=None, ge=0, le=10**15)

    @model_validator(mode="after")
    def _one_title(self) -> Self:
        if self.sealed is not None and self.title is not None:
            raise ValueError("title must be inside `sealed`, not beside it")
        return self


@upcaster("idea.status_changed", from_version=1)
def _idea_status_changed_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return dict(payload)  # the plain fields stay: only the edge can seal


class StatusText(TextFields):
    """What the `sealed` object of `IdeaStatusChanged` / `IdeaRevisionPublished` holds."""

    title: ShortText
    reason: Reason | None = None  # the author's, when they withdrew the idea


class RevisionDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@event
class RevisionDecided(_IdeaStatusEvent):
    """A moderator (the envelope's actor) approved or rejected a revision of a published idea
    in a pre-moderated campaign, with a reason. Until approved, the published revision stays
    public; rejecting keeps it."""

    __event_type__ = "moderation.revision_decided"

    revision: int = Field(ge=2, le=100_000)
    decision: RevisionDecision
    reason: Reason


@event
class IdeaRevisionPublished(_IdeaStatusEvent):
    """The public revision of an idea changed (approved by a moderator, or at once in a
    post-moderated campaign). Other services learn the idea's approved title from it.
    Version 2 seals the title (`StatusText`) under the author's key; neither title nor `sealed`
    once the author has been erased."""

    __event_type__ = "idea.revision_published"
    __version__ = 2

    revision: int = Field(ge=1, le=100_000)
    sealed: Sealed | None = None
    title: ShortText | None = None

    @model_validator(mode="after")
    def _one_title(self) -> Self:
        if self.sealed is not None and self.title is not None:
            raise ValueError("title must be inside `sealed`, not beside it")
        return self


@upcaster("idea.revision_published", from_version=1)
def _idea_revision_published_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return dict(payload)  # the plain fields stay: only the edge can seal


@event
class IdeaHiddenByFlags(_IdeaStatusEvent):
    """The ideas service (the system, as actor) hid a published idea because enough distinct
    participants flagged it; `flaggers` are who, for the moderation log."""

    __event_type__ = "moderation.hidden_by_flags"

    flaggers: list[ParticipantId] = Field(min_length=1, max_length=1_000)
    threshold: int = Field(ge=1, le=1_000)
