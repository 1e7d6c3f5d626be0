"""Request and response bodies of the ideas API. Requests are closed: unknown fields are a 422."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from schemas.campaigns import ModerationMode, VoteRules
from schemas.common import LongText, Sector, ShortText, Tags
from services.ideas.domain import CampaignPhase
from services.infra.http import Accepted


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


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
    published_ideas: int | None = None

    @classmethod
    def of(cls, row: dict[str, Any], phase: CampaignPhase) -> CampaignOut:
        return cls.model_validate({**row, "phase": phase})


class IdeaOut(BaseModel):
    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    author: str
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
