"""Comments on published ideas: what participants write (on `ideas.submissions`, keyed by the
idea's id, so an idea's comments and replies are read in the order they were written) and what
moderators and the ideas service decide about them (on `status`, keyed by the idea's id).

A comment follows the same public rule as an idea (`CommentStatus.public`): it is shown to people
other than its author and staff only while it is published, and it is pre- or post-moderated as
its campaign says. One level of replies: a reply names a top-level comment as `parent_id`.
The text travels sealed under the author's key (`CommentText`), so erasure reaches it.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from schemas import topics
from schemas.base import Payload, event
from schemas.common import ParticipantId, Reason, Sealed
from schemas.common import written_text as _written_text
from schemas.ideas import FlagReason, TextFields

CommentBody = Annotated[str, StringConstraints(min_length=1, max_length=4_000),
                        AfterValidator(_written_text)]


class CommentText(TextFields):
    """What the `sealed` object of `CommentPosted` holds."""

    body: CommentBody


class CommentStatus(StrEnum):
    PENDING = "pending"  # waiting for pre-moderation
    PUBLISHED = "published"
    HIDDEN = "hidden"  # hidden by flags or by a moderator
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # deleted by its author

    @property
    def public(self) -> bool:
        """The one rule of what is public, for comments: shown to others only while published."""
        return self is CommentStatus.PUBLISHED


class CommentDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HIDE = "hide"
    RESTORE = "restore"
    KEEP = "keep"  # flags looked at and found unfounded; they count again from this decision


class _CommentWritten(Payload):
    __topic__ = topics.IDEAS_SUBMISSIONS
    __key_field__ = "idea_id"

    comment_id: uuid.UUID
    idea_id: uuid.UUID
    campaign_id: uuid.UUID


class _CommentStatusEvent(Payload):
    __topic__ = topics.STATUS
    __key_field__ = "idea_id"

    comment_id: uuid.UUID
    idea_id: uuid.UUID
    campaign_id: uuid.UUID


@event
class CommentPosted(_CommentWritten):
    """A participant (the envelope's actor) commented on a published idea, or replied to a
    top-level comment (`parent_id`). The text is sealed (`CommentText`) under the author's key."""

    __event_type__ = "comment.posted"

    parent_id: uuid.UUID | None = None
    sealed: Sealed


@event
class CommentFlagged(_CommentWritten):
    """A participant flagged a comment (once per comment per participant); the note, if any, is
    sealed (`NoteText` of `schemas.ideas`) under the flagger's key."""

    __event_type__ = "comment.flagged"

    reason: FlagReason
    sealed: Sealed | None = None


@event
class CommentWithdrawn(_CommentWritten):
    """The author deleted their comment."""

    __event_type__ = "comment.withdrawn"


@event
class CommentDecided(_CommentStatusEvent):
    """A moderator (the envelope's actor) decided on a comment, with a reason."""

    __event_type__ = "moderation.comment_decided"

    decision: CommentDecision
    reason: Reason


@event
class CommentHiddenByFlags(_CommentStatusEvent):
    """The ideas service (the system, as actor) hid a published comment because enough distinct
    participants flagged it (the campaign's flag threshold); `flaggers` are who."""

    __event_type__ = "moderation.comment_hidden_by_flags"

    flaggers: list[ParticipantId] = Field(min_length=1, max_length=1_000)
    threshold: int = Field(ge=1, le=1_000)


@event
class CommentStatusChanged(_CommentStatusEvent):
    """A comment's status changed (derived by the ideas service from the events above, published
    only after the change is committed). Other services follow comments through this event:
    `author` is who wrote it and `parent_author` who wrote the comment it replies to, so a reply
    can be told to the person replied to without anyone reading the ideas service's tables."""

    __event_type__ = "comment.status_changed"

    status: CommentStatus
    previous: CommentStatus | None = None
    parent_id: uuid.UUID | None = None
    author: ParticipantId
    parent_author: ParticipantId | None = None
    reason: Reason | None = None
