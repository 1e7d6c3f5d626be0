"""Small shared value types."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints


class Sector(StrEnum):
    """Where a participant comes from; reports break participation down by it."""

    STATE = "state"
    MUNICIPALITY = "municipality"
    REGION = "region"
    PRIVATE = "private"
    CITIZEN = "citizen"


ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Tags = Annotated[list[Tag], Field(max_length=10)]
ParticipantId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")
]
