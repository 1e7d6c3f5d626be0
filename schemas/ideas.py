"""What participants do to ideas, on `ideas.submissions` keyed by idea id."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from pydantic import Field

from schemas import topics
from schemas.base import Payload, event, upcaster
from schemas.common import LongText, Reason, Sector, ShortText, Tags


class _IdeaEvent(Payload):
    __topic__ = topics.IDEAS_SUBMISSIONS
    __key_field__ = "idea_id"

    idea_id: uuid.UUID
    campaign_id: uuid.UUID


@event
class IdeaSubmitted(_IdeaEvent):
    """A participant (the envelope's actor) submitted an idea to an open campaign.

    Version 2 renamed v1's `text` to `body` and added `tags`; see the upcaster below.
    """

    __event_type__ = "idea.submitted"
    __version__ = 2

    title: ShortText
    body: LongText
    tags: Tags = []
    category: ShortText | None = None
    estimated_cost: int | None = Field(default=None, ge=0, le=10**15)
    sector: Sector | None = None


@upcaster("idea.submitted", from_version=1)
def _idea_submitted_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    lifted = {k: v for k, v in payload.items() if k != "text"}
    lifted["body"] = payload.get("text")
    lifted.setdefault("tags", [])
    return lifted


@event
class IdeaRevised(_IdeaEvent):
    """The author revised their idea; every revision is kept and credited."""

    __event_type__ = "idea.revised"

    title: ShortText
    body: LongText
    tags: Tags = []


class FlagReason(StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    DUPLICATE = "duplicate"
    OTHER = "other"


@event
class IdeaFlagged(_IdeaEvent):
    """A participant flagged an idea (once per idea per participant)."""

    __event_type__ = "idea.flagged"

    reason: FlagReason
    note: Reason | None = None


@event
class IdeaWithdrawn(_IdeaEvent):
    """The author withdrew their idea."""

    __event_type__ = "idea.withdrawn"

    reason: Reason | None = None
