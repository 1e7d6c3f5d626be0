"""Steering-group reports, on `status` keyed by quarter."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from schemas import topics
from schemas.base import Payload, event

QuarterText = Annotated[str, StringConstraints(pattern=r"^\d{4}Q[1-4]$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class ReportTrigger(StrEnum):
    SCHEDULE = "schedule"  # the quarter-boundary timer
    COMMAND = "command"  # `ideastorm report`
    DEMO = "demo"


@event
class ReportPublished(Payload):
    """A quarterly steering-group report was generated and stored.

    The document itself is reproducible from the events before `cutoff` (their count and id hash
    are `event_count` / `events_hash`); the wall-clock time of generation is only here.
    """

    __event_type__ = "report.published"
    __topic__ = topics.STATUS
    __key_field__ = "quarter"

    report_id: uuid.UUID
    quarter: QuarterText
    cutoff: AwareDatetime
    event_count: int = Field(ge=0)
    events_hash: Sha256
    content_hash: Sha256
    languages: Annotated[list[Literal["da", "en"]], Field(min_length=1, max_length=2)]
    formats: Annotated[list[Literal["pdf", "html", "md", "json"]], Field(min_length=1,
                                                                          max_length=4)]
    generated_at: AwareDatetime
    trigger: ReportTrigger
