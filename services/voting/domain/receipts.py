"""What a vote receipt says about its vote now, and when the vote log's head is signed.

A receipt (services/infra/transparency.py) names an event; its holder asks what became of it.
The answer uses the four words people use — counted, held, withdrawn, refused — plus `pending`
(waiting for its campaign or idea) and `unknown` (not processed yet), each with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.voting.domain import (
    APPLIED,
    COUNTED,
    DISCARDED,
    HELD,
    MERGED_DUPLICATE,
    REFUSED,
    REPLACED,
    WITHDRAWN,
)

PENDING = "pending"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ReceiptState:
    state: str  # counted | held | withdrawn | refused | pending | unknown
    reason: str
    # what the read model says, for a page to put in its own words: the vote's own state
    # (counted, replaced, merged_duplicate, discarded, applied, ...) and the reason as recorded
    # (a code such as `budget_exceeded`, maybe followed by details)
    cause: str | None = None
    code: str | None = None


_CAST = {
    COUNTED: ("counted", "the vote counts in the tally"),
    HELD: ("held", "held for moderators by the anomaly detector; it does not count until a "
                   "moderator releases it"),
    WITHDRAWN: ("withdrawn", "the voter withdrew it"),
    REPLACED: ("withdrawn", "replaced by a later vote of the same voter on the idea"),
    MERGED_DUPLICATE: ("withdrawn", "its idea was merged into one the voter also voted for; "
                                    "that vote counts"),
    DISCARDED: ("refused", "discarded by a moderator"),
    REFUSED: ("refused", "refused"),
}
_WITHDRAWAL = {
    APPLIED: ("withdrawn", "the withdrawal took effect: the vote no longer counts"),
    REFUSED: ("refused", "refused"),
}


def receipt_state(kind: str | None, state: str | None, reason: str | None,
                  parked: bool = False) -> ReceiptState:
    """The state of the vote (or withdrawal) a receipt names, from the voting read model."""
    if parked:
        return ReceiptState(PENDING, "waiting for its campaign or idea to be known", PENDING)
    if kind is None or state is None:
        return ReceiptState(UNKNOWN, "accepted, not processed yet: ask again in a moment")
    table = _CAST if kind == "cast" else _WITHDRAWAL
    word, sentence = table.get(state, (state, state))
    if reason and word in ("refused", "held"):
        sentence = f"{sentence}: {reason}"
    return ReceiptState(word, sentence, state, reason or None)


def head_due(grown: bool, campaign_closed: bool) -> bool:
    """A head is signed when the log grew since the last one, and at every campaign close
    (whether or not it grew: the close is a moment the head is cited at)."""
    return grown or campaign_closed
