"""What a person's profile fields may hold: one rule for sign-in claims and profile edits.

These values are personal data. They never travel in an event payload: events carry participant
ids only, and names, e-mails and organisations live in the identity service's one erasable table.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

MAX_NAME = 100
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_ORGANISATION = 200

# one @, something on both sides, a dot in the domain, no spaces: what an address needs to be
# deliverable-looking; whether it really is, only the identity provider that sent it knows
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


def _printable(value: str) -> str:
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise ValueError("must not contain control characters")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address like name@example.org")
    return value


DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=MAX_NAME), AfterValidator(_printable)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_EMAIL),
                  AfterValidator(_email)]
Organisation = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=MAX_ORGANISATION),
                         AfterValidator(_printable)]
