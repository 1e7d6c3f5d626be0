"""Small shared value types."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


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

Base64 = r"^[A-Za-z0-9+/]*={0,2}$"


class Sealed(BaseModel):
    """Text a participant wrote, sealed under that participant's key (AES-256-GCM).

    `ciphertext` is the encrypted JSON object of the text fields it replaces (for an idea:
    title, body and tags), with the 16-byte tag appended; `key` names the key in the vault
    (services/infra/vault.py). Erasure destroys the key, after which no copy of the event (topic,
    archive, backup) can be read. The bound fits the largest JSON of the largest texts allowed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: uuid.UUID
    nonce: Annotated[str, StringConstraints(min_length=16, max_length=16, pattern=Base64)]
    ciphertext: Annotated[str, StringConstraints(min_length=24, max_length=120_000,
                                                 pattern=Base64)]
