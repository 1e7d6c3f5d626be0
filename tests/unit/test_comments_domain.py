"""The rules of comments (services/ideas/comments/domain.py): where a comment starts, which
decision applies when, how flags hide and keep resets them, who sees what, what takes replies."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from schemas.campaigns import ModerationMode
from schemas.comments import CommentDecision, CommentStatus
from services.ideas.comments.domain import (
    FLAGS,
    CommentFact,
    CommentFactKind,
    applicable_comment_decisions,
    comment_flag_refusal,
    fold_comment,
    may_see_comment,
    reply_refusal,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, tzinfo=UTC)
AUTHOR = "p-author"


def fact(kind: CommentFactKind, minute: int, actor: str,
         decision: CommentDecision | None = None) -> CommentFact:
    return CommentFact(kind, uuid.uuid4(), T0 + timedelta(minutes=minute), actor, decision,
                       f"why {minute}" if decision else None)


def posted() -> CommentFact:
    return fact(CommentFactKind.POSTED, 0, AUTHOR)


def flag(minute: int, who: str) -> CommentFact:
    return fact(CommentFactKind.FLAGGED, minute, who)


def decided(minute: int, decision: CommentDecision) -> CommentFact:
    return fact(CommentFactKind.DECIDED, minute, "m-1", decision)


def test_a_pre_moderated_comment_waits_and_a_post_moderated_one_is_public_at_once() -> None:
    assert fold_comment(ModerationMode.PRE, 3, AUTHOR, [posted()]).status is CommentStatus.PENDING
    assert fold_comment(ModerationMode.POST, 3, AUTHOR, [posted()]).status \
        is CommentStatus.PUBLISHED


def test_distinct_flaggers_hide_at_the_threshold_and_keep_makes_them_count_afresh() -> None:
    facts = [posted(), flag(1, "a"), flag(2, "a"), flag(3, AUTHOR)]
    state = fold_comment(ModerationMode.POST, 2, AUTHOR, facts)
    # a repeated flag and the author's own count for nothing
    assert (state.status, state.flaggers) == (CommentStatus.PUBLISHED, frozenset({"a"}))
    hide = flag(4, "b")
    state = fold_comment(ModerationMode.POST, 2, AUTHOR, [*facts, hide])
    assert (state.status, state.by, state.cause) == (CommentStatus.HIDDEN, FLAGS, hide.event_id)
    assert [(h[1], h[2]) for h in state.hides] == [(hide.event_id, frozenset({"a", "b"}))]
    kept = fold_comment(ModerationMode.POST, 2, AUTHOR,
                        [*facts, hide, decided(5, CommentDecision.KEEP), flag(6, "c")])
    assert (kept.status, kept.flaggers) == (CommentStatus.PUBLISHED, frozenset({"c"}))
    again = fold_comment(ModerationMode.POST, 2, AUTHOR, [*facts, hide, decided(5, CommentDecision.KEEP),
                                                         flag(6, "c"), flag(7, "a")])
    assert again.status is CommentStatus.HIDDEN and len(again.hides) == 2


def test_the_order_facts_arrive_in_does_not_change_the_status() -> None:
    facts = [posted(), decided(1, CommentDecision.APPROVE), flag(2, "a"), flag(3, "b"),
             decided(4, CommentDecision.RESTORE), decided(5, CommentDecision.HIDE)]
    results = {fold_comment(ModerationMode.PRE, 2, AUTHOR, list(order))
               for order in itertools.permutations(facts)}
    assert len(results) == 1
    assert results.pop().status is CommentStatus.HIDDEN


def test_a_decision_that_does_not_apply_changes_nothing_and_withdrawal_is_final() -> None:
    facts = [posted(), decided(1, CommentDecision.HIDE)]  # a pending comment cannot be hidden
    assert fold_comment(ModerationMode.PRE, 3, AUTHOR, facts).status is CommentStatus.PENDING
    someone_else = fact(CommentFactKind.WITHDRAWN, 2, "p-other")
    assert fold_comment(ModerationMode.PRE, 3, AUTHOR, [*facts, someone_else]).status \
        is CommentStatus.PENDING
    gone = [*facts, fact(CommentFactKind.WITHDRAWN, 2, AUTHOR), decided(3, CommentDecision.APPROVE)]
    assert fold_comment(ModerationMode.PRE, 3, AUTHOR, gone).status is CommentStatus.WITHDRAWN
    assert applicable_comment_decisions(CommentStatus.WITHDRAWN) == []


@pytest.mark.parametrize(("status", "decisions"), [
    (CommentStatus.PENDING, ["approve", "reject"]),
    (CommentStatus.PUBLISHED, ["reject", "hide", "keep"]),
    (CommentStatus.HIDDEN, ["approve", "reject", "restore", "keep"]),
    (CommentStatus.REJECTED, ["restore"]),
])
def test_which_decisions_apply_from_which_status(status: CommentStatus,
                                                 decisions: list[str]) -> None:
    assert [d.value for d in applicable_comment_decisions(status)] == decisions


def test_who_sees_a_comment() -> None:
    for status in CommentStatus:
        public = status is CommentStatus.PUBLISHED
        assert may_see_comment(status, AUTHOR, None, staff=False) is public
        assert may_see_comment(status, AUTHOR, "p-other", staff=False) is public
        assert may_see_comment(status, AUTHOR, "m-1", staff=True)
        assert may_see_comment(status, AUTHOR, AUTHOR, staff=False) is (
            status is not CommentStatus.WITHDRAWN)


def test_replies_and_flags_that_are_refused() -> None:
    def code(refusal: tuple[str, str] | None) -> str | None:
        return refusal[0] if refusal else None

    assert code(reply_refusal(CommentStatus.PUBLISHED, parent_has_parent=False)) is None
    assert code(reply_refusal(CommentStatus.PUBLISHED, parent_has_parent=True)) == "reply_to_reply"
    assert code(reply_refusal(CommentStatus.PENDING, parent_has_parent=False)) \
        == "parent_not_published"
    assert code(comment_flag_refusal(AUTHOR, AUTHOR, already_flagged=False)) == "own_comment"
    assert code(comment_flag_refusal(AUTHOR, "a", already_flagged=True)) \
        == "comment_already_flagged"
    assert code(comment_flag_refusal(AUTHOR, "a", already_flagged=False)) is None
