"""Moderation and as-of views as properties over generated histories: an idea's status does not
depend on the order its facts arrive in, only its author withdraws it, a merge is final, and a
plan view as of a day sees exactly what was known by the end of that day."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.campaigns import ModerationMode
from schemas.moderation import Decision, IdeaStatus
from schemas.plan import ActionPlanDrafted, Track
from services.ideas.domain import Fact, FactKind, fold_status
from services.reporting import domain as reporting

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
AUTHOR = "author"
TARGET = uuid.uuid4()

later_fact = st.tuples(
    st.sampled_from([FactKind.FLAGGED, FactKind.DECIDED, FactKind.WITHDRAWN]),
    st.integers(1, 500),  # minutes after the submission
    st.sampled_from([AUTHOR, "p1", "p2", "p3", "mod"]),
    st.sampled_from(list(Decision)),
)


def facts_of(steps: list[tuple[FactKind, int, str, Decision]]) -> list[Fact]:
    facts = [Fact(FactKind.SUBMITTED, uuid.uuid4(), T0, AUTHOR)]
    for kind, minutes, actor, decision in steps:
        facts.append(Fact(kind, uuid.uuid4(), T0 + timedelta(minutes=minutes), actor,
                          decision=decision if kind is FactKind.DECIDED else None,
                          reason="because",
                          merge_into=TARGET if decision is Decision.MERGE else None))
    return facts


moderations = st.sampled_from(list(ModerationMode))


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(later_fact, max_size=25), moderation=moderations,
       threshold=st.integers(1, 4), seed=st.integers(0, 2**32))
def test_an_ideas_status_does_not_depend_on_the_order_its_facts_arrive_in(
    steps: list[tuple[FactKind, int, str, Decision]], moderation: ModerationMode, threshold: int,
    seed: int,
) -> None:
    facts = facts_of(steps)
    shuffled = facts[:]
    random.Random(seed).shuffle(shuffled)
    assert (fold_status(moderation, threshold, AUTHOR, shuffled)
            == fold_status(moderation, threshold, AUTHOR, facts))


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(later_fact, max_size=25), moderation=moderations,
       threshold=st.integers(1, 4))
def test_only_the_author_withdraws_and_a_withdrawal_or_merge_is_final(
    steps: list[tuple[FactKind, int, str, Decision]], moderation: ModerationMode, threshold: int,
) -> None:
    facts = facts_of(steps)
    state = fold_status(moderation, threshold, AUTHOR, facts)
    others_withdrawals = [f for f in facts
                          if f.kind is FactKind.WITHDRAWN and f.actor != AUTHOR]
    without = [f for f in facts if f not in others_withdrawals]
    assert fold_status(moderation, threshold, AUTHOR, without) == state
    if state.status is IdeaStatus.WITHDRAWN:
        assert state.by == AUTHOR
    if state.status is IdeaStatus.MERGED:
        assert state.merged_into == TARGET
    if state.status in (IdeaStatus.WITHDRAWN, IdeaStatus.MERGED):
        # nothing that happens afterwards changes it
        after = facts_of([(kind, 1000 + m, actor, d) for kind, m, actor, d in steps])[1:]
        assert fold_status(moderation, threshold, AUTHOR, facts + after) == state


def drafted(year: int, title: str) -> ActionPlanDrafted:
    return ActionPlanDrafted(year=year, title=title, tracks=[Track(code="FINDE", title="Finde")])


@settings(max_examples=150, deadline=None)
@given(days=st.lists(st.integers(0, 60), min_size=1, max_size=8), as_of=st.integers(-1, 61),
       seed=st.integers(0, 2**32))
def test_a_plan_as_of_a_day_is_the_last_draft_known_by_the_end_of_that_day(
    days: list[int], as_of: int, seed: int,
) -> None:
    start = date(2026, 1, 1)
    facts = [reporting.Fact(uuid.uuid4(), datetime.combine(start + timedelta(days=d),
                                                           datetime.min.time(), tzinfo=UTC)
                            + timedelta(hours=n % 24),
                            T0, "planner", drafted(2026, f"draft {n}"))
             for n, d in enumerate(days)]
    shuffled = facts[:]
    random.Random(seed).shuffle(shuffled)
    day = start + timedelta(days=as_of)
    plan = reporting.fold_plan(2026, shuffled, day)
    known = [f for f in facts if f.occurred_at < reporting.end_of_day(day)]
    if not known:
        assert plan.drafted is None
    else:
        last = max(known, key=lambda f: f.order)
        assert plan.drafted == last.payload
        assert len(plan.ids) == len(known)


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2020, 1, 1), date(2030, 1, 1)), length=st.integers(0, 800),
       a=st.integers(-50, 900), b=st.integers(-50, 900))
def test_expected_progress_grows_with_the_day_from_0_to_100(
    start: date, length: int, a: int, b: int,
) -> None:
    end = start + timedelta(days=length)
    first, second = sorted((a, b))
    x = reporting.expected_percent(start, end, start + timedelta(days=first))
    y = reporting.expected_percent(start, end, start + timedelta(days=second))
    assert 0.0 <= x <= y <= 100.0
    assert reporting.expected_percent(start, end, end) == 100.0
    assert reporting.expected_percent(start, end, start - timedelta(days=1)) == 0.0
