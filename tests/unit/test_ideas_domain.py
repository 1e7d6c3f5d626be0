"""The ideas rules: campaign windows, the status fold, flags and moderator decisions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from schemas.campaigns import ModerationMode, audience_refusal
from schemas.common import Sector
from schemas.moderation import Decision, IdeaStatus
from services.ideas.domain import (
    FLAGS,
    BadCursor,
    CampaignPhase,
    CampaignWindow,
    Fact,
    FactKind,
    PageCursor,
    PageOrder,
    SubmissionRefused,
    auto_hide_reason,
    check_submission,
    credited_name,
    decision_outcome,
    flag_refusal,
    fold_status,
    may_see,
    revision_diff,
    revision_waits,
)

pytestmark = pytest.mark.unit

T0 = datetime(2025, 6, 1, tzinfo=UTC)
WINDOW = CampaignWindow(T0, T0 + timedelta(days=14), frozenset({Sector.STATE, Sector.CITIZEN}))


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def submitted(author: str = "p-1", minute: int = 0) -> Fact:
    return Fact(FactKind.SUBMITTED, uuid.uuid4(), at(minute), author)


def flag(who: str, minute: int) -> Fact:
    return Fact(FactKind.FLAGGED, uuid.uuid4(), at(minute), who)


def decided(decision: Decision, minute: int, merge_into: uuid.UUID | None = None) -> Fact:
    return Fact(FactKind.DECIDED, uuid.uuid4(), at(minute), "m-1", decision,
                f"{decision.value} because", merge_into)


def test_a_past_window_judges_submissions_by_when_they_happened() -> None:
    check_submission(WINDOW, at(60), Sector.STATE)  # inside: accepted
    assert WINDOW.phase(at(60)) is CampaignPhase.OPEN
    with pytest.raises(SubmissionRefused) as before:
        check_submission(WINDOW, at(-1), None)
    with pytest.raises(SubmissionRefused) as after:
        check_submission(WINDOW, WINDOW.closes_at, None)
    assert before.value.reason == after.value.reason == "campaign_closed"
    assert "before the campaign opened" in before.value.detail


def test_a_sector_outside_the_audience_is_refused() -> None:
    with pytest.raises(SubmissionRefused) as caught:
        check_submission(WINDOW, at(1), Sector.PRIVATE)
    assert caught.value.reason == "not_in_audience"


@pytest.mark.parametrize(("mode", "status"), [(ModerationMode.POST, IdeaStatus.PUBLISHED),
                                              (ModerationMode.PRE, IdeaStatus.PENDING)])
def test_moderation_mode_sets_the_first_status(mode: ModerationMode, status: IdeaStatus) -> None:
    sub = submitted()
    state = fold_status(mode, 3, "p-1", [sub])
    assert state.status is status and state.cause == sub.event_id


def test_enough_distinct_flaggers_hide_a_published_idea() -> None:
    facts = [submitted(), flag("a", 1), flag("b", 2)]
    assert fold_status(ModerationMode.POST, 3, "p-1", facts).status is IdeaStatus.PUBLISHED
    third = flag("c", 3)
    state = fold_status(ModerationMode.POST, 3, "p-1", [*facts, third])
    assert state.status is IdeaStatus.HIDDEN and state.by == FLAGS
    assert state.cause == third.event_id and state.reason == "flagged by 3 participants"


def test_the_same_flagger_twice_counts_once() -> None:
    facts = [submitted(), flag("a", 1), flag("a", 2), flag("b", 3)]
    assert fold_status(ModerationMode.POST, 3, "p-1", facts).status is IdeaStatus.PUBLISHED


def test_a_restore_clears_the_flags_that_hid_the_idea() -> None:
    facts = [submitted(), flag("a", 1), flag("b", 2), decided(Decision.RESTORE, 3), flag("c", 4)]
    state = fold_status(ModerationMode.POST, 2, "p-1", facts)
    assert state.status is IdeaStatus.PUBLISHED and state.by == "m-1"


def test_keeping_a_flagged_idea_published_counts_flags_again_from_the_decision() -> None:
    keep = decided(Decision.KEEP, 3)
    facts = [submitted(), flag("a", 1), flag("b", 2), keep, flag("a", 4), flag("c", 5)]
    state = fold_status(ModerationMode.POST, 3, "p-1", facts)
    # "a" flags again after the decision: two flaggers since, not three
    assert state.status is IdeaStatus.PUBLISHED and state.cause == keep.event_id
    assert state.flaggers == {"a", "c"} and state.at == at(3)
    hidden = fold_status(ModerationMode.POST, 3, "p-1", [*facts, flag("d", 6)])
    assert hidden.status is IdeaStatus.HIDDEN and hidden.by == FLAGS
    # only a published idea is kept: a hidden or pending one needs approve or restore
    assert decision_outcome(IdeaStatus.HIDDEN, Decision.KEEP) is None
    assert decision_outcome(IdeaStatus.PENDING, Decision.KEEP) is None


def test_the_fold_does_not_depend_on_arrival_order() -> None:
    facts = [submitted(), decided(Decision.APPROVE, 5), flag("a", 6), flag("b", 7),
             decided(Decision.REJECT, 9)]
    forwards = fold_status(ModerationMode.PRE, 2, "p-1", facts)
    backwards = fold_status(ModerationMode.PRE, 2, "p-1", list(reversed(facts)))
    assert forwards == backwards and forwards.status is IdeaStatus.REJECTED


def test_decisions_that_do_not_apply_change_nothing() -> None:
    state = fold_status(ModerationMode.PRE, 3, "p-1", [submitted(), decided(Decision.HIDE, 1)])
    assert state.status is IdeaStatus.PENDING
    assert decision_outcome(IdeaStatus.PUBLISHED, Decision.APPROVE) is None


def test_merge_is_final_and_names_the_target() -> None:
    target = uuid.uuid4()
    facts = [submitted(), decided(Decision.MERGE, 1, target), decided(Decision.RESTORE, 2)]
    state = fold_status(ModerationMode.POST, 3, "p-1", facts)
    assert state.status is IdeaStatus.MERGED and state.merged_into == target


def test_only_the_author_withdraws() -> None:
    other = Fact(FactKind.WITHDRAWN, uuid.uuid4(), at(1), "p-2")
    own = Fact(FactKind.WITHDRAWN, uuid.uuid4(), at(2), "p-1", reason="changed my mind")
    assert fold_status(ModerationMode.POST, 3, "p-1", [submitted(), other]).status is \
        IdeaStatus.PUBLISHED
    state = fold_status(ModerationMode.POST, 3, "p-1", [submitted(), other, own])
    assert state.status is IdeaStatus.WITHDRAWN and state.reason == "changed my mind"


def test_an_idea_not_published_is_seen_only_by_its_author_and_staff() -> None:
    assert may_see(IdeaStatus.PUBLISHED, "a-1", None, staff=False)
    for hidden in (IdeaStatus.PENDING, IdeaStatus.HIDDEN, IdeaStatus.REJECTED,
                   IdeaStatus.MERGED, IdeaStatus.WITHDRAWN):
        assert not may_see(hidden, "a-1", None, staff=False)
        assert not may_see(hidden, "a-1", "p-2", staff=False)
        assert may_see(hidden, "a-1", "a-1", staff=False)
        assert may_see(hidden, "a-1", "m-1", staff=True)


def test_a_revision_of_an_approved_idea_waits_only_in_a_pre_moderated_campaign() -> None:
    assert revision_waits(ModerationMode.PRE, IdeaStatus.PUBLISHED)
    assert revision_waits(ModerationMode.PRE, IdeaStatus.HIDDEN)
    assert not revision_waits(ModerationMode.PRE, IdeaStatus.PENDING)
    assert not revision_waits(ModerationMode.POST, IdeaStatus.PUBLISHED)


def test_the_revision_diff_shows_the_changed_title_against_the_published_one() -> None:
    diff = revision_diff(("Longer opening hours", "Open at 8.", ["library"]),
                         ("BUY CHEAP PILLS", "Open at 8.", ["library"]))
    assert "-title: Longer opening hours" in diff and "+title: BUY CHEAP PILLS" in diff
    assert "Open at 8." not in [line[1:] for line in diff.splitlines()
                                 if line.startswith(("+", "-")) and len(line) > 1]


def test_an_author_cannot_flag_their_own_idea_and_nobody_flags_twice() -> None:
    assert flag_refusal("a-1", "a-1", already_flagged=False) is not None
    assert flag_refusal("a-1", "a-1", already_flagged=False)[0] == "own_idea"  # type: ignore[index]
    assert flag_refusal("a-1", "p-2", already_flagged=True)[0] == "already_flagged"  # type: ignore[index]
    assert flag_refusal("a-1", "p-2", already_flagged=False) is None


def test_a_restricted_audience_refuses_a_participant_without_a_sector() -> None:
    everyone = frozenset(Sector)
    assert audience_refusal(everyone, None) is None
    some = frozenset({Sector.MUNICIPALITY})
    assert audience_refusal(some, None)[0] == "no_sector"  # type: ignore[index]
    assert audience_refusal(some, Sector.CITIZEN)[0] == "not_in_audience"  # type: ignore[index]
    assert audience_refusal(some, Sector.MUNICIPALITY) is None


def test_the_automatic_hide_names_its_flaggers() -> None:
    assert auto_hide_reason({"p-3", "p-1"}) == \
        "hidden automatically: flagged by 2 participants (p-1, p-3)"


def test_a_hide_by_flags_is_kept_for_the_log_even_after_a_moderator_restores_the_idea() -> None:
    second = flag("p-3", 2)
    restore = Fact(FactKind.DECIDED, uuid.uuid4(), at(3), "m-1", Decision.RESTORE, "fine")
    state = fold_status(ModerationMode.POST, 2, "p-1",
                        [submitted(), flag("p-2", 1), second, restore])
    assert state.status is IdeaStatus.PUBLISHED
    assert [(h[1], sorted(h[2])) for h in state.hides] == [(second.event_id, ["p-2", "p-3"])]


def test_an_idea_is_credited_by_name_only_in_a_campaign_that_shows_names() -> None:
    shown = {"p-1": "Ida Holm"}  # the identity service lists only people who agreed
    assert credited_name(True, "p-1", shown) == "Ida Holm"
    assert credited_name(False, "p-1", shown) is None
    assert credited_name(True, "p-2", shown) is None


# -- the campaign page's cursor


def test_a_cursor_gives_back_the_position_it_was_made_at() -> None:
    idea = uuid.uuid4()
    at = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    for cursor in (PageCursor(PageOrder.SUPPORT, 0, idea), PageCursor(PageOrder.SUPPORT, 4711, idea),
                   PageCursor(PageOrder.NEWEST, at, idea)):
        text = cursor.encode()
        assert text.isascii() and "=" not in text and "/" not in text and "+" not in text
        assert PageCursor.decode(text, cursor.order) == cursor


@pytest.mark.parametrize("text", [
    "x", "not a cursor", "a" * 300,
    PageCursor(PageOrder.SUPPORT, 3, uuid.uuid4()).encode()[:-4],  # cut short
    PageCursor(PageOrder.SUPPORT, 3, uuid.uuid4()).encode()[:10] + "A" * 20,
])
def test_a_cursor_this_service_did_not_make_is_refused_saying_so(text: str) -> None:
    with pytest.raises(BadCursor, match="not a cursor of this list"):
        PageCursor.decode(text, PageOrder.SUPPORT)


def test_a_cursor_of_the_other_order_is_refused_naming_the_order_it_belongs_to() -> None:
    support = PageCursor(PageOrder.SUPPORT, 3, uuid.uuid4()).encode()
    with pytest.raises(BadCursor, match="sorted by support, not by newest"):
        PageCursor.decode(support, PageOrder.NEWEST)
