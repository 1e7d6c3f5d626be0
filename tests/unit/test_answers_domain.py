"""The rules of official answers: which ideas may be answered, when a promised answer is due,
when it is overdue, and where it stands for the staff who owe it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.campaigns import AnswerThreshold
from schemas.moderation import IdeaStatus
from services.ideas.domain import (
    AnswerStanding,
    answer_due,
    answer_overdue,
    answer_refusal,
    answer_standing,
)

pytestmark = pytest.mark.unit

REACHED = datetime(2026, 3, 2, 10, tzinfo=UTC)
PROMISE = AnswerThreshold(supports=50, days=14)
DUE = REACHED + timedelta(days=14)


def test_only_a_published_idea_is_answered_and_a_merged_one_on_the_idea_it_lives_on_in() -> None:
    assert answer_refusal(IdeaStatus.PUBLISHED) is None
    assert answer_refusal(IdeaStatus.MERGED) == (
        "idea_merged", "the idea was merged into another: answer that idea")
    for status in (IdeaStatus.PENDING, IdeaStatus.HIDDEN, IdeaStatus.REJECTED,
                   IdeaStatus.WITHDRAWN):
        refused = answer_refusal(status)
        assert refused is not None and refused[0] == "not_published"
        assert status.value in refused[1]


def test_an_answer_is_due_the_promised_days_after_the_threshold_is_first_reached() -> None:
    assert answer_due(PROMISE, 50, REACHED, already_due=False) == DUE
    assert answer_due(PROMISE, 73, REACHED, already_due=False) == DUE  # a jump past it
    assert answer_due(PROMISE, 49, REACHED, already_due=False) is None
    assert answer_due(PROMISE, 80, REACHED, already_due=True) is None  # once per idea
    assert answer_due(None, 10_000, REACHED, already_due=False) is None  # no promise


def test_an_answer_is_overdue_when_none_was_given_by_the_due_date() -> None:
    assert not answer_overdue(DUE, None, DUE - timedelta(seconds=1))
    assert answer_overdue(DUE, None, DUE)
    assert not answer_overdue(DUE, DUE - timedelta(days=20), DUE + timedelta(days=1))
    assert not answer_overdue(DUE, DUE, DUE + timedelta(days=1))  # on the day: in time
    assert answer_overdue(DUE, DUE + timedelta(minutes=1), DUE + timedelta(days=1))  # late


def test_staff_see_a_promised_answer_due_then_overdue_until_it_is_given() -> None:
    assert answer_standing(DUE, None, REACHED) is AnswerStanding.DUE
    assert answer_standing(DUE, None, DUE) is AnswerStanding.OVERDUE
    # the clock said so (its time ran ahead of this server's): overdue
    assert answer_standing(DUE, None, REACHED, found_overdue=True) is AnswerStanding.OVERDUE
    assert answer_standing(DUE, DUE + timedelta(days=3), DUE + timedelta(days=5)) is None
