"""Request and response bodies of the identity API. Requests are closed: unknown fields are a 422."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Reason, Sector
from schemas.people import DisplayName, Email, Organisation
from services.infra.http import StrictBody


class ProfileIn(StrictBody):
    """Your profile. `show_name`: campaigns that show authors' names may show yours."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName
    email: Email | None = None
    organisation: Organisation | None = None
    sector: Sector | None = None
    show_name: bool = False


class ProfileOut(BaseModel):
    participant_id: str
    display_name: str | None
    email: str | None
    organisation: str | None
    sector: Sector | None
    show_name: bool
    created_at: datetime
    updated_at: datetime


class ErasureIn(StrictBody):
    """Why this participant is erased (kept in the erasure log; never the erased data)."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="why, e.g. the person's written request and its date")


class ErasureOut(BaseModel):
    """One erasure in the log: whose (a pseudonymous id), who asked, when and why."""

    participant_id: str
    requested_by: str
    reason: str
    event_id: uuid.UUID
    erased_at: datetime


# Commands: what a write route parses a request into, for its one handler in `handlers.py`.

@dataclass(frozen=True)
class PutProfile:
    body: ProfileIn


@dataclass(frozen=True)
class EraseParticipant:
    participant_id: str
    reason: str | None  # None: the participant asked for their own erasure


Command = PutProfile | EraseParticipant
