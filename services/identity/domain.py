"""The identity service's rules: profiles from sign-in claims, who sees a name, erasure.

Pure: the standard library and `schemas` only.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass

from schemas.common import Sector

# what the audit log says when a participant erased themselves (`DELETE /me` takes no body)
SELF_ERASURE_REASON = "the participant asked to be erased (DELETE /me)"


@dataclass(frozen=True)
class ProfileClaims:
    """What a sign-in token says about its person (validated by the token verifier)."""

    participant_id: str
    display_name: str | None
    email: str | None
    organisation: str | None
    sector: Sector | None

    def digest(self) -> str:
        """Changes exactly when one of the claims changes."""
        fields = [self.participant_id, self.display_name, self.email, self.organisation,
                  self.sector.value if self.sector else None]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


# the profile fields a sign-in claim may set
CLAIMED_FIELDS = ("display_name", "email", "organisation", "sector")


def claims_said(claims: ProfileClaims) -> dict[str, str]:
    """What the token claims, by profile field; absent claims are left out."""
    said = {"display_name": claims.display_name, "email": claims.email,
            "organisation": claims.organisation,
            "sector": claims.sector.value if claims.sector else None}
    return {k: v for k, v in said.items() if v is not None}


def claim_changes(claims: ProfileClaims, last_said: dict[str, str] | None,
                  last_hash: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Which profile fields a sign-in sets, and what to remember its claims said.

    A claim changes its field only when it is present and says something else than the same
    claim said when it was last stored: a token without a `name` or `email` claim never blanks
    what the person wrote, and a token that says again what it said before never undoes the
    person's own edit; a claim the identity provider changed wins. `last_said` is None for a
    profile from before claims were remembered one by one: if these claims are exactly the ones
    stored then (`last_hash`), nothing changes; otherwise every present claim is taken."""
    said = claims_said(claims)
    if last_said is None and last_hash is not None and last_hash == claims.digest():
        return {}, said
    last = last_said or {}
    changes = {k: v for k, v in said.items() if last.get(k) != v}
    return changes, {**last, **said}  # an absent claim keeps what it said last time


class ClaimsMemo:
    """Which claims this process has already written for each participant (bounded, least
    recently seen forgotten first), so a request whose claims did not change writes nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._seen: OrderedDict[str, str] = OrderedDict()

    def unchanged(self, claims: ProfileClaims) -> bool:
        digest = self._seen.get(claims.participant_id)
        if digest is None:
            return False
        self._seen.move_to_end(claims.participant_id)
        return digest == claims.digest()

    def remember(self, claims: ProfileClaims) -> None:
        self._seen[claims.participant_id] = claims.digest()
        self._seen.move_to_end(claims.participant_id)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)

    def forget(self, participant_id: str) -> None:
        self._seen.pop(participant_id, None)


def shown_name(display_name: str | None, show_name: bool) -> str | None:
    """The name shown beside what a person wrote, where a campaign shows names: only with the
    person's consent (`show_name`), and only when there is a name."""
    return display_name if show_name and display_name else None


def erasure_reason(reason: str | None) -> str:
    """The reason recorded for an erasure: an admin gives one; a participant's own is fixed."""
    return reason if reason else SELF_ERASURE_REASON
