"""Request and response bodies of following and notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas.participation import EmailFrequency, FollowTarget
from services.infra.http import StrictBody


class FollowOut(BaseModel):
    """Something you follow; `source`: you chose to (`explicit`), you wrote it (`author`), you
    voted for it (`voter`)."""

    target: FollowTarget
    target_id: uuid.UUID
    source: Literal["explicit", "author", "voter"]
    since: datetime


class FollowState(BaseModel):
    target: FollowTarget
    target_id: uuid.UUID
    following: bool


class NotificationOut(BaseModel):
    """One notification. `title`: the idea's, while you may see it (null when erased or no
    longer public); `link`: the page it is about."""

    notification_id: uuid.UUID
    kind: str
    occurred_at: datetime
    idea_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    link_id: uuid.UUID | None = Field(description="merged into / initiative / reply comment")
    state: str | None = Field(description="the answer's state, or the milestone reached")
    reason: str | None
    title: str | None
    campaign_name: str | None
    link: str
    read: bool
    yours: bool = Field(default=False, description="about an idea you wrote")


class Inbox(BaseModel):
    unread: int
    notifications: list[NotificationOut]


class ReadIn(StrictBody):
    """Which of your notifications to mark read; none named: all of them."""

    notification_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)


class ReadOut(BaseModel):
    marked: int
    unread: int


class PreferencesIn(StrictBody):
    """How you want e-mail about what you follow, and in which language (`da` or `en`)."""

    email: EmailFrequency
    language: Literal["da", "en"] | None = None


class PreferencesOut(BaseModel):
    email: EmailFrequency
    language: Literal["da", "en"]
