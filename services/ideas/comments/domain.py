"""The rules of comments, pure: the status a comment starts in, which moderator decisions apply
from which status, flags and the hide by flags, who may see a comment, and what may be replied to.

A comment's status is a fold of its facts (posted, flagged, decided, withdrawn) in `occurred_at`
order, like an idea's (`services.ideas.domain.fold_status`), so the facts may arrive in any order
(decisions on `status`, the rest on `ideas.submissions`) and a replay folds to the same status.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from schemas.campaigns import ModerationMode
from schemas.comments import CommentDecision, CommentStatus

# `by` of a comment hidden because enough participants flagged it
FLAGS = "flags"

# Which statuses each decision applies to, and what it leads to. Every decision that applies
# starts the flag count again (a moderator has looked at the comment); `keep` says just that.
_DECISIONS: dict[CommentDecision, tuple[frozenset[CommentStatus], CommentStatus]] = {
    CommentDecision.APPROVE: (frozenset({CommentStatus.PENDING, CommentStatus.HIDDEN}),
                              CommentStatus.PUBLISHED),
    CommentDecision.REJECT: (frozenset({CommentStatus.PENDING, CommentStatus.PUBLISHED,
                                        CommentStatus.HIDDEN}), CommentStatus.REJECTED),
    CommentDecision.HIDE: (frozenset({CommentStatus.PUBLISHED}), CommentStatus.HIDDEN),
    CommentDecision.RESTORE: (frozenset({CommentStatus.HIDDEN, CommentStatus.REJECTED}),
                              CommentStatus.PUBLISHED),
    # flags found unfounded: a comment hidden by them is shown again, and they count afresh
    CommentDecision.KEEP: (frozenset({CommentStatus.PUBLISHED, CommentStatus.HIDDEN}),
                           CommentStatus.PUBLISHED),
}


def initial_comment_status(moderation: ModerationMode) -> CommentStatus:
    """Pre-moderated campaign: pending until a moderator approves; post-moderated: at once."""
    return CommentStatus.PUBLISHED if moderation is ModerationMode.POST else CommentStatus.PENDING


def comment_decision_outcome(current: CommentStatus,
                             decision: CommentDecision) -> CommentStatus | None:
    """The status a decision leads to from `current`, or None when it does not apply (a
    withdrawn comment takes no decision)."""
    applies_to, result = _DECISIONS[decision]
    return result if current in applies_to else None


def applicable_comment_decisions(current: CommentStatus) -> list[CommentDecision]:
    return [d for d in CommentDecision if comment_decision_outcome(current, d) is not None]


class CommentFactKind(StrEnum):
    POSTED = "posted"
    FLAGGED = "flagged"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class CommentFact:
    """One thing that happened to a comment and may change its status."""

    kind: CommentFactKind
    event_id: uuid.UUID
    occurred_at: datetime
    actor: str
    decision: CommentDecision | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CommentState:
    """A comment's status, why, by whom, when, and the event that caused it."""

    status: CommentStatus
    reason: str | None
    by: str
    at: datetime
    cause: uuid.UUID
    flaggers: frozenset[str] = field(default=frozenset())  # distinct, since the last decision
    # every hide by flags on the way, even one a moderator undid later: (at, flag, flaggers)
    hides: tuple[tuple[datetime, uuid.UUID, frozenset[str]], ...] = ()


_ORDER = {CommentFactKind.POSTED: 0, CommentFactKind.FLAGGED: 1, CommentFactKind.DECIDED: 1,
          CommentFactKind.WITHDRAWN: 1}


def fold_comment(moderation: ModerationMode, flag_threshold: int, author: str,
                 facts: Iterable[CommentFact]) -> CommentState:
    """Fold a comment's facts (in `occurred_at` order) into its current status.

    Flags count distinct participants since the last decision that applied; reaching the
    campaign's threshold hides a published comment until a moderator decides. A decision that
    does not apply to the status at its time changes nothing; a withdrawal (by the author) is
    final.
    """
    ordered = sorted(facts, key=lambda f: (f.occurred_at, _ORDER[f.kind], str(f.event_id)))
    if not ordered or ordered[0].kind is not CommentFactKind.POSTED:
        raise ValueError("a comment's facts start with its posting")
    first = ordered[0]
    state = CommentState(initial_comment_status(moderation), None, first.actor,
                         first.occurred_at, first.event_id)
    for fact in ordered[1:]:
        nxt = _step(state, fact, flag_threshold, author)
        if (fact.kind is CommentFactKind.FLAGGED and nxt.status is CommentStatus.HIDDEN
                and nxt.cause == fact.event_id):
            nxt = replace(nxt, hides=(*state.hides, (fact.occurred_at, fact.event_id,
                                                      nxt.flaggers)))
        state = nxt
    return state


def _step(state: CommentState, fact: CommentFact, threshold: int, author: str) -> CommentState:
    if state.status is CommentStatus.WITHDRAWN:
        return state
    if fact.kind is CommentFactKind.FLAGGED:
        if fact.actor == author:
            return state
        flaggers = state.flaggers | {fact.actor}
        if state.status is CommentStatus.PUBLISHED and len(flaggers) >= threshold:
            return replace(state, status=CommentStatus.HIDDEN,
                           reason=f"flagged by {len(flaggers)} participants", by=FLAGS,
                           at=fact.occurred_at, cause=fact.event_id, flaggers=flaggers)
        return replace(state, flaggers=flaggers)
    if fact.kind is CommentFactKind.WITHDRAWN:
        if fact.actor != author:
            return state
        return replace(state, status=CommentStatus.WITHDRAWN, reason=None, by=fact.actor,
                       at=fact.occurred_at, cause=fact.event_id, flaggers=frozenset())
    if fact.kind is CommentFactKind.DECIDED and fact.decision is not None:
        result = comment_decision_outcome(state.status, fact.decision)
        if result is None:
            return state
        return replace(state, status=result, reason=fact.reason, by=fact.actor,
                       at=fact.occurred_at, cause=fact.event_id, flaggers=frozenset())
    return state


def may_see_comment(status: CommentStatus, author: str, viewer: str | None,
                    staff: bool) -> bool:
    """The public rule (`CommentStatus.public`): a published comment is shown to everyone; its
    author also sees it while it waits, is hidden or rejected (not once withdrawn); staff see
    every comment."""
    if status.public or staff:
        return True
    return viewer is not None and viewer == author and status is not CommentStatus.WITHDRAWN


def reply_refusal(parent_status: CommentStatus, parent_has_parent: bool
                  ) -> tuple[str, str] | None:
    """Why a reply to this comment is refused: one level of replies, to a published comment."""
    if parent_has_parent:
        return ("reply_to_reply", "a reply can only answer a top-level comment")
    if not parent_status.public:
        return ("parent_not_published", "the comment replied to is not published")
    return None


def comment_flag_refusal(author: str, flagger: str, already_flagged: bool
                         ) -> tuple[str, str] | None:
    """Why a flag is refused: no one flags their own comment; a participant flags once."""
    if flagger == author:
        return ("own_comment", "you cannot flag your own comment")
    if already_flagged:
        return ("comment_already_flagged", "you have already flagged this comment")
    return None


def comment_hide_reason(flaggers: Iterable[str]) -> str:
    """The moderation log's reason for a comment hidden by flags: who flagged it."""
    who = sorted(flaggers)
    return f"hidden automatically: flagged by {len(who)} participants ({', '.join(who)})"
