"""Request and response bodies of the comment routes, and the commands they parse into."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from schemas.comments import CommentBody, CommentDecision, CommentStatus
from schemas.common import Reason
from schemas.ideas import FlagReason
from services.ideas.models import _Request
from services.infra.http import Accepted


class CommentIn(_Request):
    """A comment on an idea, or a reply to one of its top-level comments (`parent_id`)."""

    body: CommentBody
    parent_id: uuid.UUID | None = Field(default=None, description=(
        "reply to this top-level, published comment of the same idea (one level of replies)"))


class CommentFlagIn(_Request):
    """Why the comment should be looked at."""

    reason: FlagReason
    note: Reason | None = None


class CommentDecisionIn(_Request):
    """A moderator's decision on a comment, with the reason kept in the moderation log."""

    decision: CommentDecision
    reason: Reason


class AcceptedComment(Accepted):
    comment_id: uuid.UUID


class CommentOut(BaseModel):
    comment_id: uuid.UUID
    idea_id: uuid.UUID
    parent_id: uuid.UUID | None
    author: str
    # the author's display name where the campaign shows names and the author agreed
    author_name: str | None = None
    body: str
    posted_at: datetime
    status: CommentStatus = Field(description="always `published` for the public; the author"
                                              " and staff also see their other comments")
    status_reason: str | None = Field(default=None, description="the moderator's reason (the"
                                                                " author and staff only)")
    flags: int | None = Field(default=None, description="flags since the last decision"
                                                        " (staff only)")
    decisions: list[CommentDecision] = Field(default=[], description=(
        "the decisions that apply to the comment now (staff only)"))
    replies: list[CommentOut] = Field(default=[], description="replies, oldest first")


class QueueStatus(StrEnum):
    """What the comment queue lists."""

    PENDING = "pending"
    HIDDEN = "hidden"


class QueueComment(BaseModel):
    """A comment waiting for a moderator: pending (pre-moderation) or hidden (by flags or by a
    moderator), with the idea it is on."""

    comment_id: uuid.UUID
    idea_id: uuid.UUID
    idea_title: str
    campaign_id: uuid.UUID
    campaign_title: str
    parent_id: uuid.UUID | None
    author: str
    body: str
    posted_at: datetime
    status: CommentStatus
    status_reason: str | None
    status_by: str
    flags: int
    decisions: list[CommentDecision]


class CommentLogEntry(BaseModel):
    kind: Literal["decision", "auto_hide"]
    event_id: uuid.UUID
    comment_id: uuid.UUID
    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    moderator: str
    decision: Literal["approve", "reject", "hide", "restore", "keep"] | None
    reason: str
    decided_at: datetime


# Commands: what a write route parses a request into, for its one handler.

@dataclass(frozen=True)
class PostComment:
    idea_id: uuid.UUID
    body: CommentIn


@dataclass(frozen=True)
class FlagComment:
    comment_id: uuid.UUID
    body: CommentFlagIn


@dataclass(frozen=True)
class WithdrawComment:
    comment_id: uuid.UUID


@dataclass(frozen=True)
class DecideComment:
    comment_id: uuid.UUID
    body: CommentDecisionIn


CommentCommand = PostComment | FlagComment | WithdrawComment | DecideComment
