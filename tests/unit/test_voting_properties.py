"""Vote rules as properties over generated histories: the budget, withdrawals, merges, and that
deciding the same votes in one batch or in two gives the same tallies."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.campaigns import VoteMode
from schemas.moderation import IdeaStatus
from services.voting import domain
from services.voting.domain import ActiveVote, Campaign, Idea, Rules, StatusChange, Vote, judge

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, tzinfo=UTC)
VOTERS = ("ana", "bo", "cy")
N_IDEAS = 5

# one step: (voter, idea index, cast?, value)
steps = st.lists(st.tuples(st.sampled_from(VOTERS), st.integers(0, N_IDEAS - 1), st.booleans(),
                           st.sampled_from([1, -1])), max_size=40)


def world(mode: VoteMode, budget: int, merges: dict[int, int]
          ) -> tuple[Campaign, list[Idea], dict[uuid.UUID, Idea]]:
    """A campaign open from T0 and its ideas, published at T0; `merges`: i -> j merged at T0."""
    c = Campaign(uuid.uuid4(), T0, T0 + timedelta(days=10), (Rules(None, mode, budget),))
    ids = [uuid.uuid4() for _ in range(N_IDEAS)]
    ideas = []
    for n, iid in enumerate(ids):
        history = [StatusChange(T0 - timedelta(hours=1), IdeaStatus.PUBLISHED, None)]
        if n in merges:
            history.append(StatusChange(T0, IdeaStatus.MERGED, ids[merges[n]]))
        ideas.append(Idea(iid, c.campaign_id, tuple(history)))
    return c, ideas, {i.idea_id: i for i in ideas}


def votes_of(c: Campaign, ideas: list[Idea], plan: list[tuple[str, int, bool, int]]) -> list[Vote]:
    return [Vote(uuid.uuid4(), domain.CAST if is_cast else domain.WITHDRAW, voter, c.campaign_id,
                 ideas[n].idea_id, value if is_cast else 0, T0 + timedelta(minutes=k + 1))
            for k, (voter, n, is_cast, value) in enumerate(plan)]


def live(j: domain.Judgement) -> list[domain.Verdict]:
    """The votes that count after the batch (not withdrawn, not replaced)."""
    return [v for v in j.verdicts if v.state == domain.COUNTED]


merges_st = st.dictionaries(st.integers(0, N_IDEAS - 1), st.integers(0, N_IDEAS - 1),
                            max_size=2).map(lambda m: {k: v for k, v in m.items()
                                                       if k != v and v not in m})


@settings(max_examples=150, deadline=None)
@given(plan=steps, budget=st.integers(1, 4), mode=st.sampled_from(list(VoteMode)),
       merges=merges_st)
def test_no_voter_ever_holds_more_votes_than_the_budget_and_tallies_count_what_holds(
    plan: list[tuple[str, int, bool, int]], budget: int, mode: VoteMode, merges: dict[int, int],
) -> None:
    c, ideas, by_id = world(mode, budget, merges)
    j = judge(votes_of(c, ideas, plan), {}, {c.campaign_id: c}, by_id)
    holding = live(j)
    per_voter = Counter(v.vote.voter_id for v in holding)
    assert all(n <= budget for n in per_voter.values()), per_voter
    # one live vote per voter and target idea: a merge never lets a voter count twice
    assert len({(v.vote.voter_id, v.target_id) for v in holding}) == len(holding)
    # a vote counts for the idea its idea was merged into, never for a merged idea
    merged = {ideas[n].idea_id for n in merges}
    assert not any(v.target_id in merged for v in holding)
    # the tally deltas are exactly the votes that hold
    expected: dict[tuple[uuid.UUID, uuid.UUID], list[int]] = {}
    for v in holding:
        assert v.target_id is not None
        d = expected.setdefault((c.campaign_id, v.target_id), [0, 0])
        d[0 if v.vote.value > 0 else 1] += 1
    assert {k: d for k, d in j.deltas.items() if d != [0, 0]} == expected
    if mode is VoteMode.SUPPORT:
        assert all(v.vote.value == 1 for v in holding)


@settings(max_examples=150, deadline=None)
@given(plan=steps, budget=st.integers(1, 3))
def test_a_withdrawal_applies_exactly_when_the_voter_holds_a_vote_and_frees_its_budget(
    plan: list[tuple[str, int, bool, int]], budget: int,
) -> None:
    c, ideas, by_id = world(VoteMode.SUPPORT, budget, {})
    votes = votes_of(c, ideas, [(voter, n, is_cast, 1) for voter, n, is_cast, _ in plan])
    j = judge(votes, {}, {c.campaign_id: c}, by_id)
    held: dict[str, set[uuid.UUID]] = {v: set() for v in VOTERS}
    for verdict in j.verdicts:  # replay: what the voter would see after each step
        vote = verdict.vote
        mine = held[vote.voter_id]
        if vote.kind == domain.WITHDRAW:
            assert (verdict.state == domain.APPLIED) == (vote.idea_id in mine)
            mine.discard(vote.idea_id)
        elif vote.idea_id in mine:
            assert verdict.reason == "duplicate"
        elif len(mine) >= budget:
            assert verdict.reason == "budget_exceeded"
        else:
            assert verdict.state in (domain.COUNTED, domain.WITHDRAWN), verdict
            mine.add(vote.idea_id)


@settings(max_examples=100, deadline=None)
@given(plan=steps, budget=st.integers(1, 4), mode=st.sampled_from(list(VoteMode)),
       merges=merges_st, cut=st.integers(0, 40))
def test_deciding_in_two_batches_gives_the_tallies_of_one(
    plan: list[tuple[str, int, bool, int]], budget: int, mode: VoteMode, merges: dict[int, int],
    cut: int,
) -> None:
    c, ideas, by_id = world(mode, budget, merges)
    votes = votes_of(c, ideas, plan)
    campaigns = {c.campaign_id: c}
    whole = judge(votes, {}, campaigns, by_id)
    first = judge(votes[:cut], {}, campaigns, by_id)
    stored: dict[str, list[ActiveVote]] = {}
    for v in live(first):
        assert v.target_id is not None
        stored.setdefault(v.vote.voter_id, []).append(
            ActiveVote(v.vote.event_id, c.campaign_id, v.target_id, v.vote.value))
    second = judge(votes[cut:], stored, campaigns, by_id)
    total: Counter[tuple[uuid.UUID, uuid.UUID, int]] = Counter()
    for part in (first, second):
        for (camp, target), (up, down) in part.deltas.items():
            total[(camp, target, 0)] += up
            total[(camp, target, 1)] += down
    one: Counter[tuple[uuid.UUID, uuid.UUID, int]] = Counter()
    for (camp, target), (up, down) in whole.deltas.items():
        one[(camp, target, 0)] += up
        one[(camp, target, 1)] += down
    assert +total == +one
    assert [v.reason for v in whole.verdicts] == [
        v.reason for v in (*first.verdicts, *second.verdicts)]
