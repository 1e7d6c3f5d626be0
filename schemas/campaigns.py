"""Campaign lifecycle events, on `status` keyed by campaign id."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Literal, Self, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from schemas import topics
from schemas.base import Payload, event
from schemas.common import LongText, Reason, Sector, ShortText


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


class AnswerThreshold(BaseModel):
    """A campaign's promise: an idea with `supports` supports is officially answered within
    `days` days of reaching them (the ideas service derives `idea.answer_due`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    supports: int = Field(ge=1, le=10**9)
    days: int = Field(ge=1, le=365)


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
    # a participatory budget: what the selection rules fund ideas within (currency units), and
    # the fewest votes an idea needs to be funded at all (Pabulib's min_project_score_threshold)
    budget: int | None = Field(default=None, ge=0, le=10**15)
    min_votes_to_fund: int | None = Field(default=None, ge=0, le=10**9)
    vote_times: VoteTimes = VoteTimes.RECORDED  # optional: absent on older events
    # whether the campaign's pages credit ideas to their authors by name (each author must
    # also agree, in their profile); optional: absent on older events, which show no names
    shows_author_names: bool = False
    # where an imported campaign came from (e.g. a public participatory-budget data set): set,
    # the campaign is not one of the centre's own ideastorms; optional: absent on older events
    imported_from: ShortText | None = None
    # ideas with this many supports must be answered within so many days; optional: absent on
    # older events, which promise no answer
    answer_threshold: AnswerThreshold | None = None

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


# what a `CampaignChanged` may name in `changed`: every setting staff may change after creating
CampaignSetting = Literal["title", "question", "description", "opens_at", "closes_at",
                          "audience", "moderation", "vote_rules", "flag_threshold", "budget",
                          "min_votes_to_fund", "shows_author_names", "answer_threshold"]
CHANGEABLE: tuple[str, ...] = get_args(CampaignSetting)


@event
class CampaignChanged(_Campaign):
    """Staff changed a campaign's settings (the ideas service's `domain.check_change` says what
    may change when). It carries every changeable setting as it is after the change, and names
    in `changed` the ones this change set: a consumer applies exactly those, so two changes made
    one right after the other (the second asked before the first was applied anywhere) never
    undo each other, and applying one twice changes nothing. Same topic and key as
    `campaign.created`, so every consumer sees a campaign's changes after its creation and in
    the order they were made."""

    __event_type__ = "campaign.changed"

    changed: Annotated[list[CampaignSetting], Field(min_length=1, max_length=len(CHANGEABLE))]
    title: ShortText
    question: Annotated[str, Field(min_length=1, max_length=1_000)]
    description: LongText | None = None
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    audience: Annotated[list[Sector], Field(min_length=1, max_length=5)]
    moderation: ModerationMode
    vote_rules: VoteRules
    flag_threshold: int = Field(ge=1, le=1_000)
    budget: int | None = Field(default=None, ge=0, le=10**15)
    min_votes_to_fund: int | None = Field(default=None, ge=0, le=10**9)
    shows_author_names: bool
    answer_threshold: AnswerThreshold | None = None  # optional: absent on older events
    reason: Reason | None = None  # why, for the record (optional)

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        if len(set(self.changed)) != len(self.changed):
            raise ValueError("changed names a setting twice")
        return self


def audience_refusal(audience: frozenset[Sector], sector: Sector | None
                     ) -> tuple[str, str] | None:
    """Why a participant of `sector` may not take part (submit, vote) in a campaign open to
    `audience`, as (code, message), or None. One rule for ideas and votes.

    A campaign open to every sector takes anyone; one that restricts its audience refuses a
    participant whose token names no sector, since nothing shows they belong to it.
    """
    if audience >= frozenset(Sector):
        return None
    allowed = ", ".join(sorted(s.value for s in audience))
    if sector is None:
        return ("no_sector", f"the campaign is open only to the sectors {allowed}, and your "
                             "sign-in names no sector")
    if sector not in audience:
        return ("not_in_audience",
                f"the campaign is open only to the sectors {allowed}, not {sector.value!r}")
    return None
