"""Request and response bodies of the ideas API. Requests are closed: unknown fields are a 422."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from schemas.campaigns import AnswerThreshold, ModerationMode, VoteRules
from schemas.common import LongText, Reason, Sector, ShortText, Tags
from schemas.ideas import FlagReason
from schemas.moderation import Decision
from schemas.participation import AnswerState, check_initiative
from services.ideas.domain import AnswerStanding, CampaignPhase, PageOrder
from services.infra.http import Accepted, StrictBody


class _Request(StrictBody):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _no_nul_characters(self) -> Self:
        # PostgreSQL cannot store U+0000 in text; refuse it here rather than downstream
        for name, value in self:
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, str) and "\x00" in v for v in values):
                raise ValueError(f"{name} contains a NUL character")
        return self


class CampaignIn(_Request):
    """A new campaign."""

    title: ShortText
    question: Annotated[str, Field(min_length=1, max_length=1_000)]
    description: LongText | None = None
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    audience: Annotated[list[Sector], Field(min_length=1, max_length=5)] = list(Sector)
    moderation: ModerationMode = ModerationMode.PRE
    vote_rules: VoteRules = VoteRules()
    flag_threshold: int = Field(default=3, ge=1, le=1_000)
    shows_author_names: bool = Field(default=False, description=(
        "credit ideas to their authors by name, for authors who agreed in their profile"))
    answer_threshold: AnswerThreshold | None = Field(default=None, description=(
        "ideas with `supports` supports are officially answered within `days` days"))

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        now = datetime.now(UTC)
        if self.opens_at < now - timedelta(days=366) or self.opens_at > now + timedelta(days=5 * 366):
            raise ValueError("opens_at must be within a year before and five years after today")
        if self.closes_at - self.opens_at > timedelta(days=2 * 366):
            raise ValueError("a campaign may stay open for at most two years")
        return self


class CampaignChangeIn(_Request):
    """A change to a campaign: only the settings given change, to the values given (`null`
    clears the description, the budget or the fewest votes to fund). What may change when:
    before the campaign opens, everything; while it is open, the text, the close (not to a
    time passed) and turning off authors' names; once it is closed, the text. A setting that
    may not change now is a 409 naming the rule; `reason` is kept with the change."""

    title: ShortText | None = None
    question: Annotated[str, Field(min_length=1, max_length=1_000)] | None = None
    description: LongText | None = None
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    audience: Annotated[list[Sector], Field(min_length=1, max_length=5)] | None = None
    moderation: ModerationMode | None = None
    vote_rules: VoteRules | None = None
    flag_threshold: int | None = Field(default=None, ge=1, le=1_000)
    budget: int | None = Field(default=None, ge=0, le=10**15, description=(
        "a participatory budget the selection rules fund ideas within (currency units)"))
    min_votes_to_fund: int | None = Field(default=None, ge=0, le=10**9)
    shows_author_names: bool | None = None
    answer_threshold: AnswerThreshold | None = Field(default=None, description=(
        "ideas with `supports` supports are officially answered within `days` days (`null`: "
        "no such promise); may change at any time"))
    reason: Reason | None = Field(default=None, description="why, kept with the change")

    @model_validator(mode="after")
    def _nulls(self) -> Self:
        cleared = sorted(n for n in self.model_fields_set - NULLABLE if getattr(self, n) is None)
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null: leave a setting out to keep it")
        if not self.model_fields_set - {"reason"}:
            raise ValueError("name at least one setting to change")
        return self


NULLABLE = frozenset({"description", "budget", "min_votes_to_fund", "answer_threshold", "reason"})


class IdeaIn(_Request):
    """A new idea, or a revision of one."""

    title: ShortText
    body: LongText
    tags: Tags = []


class AcceptedCampaign(Accepted):
    campaign_id: uuid.UUID


class AcceptedIdea(Accepted):
    idea_id: uuid.UUID


class CampaignOut(BaseModel):
    campaign_id: uuid.UUID
    title: str
    question: str
    description: str | None
    opens_at: datetime
    closes_at: datetime
    phase: CampaignPhase
    audience: list[Sector]
    moderation: ModerationMode
    vote_rules: VoteRules
    flag_threshold: int
    created_by: str
    shows_author_names: bool = False
    budget: int | None = None
    min_votes_to_fund: int | None = None
    answer_threshold: AnswerThreshold | None = None
    published_ideas: int | None = None
    fixed: dict[str, str] = Field(default={}, description=(
        "the settings that cannot change now, each with the code `PATCH /campaigns/{id}` "
        "refuses a change of it with"))

    @classmethod
    def of(cls, row: dict[str, Any], phase: CampaignPhase,
           fixed: dict[str, str] | None = None) -> CampaignOut:
        return cls.model_validate({**row, "phase": phase, "fixed": fixed or {}})


class IdeaOut(BaseModel):
    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    author: str
    # the author's display name where the campaign shows names and the author agreed
    author_name: str | None = None
    sector: Sector | None
    title: str
    body: str
    tags: list[str]
    category: str | None
    estimated_cost: int | None
    revision: int
    status: str
    status_reason: str | None
    merged_into: uuid.UUID | None
    submitted_at: datetime
    updated_at: datetime
    pending_revision: int | None = None  # a revision waiting for a moderator (author, staff)
    answer: AnswerOut | None = None  # the current official answer, if any


class PageIdea(IdeaOut):
    """A published idea on the campaign page, in its approved revision, with the voting
    service's figures for it (the same as the campaign's tally)."""

    supports: int
    opposes: int
    comments: int = Field(default=0, description="its published comments and replies")


class CampaignIdeasPage(BaseModel):
    """One page of a campaign's published ideas."""

    sort: PageOrder
    ideas: list[PageIdea]
    comments: int = Field(default=0, description="published comments and replies on the"
                                                 " campaign's published ideas")
    next: str | None = Field(description="pass as `after` (with the same `sort`) for the next"
                                         " page; null on the last page")


class FlagIn(_Request):
    """Why the idea should be looked at."""

    reason: FlagReason
    note: Reason | None = None


class WithdrawalIn(_Request):
    reason: Reason | None = None


class DecisionIn(_Request):
    """A moderator's decision; `merge_into` names the idea to merge into (merge only)."""

    idea_id: uuid.UUID
    decision: Decision
    reason: Reason
    merge_into: uuid.UUID | None = None
    revision: int | None = Field(default=None, ge=2, description=(
        "decide on this waiting revision of the idea (approve or reject) instead of the idea"))

    @model_validator(mode="after")
    def _merge_target(self) -> Self:
        if self.revision is not None and self.decision not in (Decision.APPROVE,
                                                               Decision.REJECT):
            raise ValueError("a revision is approved or rejected")
        if (self.decision is Decision.MERGE) != (self.merge_into is not None):
            raise ValueError("merge_into is required for a merge and only for a merge")
        if self.merge_into == self.idea_id:
            raise ValueError("an idea cannot be merged into itself")
        return self


class RevisionOut(BaseModel):
    revision: int
    author: str
    author_name: str | None = None  # as in IdeaOut
    title: str
    body: str
    tags: list[str]
    revised_at: datetime
    state: str  # approved, pending, rejected, superseded (only approved ones are public)


class SimilarIdea(BaseModel):
    idea_id: uuid.UUID
    title: str
    status: str  # published or pending
    similarity: float


class FlagOut(BaseModel):
    flagger: str
    reason: str
    note: str | None
    flagged_at: datetime


class PublishedContent(BaseModel):
    revision: int
    title: str
    body: str
    tags: list[str]


class QueueItem(BaseModel):
    """An idea waiting for a moderator (`kind` idea), or a revision of a published idea
    (`kind` revision: `title`/`body` are the revision's, `published` what is public now,
    `diff` the change; decide with `revision` set)."""

    kind: Literal["idea", "revision"] = "idea"
    idea_id: uuid.UUID
    revision: int | None = None
    title: str
    body: str
    tags: list[str] = []
    author: str
    status: str
    status_reason: str | None
    waiting_since: datetime
    flag_count: int
    flag_reasons: dict[str, int]
    flags: list[FlagOut] = []
    similar: list[SimilarIdea]
    published: PublishedContent | None = None
    diff: str | None = None
    decisions: list[Decision]


class QueueCampaign(BaseModel):
    campaign_id: uuid.UUID
    campaign_title: str
    ideas: list[QueueItem]


class LogEntry(BaseModel):
    """One entry of the moderation log. `kind`: a decision on an idea, on a revision of one
    (`revision`), an idea hidden by flags (moderator `system:ideas`, the flaggers in the reason),
    a held vote released or discarded (`vote_event_id`), or an official answer (`answer`: the
    decision is the answer's state)."""

    kind: Literal["idea", "revision", "auto_hide", "vote", "answer"] = "idea"
    event_id: uuid.UUID
    idea_id: uuid.UUID
    idea_title: str | None
    campaign_id: uuid.UUID
    moderator: str
    decision: Literal["approve", "reject", "hide", "restore", "merge", "keep", "release",
                      "discard", "under_consideration", "taken_forward",
                      "taken_forward_into_initiative", "not_taken_forward"]
    reason: str
    merge_into: uuid.UUID | None
    revision: int | None = None
    vote_event_id: uuid.UUID | None = None
    decided_at: datetime


# Commands: what a write route parses a request into, for its one handler in `handlers.py`.

@dataclass(frozen=True)
class CreateCampaign:
    body: CampaignIn


@dataclass(frozen=True)
class ChangeCampaign:
    campaign_id: uuid.UUID
    body: CampaignChangeIn


@dataclass(frozen=True)
class SubmitIdea:
    campaign_id: uuid.UUID
    body: IdeaIn


@dataclass(frozen=True)
class ReviseIdea:
    idea_id: uuid.UUID
    body: IdeaIn


@dataclass(frozen=True)
class FlagIdea:
    idea_id: uuid.UUID
    body: FlagIn


@dataclass(frozen=True)
class WithdrawIdea:
    idea_id: uuid.UUID
    body: WithdrawalIn


@dataclass(frozen=True)
class DecideModeration:
    body: DecisionIn


@dataclass(frozen=True)
class AnswerIdea:
    idea_id: uuid.UUID
    body: AnswerIn  # declared below, with the other bodies of official answers


Command = (CreateCampaign | ChangeCampaign | SubmitIdea | ReviseIdea | FlagIdea | WithdrawIdea
           | DecideModeration | AnswerIdea)


# official answers ------------------------------------------------------------------------------


class AnswerIn(_Request):
    """An official answer to a published idea: the state, the reason, and for
    `taken_forward_into_initiative` the action-plan initiative the idea went into."""

    state: AnswerState
    reason: Reason
    initiative_id: uuid.UUID | None = Field(default=None, description=(
        "the initiative of the action plan; required for `taken_forward_into_initiative` and"
        " only for it"))

    @model_validator(mode="after")
    def _initiative(self) -> Self:
        check_initiative(self.state, self.initiative_id)
        return self


class AnswerOut(BaseModel):
    """An idea's official answer, public with the idea."""

    state: AnswerState
    reason: str
    initiative_id: uuid.UUID | None
    answered_by: str | None = None  # who answered: shown to staff only
    answered_at: datetime


class AnswerDueOut(BaseModel):
    """An idea whose official answer its campaign promised and that is not given yet."""

    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_title: str
    title: str
    status: str
    supports: int
    threshold: int
    reached_at: datetime
    due: datetime
    standing: AnswerStanding


IdeaOut.model_rebuild()  # `answer` names a model declared after it
PageIdea.model_rebuild()
