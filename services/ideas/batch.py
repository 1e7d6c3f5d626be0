"""What the ideas projection's handlers of one batch share: the store, what the batch refuses
and publishes, the ideas it touched; and the sealing of titles for the status events.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import asyncpg

from schemas.common import Sealed
from schemas.envelope import Envelope
from schemas.moderation import StatusText
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
