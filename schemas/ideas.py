"""What participants do to ideas, on `ideas.submissions` keyed by idea id."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas import topics
from schemas.base import Payload, event, upcaster
from schemas.common import LongText, Reason, Sealed, Sector, ShortText, Tags

# Text a participant writes travels sealed under their key (`Sealed`, see docs/operations.md,
# "Crypto-shredding"): the current versions of these events carry either `sealed` (what the
# edge publishes) or, as upcast from older versions, the plain fields it replaces. An upcaster
# cannot encrypt, so consumers read both. The plain fields' limits are checked at the edge
# before sealing and again on opening (the `*Text` models below).


class TextFields(BaseModel):
    """The plain fields a `Sealed` object holds, validated with the limits of the events."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class IdeaText(TextFields):
    """What the `sealed` object of `IdeaSubmitted` / `IdeaRevised` holds."""

    title: ShortText
    body: LongText
    tags: Tags = []


def _plain_idea_text(title: str | None, body: str | None, tags: list[str]) -> IdeaText:
    """The plain fields of a validated submission or revision as its `IdeaText`: they passed
    the same types (`ShortText`, `LongText`, `Tags`, stripped alike) when the event was, so
    they are not validated a second time (a projection opens every event of a batch)."""
    assert title is not None and body is not None  # `_sealed_or_plain` holds them to it
    return IdeaText.model_construct(title=title, body=body, tags=list(tags))


class NoteText(TextFields):
    """What the `sealed` object of `IdeaFlagged` holds."""

    note: Reason


class ReasonText(TextFields):
    """What the `sealed` object of `IdeaWithdrawn` holds."""

    reason: Reason


def _sealed_or_plain(sealed: object, plain: dict[str, object], required: tuple[str, ...]) -> None:
    present = [k for k, v in plain.items() if v not in (None, [])]
    if sealed is not None and present:
        raise ValueError(f"{', '.join(present)} must be inside `sealed`, not beside it")
    missing = [k for k in required if plain.get(k) is None]
    if sealed is None and missing:
        raise ValueError(f"`sealed` (or, in an old event, {', '.join(missing)}) is required")


class _IdeaEvent(Payload):
    __topic__ = topics.IDEAS_SUBMISSIONS
    __key_field__ = "idea_id"

    idea_id: uuid.UUID
    campaign_id: uuid.UUID


@event
class IdeaSubmitted(_IdeaEvent):
    """A participant (the envelope's actor) submitted an idea to an open campaign.

    Version 2 renamed v1's `text` to `body` and added `tags`; version 3 seals title, body and
    tags (`IdeaText`) under the author's key; see the upcasters below.
    """

    __event_type__ = "idea.submitted"
    __version__ = 3

    sealed: Sealed | None = None
    title: ShortText | None = None
    body: LongText | None = None
    tags: Tags = []
    category: ShortText | None = None
    estimated_cost: int | None = Field(default=None, ge=0, le=10**15)
    sector: Sector | None = None

    @model_validator(mode="after")
    def _text(self) -> IdeaSubmitted:
        _sealed_or_plain(self.sealed, {"title": self.title, "body": self.body, "tags": self.tags},
                         ("title", "body"))
        return self

    def plain_text(self) -> IdeaText | None:
        """The text of an event from before sealing (None when sealed)."""
        if self.sealed is not None:
            return None
        return _plain_idea_text(self.title, self.body, self.tags)


@upcaster("idea.submitted", from_version=1)
def _idea_submitted_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    lifted = {k: v for k, v in payload.items() if k != "text"}
    lifted["body"] = payload.get("text")
    lifted.setdefault("tags", [])
    return lifted


@upcaster("idea.submitted", from_version=2)
def _idea_submitted_v2_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
    return dict(payload)  # the plain fields stay: only the edge can seal


@event
class IdeaRevised(_IdeaEvent):
    """The author revised their idea; every revision is kept and credited. Version 2 seals
    title, body and tags (`IdeaText`) under the author's key."""

    __event_type__ = "idea.revised"
    __version__ = 2

    sealed: Sealed | None = None
    title: ShortText | None = None
    body: LongText | None = None
    tags: Tags = []

    @model_validator(mode="after")
    def _text(self) -> IdeaRevised:
        _sealed_or_plain(self.sealed, {"title": self.title, "body": self.body, "tags": self.tags},
                         ("title", "body"))
        return self

    def plain_text(self) -> IdeaText | None:
        """The text of an event from before sealing (None when sealed)."""
        if self.sealed is not None:
            return None
        return _plain_idea_text(self.title, self.body, self.tags)


@upcaster("idea.revised", from_version=1)
def _idea_revised_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return dict(payload)  # the plain fields stay: only the edge can seal


class FlagReason(StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    DUPLICATE = "duplicate"
    OTHER = "other"


@event
class IdeaFlagged(_IdeaEvent):
    """A participant flagged an idea (once per idea per participant). Version 2 seals the
    flagger's note (`NoteText`) under the flagger's key; the reason is a fixed choice."""

    __event_type__ = "idea.flagged"
    __version__ = 2

    reason: FlagReason
    sealed: Sealed | None = None
    note: Reason | None = None

    @model_validator(mode="after")
    def _text(self) -> IdeaFlagged:
        _sealed_or_plain(self.sealed, {"note": self.note}, ())
        return self


@upcaster("idea.flagged", from_version=1)
def _idea_flagged_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return dict(payload)  # the plain fields stay: only the edge can seal


@event
class IdeaWithdrawn(_IdeaEvent):
    """The author withdrew their idea. Version 2 seals the author's reason (`ReasonText`)."""

    __event_type__ = "idea.withdrawn"
    __version__ = 2

    sealed: Sealed | None = None
    reason: Reason | None = None

    @model_validator(mode="after")
    def _text(self) -> IdeaWithdrawn:
        _sealed_or_plain(self.sealed, {"reason": self.reason}, ())
        return self


@upcaster("idea.withdrawn", from_version=1)
def _idea_withdrawn_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return dict(payload)  # the plain fields stay: only the edge can seal
