"""Campaign lifecycle events, on `status` keyed by campaign id."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from schemas import topics
from schemas.base import Payload, event
from schemas.common import LongText, Sector, ShortText


class VoteMode(StrEnum):
    SUPPORT = "support"  # +1 only
    UPDOWN = "updown"  # +1 or -1


class VoteTimes(StrEnum):
    """Whether the times of a campaign's votes are when they were cast (`recorded`), or were
    made up by an import from a source that has none (`synthetic`: Pabulib ballots carry no
    time, so the importer spreads them over the window); reports draw no timing from those."""

    RECORDED = "recorded"
    SYNTHETIC = "synthetic"


class ModerationMode(StrEnum):
    PRE = "pre"  # hidden until a moderator approves
    POST = "post"  # visible at once, hideable


class VoteRules(BaseModel):
    """What the voting service enforces for a campaign."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: VoteMode = VoteMode.SUPPORT
    max_votes_per_participant: int = Field(default=5, ge=1, le=10_000)


class _Campaign(Payload):
    __topic__ = topics.STATUS
    __key_field__ = "campaign_id"

    campaign_id: uuid.UUID


@event
class CampaignCreated(_Campaign):
    """Staff created a campaign; it opens and closes by itself at `opens_at` / `closes_at`."""

    __event_type__ = "campaign.created"

    title: ShortText
    question: Annotated[str, Field(min_length=1, max_length=1_000)]
    description: LongText | None = None
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    audience: Annotated[list[Sector], Field(min_length=1, max_length=5)] = list(Sector)
    moderation: ModerationMode = ModerationMode.PRE
    vote_rules: VoteRules = VoteRules()
    flag_threshold: int = Field(default=3, ge=1, le=1_000)
    vote_times: VoteTimes = VoteTimes.RECORDED  # optional: absent on older events

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


@event
class CampaignOpened(_Campaign):
    """The campaign's window began (`occurred_at` is its `opens_at`)."""

    __event_type__ = "campaign.opened"


@event
class CampaignClosed(_Campaign):
    """The campaign's window ended (`occurred_at` is its `closes_at`)."""

    __event_type__ = "campaign.closed"


@event
class VoteRulesChanged(_Campaign):
    """New vote rules, in force for votes whose `occurred_at` is at or after `effective_from`."""

    __event_type__ = "campaign.vote_rules_changed"

    vote_rules: VoteRules
    effective_from: AwareDatetime
    reason: Annotated[str, Field(min_length=1, max_length=1_000)]
