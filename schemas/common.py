"""Small shared value types."""

from __future__ import annotations

import unicodedata
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


class Sector(StrEnum):
    """Where a participant comes from; reports break participation down by it."""

    STATE = "state"
    MUNICIPALITY = "municipality"
    REGION = "region"
    PRIVATE = "private"
    CITIZEN = "citizen"


# Bidirectional overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069) reorder the
# text around them where it is shown: a title can read otherwise than what it holds, and spill
# into what follows it on a page or in a report. The marks U+200E / U+200F stay allowed: they
# only say which way a run of neutral characters goes, as right-to-left scripts need.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# letters and symbols that draw nothing (Hangul fillers, the blank Braille pattern)
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible(c: str) -> bool:
    """A letter, digit, punctuation mark or symbol that draws something. Not: spaces, line
    breaks, zero-width and other format characters (U+200B, U+200D, U+2060, U+FEFF, ...),
    combining marks on their own, blank fillers."""
    return unicodedata.category(c)[0] in "LNPS" and c not in _BLANK


def written_text(value: str) -> str:
    """The rule for text people write (titles, bodies, tags, notes, reasons): at least one
    visible character, and no bidirectional override, embedding or isolate control."""
    # every message's text passes here (each decode, each opened text): the common case, text
    # without controls that starts with a visible character, is answered without a Python-level
    # pass over every character
    if not BIDI_CONTROLS.isdisjoint(value):
        bidi = sorted({f"U+{ord(c):04X}" for c in value if c in BIDI_CONTROLS})
        raise ValueError(f"contains bidirectional control characters ({', '.join(bidi)}),"
                         " which make text show otherwise than it reads")
    for c in value:
        if visible(c):
            return value
    raise ValueError("has no visible character (only spaces, zero-width or other"
                     " invisible characters)")


_Written = AfterValidator(written_text)
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200), _Written]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=10_000), _Written]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1_000), _Written]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=40), _Written]
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
