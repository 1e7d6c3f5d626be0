"""Which events carry sealed participant text, what it holds, and what erased text reads as.

The vault (services/infra/vault.py) opens a `Sealed` object into the event's `TextFields` model
below; an event from before sealing has the same fields in plain (`plain_text`). Where the key
has been destroyed, consumers show `erased_text` instead.
"""

from __future__ import annotations

from schemas.base import Payload
from schemas.comments import CommentFlagged, CommentPosted, CommentText
from schemas.ideas import (
    IdeaFlagged,
    IdeaRevised,
    IdeaSubmitted,
    IdeaText,
    IdeaWithdrawn,
    NoteText,
    ReasonText,
    TextFields,
)
from schemas.moderation import IdeaRevisionPublished, IdeaStatusChanged, StatusText

# What a projection shows in place of erased text. Danish, as the pages' first language and the
# reports are; the English pages show "[erased]" for it (services/web/i18n.py, "erased_text").
ERASED = "[slettet]"

TEXT_OF: dict[type[Payload], type[TextFields]] = {
    IdeaSubmitted: IdeaText,
    IdeaRevised: IdeaText,
    IdeaFlagged: NoteText,
    IdeaWithdrawn: ReasonText,
    IdeaStatusChanged: StatusText,
    IdeaRevisionPublished: StatusText,
    CommentPosted: CommentText,
    CommentFlagged: NoteText,
}


def plain_text(payload: Payload) -> TextFields | None:
    """The text an unsealed event (older version) carries in plain, or None if it has none."""
    if isinstance(payload, IdeaSubmitted | IdeaRevised):
        return payload.plain_text()
    if isinstance(payload, IdeaFlagged):
        return NoteText(note=payload.note) if payload.note is not None else None
    if isinstance(payload, IdeaWithdrawn):
        return ReasonText(reason=payload.reason) if payload.reason is not None else None
    if isinstance(payload, IdeaStatusChanged | IdeaRevisionPublished):
        # a v1 status change's `reason` stays where it was: it cannot tell whose it is
        return StatusText(title=payload.title) if payload.title else None
    return None


def erased_text(model: type[TextFields]) -> TextFields:
    """The text of `model` after its author's erasure: every text field reads `ERASED`, lists
    are empty, optional fields absent."""
    if model is IdeaText:
        return IdeaText(title=ERASED, body=ERASED, tags=[])
    if model is NoteText:
        return NoteText(note=ERASED)
    if model is ReasonText:
        return ReasonText(reason=ERASED)
    if model is StatusText:
        return StatusText(title=ERASED)
    if model is CommentText:
        return CommentText(body=ERASED)
    raise TypeError(f"no erased form of {model.__name__}")
