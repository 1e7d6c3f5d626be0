"""What the ideas projection's handlers of one batch share: the store, what the batch refuses
and publishes, the ideas it touched; and the sealing of titles for the status events.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

import asyncpg

from schemas.base import BY_MODEL
from schemas.common import Sealed
from schemas.envelope import Envelope, utcnow
from schemas.moderation import IdeaStatus, IdeaStatusChanged, StatusText
from services.ideas.comments.projections import CommentsStore
from services.ideas.projections import IdeasStore, Texts
from services.infra import vault
from services.infra.consumer import Message, Outcome
from services.infra.vault import ERASED

SYSTEM_ACTOR = "system:ideas"

Handler = Callable[["BatchContext", list[Message]], Awaitable[None]]


class BatchContext:
    """What the handlers of one batch share: the store, the outcome, the ideas touched."""

    def __init__(self, store: IdeasStore, park_for: timedelta) -> None:
        self.store = store
        self.outcome = Outcome()
        self.touched: set[uuid.UUID] = set()
        self.new_ideas: set[uuid.UUID] = set()
        self.park_for = park_for
        self.envelopes: dict[uuid.UUID, Envelope] = {}
        self.revised: set[uuid.UUID] = set()  # ideas whose revisions may be settled now
        self.texts: Texts = {}  # participant text of the batch's events, opened
        self.comment_store = CommentsStore(store.conn, store.s)
        self.comments: set[uuid.UUID] = set()  # comments whose status may change
        self.new_comments: set[uuid.UUID] = set()



async def seal_titles(conn: asyncpg.Connection, items: Sequence[tuple[str, str | None]],
                       reasons: Sequence[str | None] | None = None) -> list[Sealed | None]:
    """The authors' titles (and withdrawal reasons) sealed for the status events other services
    read, under each author's key; None for an erased title or author (the event then names
    no title, and nothing is sealed under a key made for an erased participant)."""
    reasons = reasons or [None] * len(items)
    wanted = [(i, author, StatusText(title=title, reason=reason).model_dump(mode="json"))
              for i, ((author, title), reason) in enumerate(zip(items, reasons, strict=True))
              if title is not None and title != ERASED]
    out: list[Sealed | None] = [None] * len(items)
    for (i, _, _), sealed in zip(wanted, await vault.seal_many(
            conn, [(author, fields) for _, author, fields in wanted]), strict=True):
        out[i] = sealed
    return out


_STATUS_CHANGED = BY_MODEL[IdeaStatusChanged]
STATUS_CHANGED_TYPE = _STATUS_CHANGED.event_type


def status_changed(change: dict[str, object], *, actor: str, occurred_at: datetime,
                   event_id: uuid.UUID, correlation_id: uuid.UUID, causation_id: uuid.UUID,
                   recorded_at: datetime | None = None) -> Envelope:
    """The `IdeaStatusChanged` envelope a re-fold publishes, built from values the batch has
    already validated (the stored idea, the fold's state, a title sealed here) without
    validating them again: a batch of new ideas publishes one per idea. The same envelope, byte
    for byte, as `Envelope.wrap(IdeaStatusChanged(**change), ...)` (a unit test holds them to
    it); `change` holds the payload's fields as `IdeaStatusChanged` takes them."""
    sealed = change.get("sealed")
    assert sealed is None or isinstance(sealed, Sealed)
    status, previous = change["status"], change.get("previous")
    assert isinstance(status, IdeaStatus) and (previous is None
                                               or isinstance(previous, IdeaStatus))
    merged_into = change.get("merged_into")
    payload = {
        "idea_id": str(change["idea_id"]), "campaign_id": str(change["campaign_id"]),
        "status": status.value, "previous": previous.value if previous is not None else None,
        "reason": change.get("reason"),
        "merged_into": str(merged_into) if merged_into is not None else None,
        "sealed": {"key": str(sealed.key), "nonce": sealed.nonce,
                   "ciphertext": sealed.ciphertext} if sealed is not None else None,
        "title": None, "cost": change.get("cost")}
    return Envelope.model_construct(
        event_id=event_id, type=_STATUS_CHANGED.event_type, version=_STATUS_CHANGED.version,
        occurred_at=occurred_at, recorded_at=recorded_at or utcnow(), actor=actor,
        correlation_id=correlation_id, causation_id=causation_id, payload=payload)
