"""vote.cast as msgspec Structs with the pydantic models' constraints, for bench/decode.py only.

No `from __future__ import annotations` here: msgspec resolves these annotations at run time.
"""

import enum
import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from schemas.common import Sector

Sectors = enum.Enum("Sectors", {s.name: s.value for s in Sector})
ParticipantId = Annotated[str, msgspec.Meta(min_length=1, max_length=128,
                                            pattern=r"^[A-Za-z0-9_.:@-]+$")]
Aware = Annotated[datetime, msgspec.Meta(tz=True)]
Fingerprint = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class Vote(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    voter_id: ParticipantId
    campaign_id: uuid.UUID
    idea_id: uuid.UUID
    value: Literal[1, -1] = 1
    sector: Sectors | None = None
    client: Fingerprint | None = None


class VoteEnvelope(msgspec.Struct, forbid_unknown_fields=True, frozen=True, tag_field="type",
                   tag="vote.cast"):
    event_id: uuid.UUID
    version: Literal[1]
    occurred_at: Aware
    recorded_at: Aware
    actor: ParticipantId
    correlation_id: uuid.UUID
    payload: Vote
    causation_id: uuid.UUID | None = None
