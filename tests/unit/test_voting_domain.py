"""Vote rules decided over hand-built state: what a voter and the tallies would notice."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from schemas.campaigns import VoteMode
from schemas.common import Sector
from schemas.moderation import IdeaStatus
from services.voting import domain
from services.voting.domain import (
    ActiveVote,
    Campaign,
    Idea,
    Rules,
    StatusChange,
    StoredClientVote,
    Vote,
    clients,
    judge,
)
from services.voting.domain.holds import ClientVote, HoldRules, burst_suspects

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def campaign(mode: VoteMode = VoteMode.SUPPORT, max_votes: int = 2,
             *changes: Rules) -> Campaign:
    return Campaign(uuid.uuid4(), T0, hours(100), (Rules(None, mode, max_votes), *changes))


def idea(c: Campaign, *history: tuple[float, IdeaStatus, uuid.UUID | None]) -> Idea:
    steps = history or ((0, IdeaStatus.PUBLISHED, None),)
    return Idea(uuid.uuid4(), c.campaign_id,
                tuple(StatusChange(hours(h), s, m) for h, s, m in steps))


def cast(voter: str, c: Campaign, i: Idea, at: float = 1, value: int = 1) -> Vote:
    return Vote(uuid.uuid4(), domain.CAST, voter, c.campaign_id, i.idea_id, value, hours(at))


def withdraw(voter: str, c: Campaign, i: Idea, at: float = 2) -> Vote:
    return Vote(uuid.uuid4(), domain.WITHDRAW, voter, c.campaign_id, i.idea_id, 0, hours(at))


def run(votes: list[Vote], c: Campaign, ideas: list[Idea],
        active: dict[str, list[ActiveVote]] | None = None) -> domain.Judgement:
    return judge(votes, active if active is not None else {}, {c.campaign_id: c},
                 {i.idea_id: i for i in ideas})


def outcome(j: domain.Judgement) -> list[tuple[str, str | None]]:
    return [(v.state, v.reason) for v in j.verdicts]


def test_a_vote_counts_once_and_a_second_support_is_a_duplicate() -> None:
    c = campaign()
    a = idea(c)
    j = run([cast("v1", c, a), cast("v1", c, a, at=2), cast("v2", c, a)], c, [a])
    assert outcome(j) == [("counted", None), ("refused", "duplicate"), ("counted", None)]
    assert j.deltas == {(c.campaign_id, a.idea_id): [2, 0]}


def test_votes_outside_the_window_are_refused() -> None:
    c = campaign()
    a = idea(c)
    j = run([cast("v1", c, a, at=-1), cast("v1", c, a, at=100), cast("v1", c, a, at=99.9)], c, [a])
    assert outcome(j) == [("refused", "campaign_not_open"), ("refused", "campaign_closed"),
                          ("counted", None)]


def test_budget_is_per_campaign_and_withdrawal_frees_it() -> None:
    c = campaign(max_votes=2)
    a, b, d = idea(c), idea(c), idea(c)
    j = run([cast("v1", c, a), cast("v1", c, b), cast("v1", c, d, at=1.5),
             withdraw("v1", c, a, at=2), cast("v1", c, d, at=3)], c, [a, b, d])
    # the first vote was withdrawn later in the same batch, which freed budget for the last one
    assert outcome(j) == [("withdrawn", None), ("counted", None), ("refused", "budget_exceeded"),
                          ("applied", None), ("counted", None)]
    assert j.deltas[(c.campaign_id, a.idea_id)] == [0, 0]
    assert j.deltas[(c.campaign_id, d.idea_id)] == [1, 0]


def test_budget_counts_votes_stored_before_the_batch() -> None:
    c = campaign(max_votes=1)
    a, b = idea(c), idea(c)
    earlier = ActiveVote(uuid.uuid4(), c.campaign_id, a.idea_id, 1)
    j = run([cast("v1", c, b), withdraw("v1", c, a, at=3), cast("v1", c, b, at=4)], c, [a, b],
            {"v1": [earlier]})
    assert outcome(j) == [("refused", "budget_exceeded"), ("applied", None), ("counted", None)]
    assert j.superseded == {earlier.event_id: "withdrawn"}
    assert j.deltas[(c.campaign_id, a.idea_id)] == [-1, 0]


def test_withdrawing_without_a_vote_is_refused() -> None:
    c = campaign()
    a = idea(c)
    assert outcome(run([withdraw("v1", c, a)], c, [a])) == [("refused", "no_active_vote")]


def test_updown_replaces_the_old_value_and_support_refuses_minus_one() -> None:
    c = campaign(VoteMode.UPDOWN)
    a = idea(c)
    j = run([cast("v1", c, a, value=1), cast("v1", c, a, at=2, value=-1),
             cast("v1", c, a, at=3, value=-1)], c, [a])
    assert outcome(j) == [("replaced", None), ("counted", None), ("refused", "duplicate")]
    assert j.deltas[(c.campaign_id, a.idea_id)] == [0, 1]

    s = campaign(VoteMode.SUPPORT)
    b = idea(s)
    assert outcome(run([cast("v1", s, b, value=-1)], s, [b])) == [("refused", "invalid_value")]


def test_only_published_ideas_take_votes_judged_at_the_votes_time() -> None:
    c = campaign()
    pending = idea(c, (0, IdeaStatus.PENDING, None))
    hidden_later = idea(c, (0, IdeaStatus.PUBLISHED, None), (5, IdeaStatus.HIDDEN, None))
    rejected = idea(c, (0, IdeaStatus.REJECTED, None))
    j = run([cast("v1", c, pending), cast("v1", c, hidden_later, at=4),
             cast("v2", c, hidden_later, at=6), cast("v1", c, rejected)],
            c, [pending, hidden_later, rejected])
    assert outcome(j) == [("refused", "idea_not_votable"), ("counted", None),
                          ("refused", "idea_not_votable"), ("refused", "idea_not_votable")]


def test_a_vote_for_a_merged_idea_counts_for_the_target_once_per_voter() -> None:
    c = campaign(max_votes=5)
    target = idea(c)
    merged = idea(c, (0, IdeaStatus.PUBLISHED, None), (2, IdeaStatus.MERGED, target.idea_id))
    j = run([cast("v1", c, target), cast("v1", c, merged, at=3), cast("v2", c, merged, at=3),
             cast("v3", c, merged, at=1)], c, [target, merged])
    assert outcome(j) == [("counted", None), ("refused", "duplicate"), ("counted", None),
                          ("counted", None)]
    assert all(v.target_id == target.idea_id for v in j.verdicts)
    assert j.deltas == {(c.campaign_id, target.idea_id): [3, 0]}


def test_rules_in_force_at_the_votes_time_decide() -> None:
    c = campaign(VoteMode.SUPPORT, 1, Rules(hours(10), VoteMode.SUPPORT, 2))
    a, b = idea(c), idea(c)
    early = run([cast("v1", c, a, at=1), cast("v1", c, b, at=2)], c, [a, b])
    assert outcome(early) == [("counted", None), ("refused", "budget_exceeded")]
    late = run([cast("v1", c, a, at=1), cast("v1", c, b, at=11)], c, [a, b])
    assert outcome(late) == [("counted", None), ("counted", None)]


def test_unknown_ideas_and_campaigns_are_parked_not_refused() -> None:
    c = campaign()
    a = idea(c)
    ghost = Idea(uuid.uuid4(), c.campaign_id, (StatusChange(T0, IdeaStatus.PUBLISHED, None),))
    stray = Vote(uuid.uuid4(), domain.CAST, "v1", uuid.uuid4(), a.idea_id, 1, hours(1))
    j = run([cast("v1", c, ghost), stray], c, [a])
    assert [why for _, why in j.parked] == ["unknown_idea", "unknown_campaign"]
    assert j.verdicts == []


def test_an_idea_of_another_campaign_is_refused() -> None:
    c, other = campaign(), campaign()
    a = idea(other)
    j = run([cast("v1", c, a)], c, [a])
    assert outcome(j) == [("refused", "wrong_campaign")]


def test_a_burst_is_reported_once_per_client_and_window() -> None:
    counter = domain.BurstCounter(threshold=3, window_s=60)
    seen = [counter.seen("c1", t) for t in (0, 1, 2, 3)]
    assert seen == [None, None, 3, None]  # reported once, when the third vote arrives
    assert [counter.seen("c2", t) for t in (10, 70, 71)] == [None, None, None]  # split windows
    assert [counter.seen("c1", t) for t in (120, 121, 122)] == [None, None, 3]  # a new window
    assert all(start >= 0 for _, start in counter.counts)
    counter.seen("c3", 1_000)
    assert {key for key, _ in counter.counts} == {"c3"}  # old windows are dropped


def test_the_edge_admits_a_request_by_the_same_window_and_status_rules_as_judge() -> None:
    c = campaign()
    pending = idea(c, (0, IdeaStatus.PENDING, None))
    target = idea(c)
    merged = idea(c, (0, IdeaStatus.PUBLISHED, None), (5, IdeaStatus.MERGED, target.idea_id))
    ideas = {i.idea_id: i for i in (pending, target, merged)}

    def admit(kind: str, i: Idea, at: float) -> str | None:
        refused = domain.admit(kind, c, i, ideas, hours(at))
        return refused[0] if refused else None

    assert admit(domain.CAST, target, -1) == "campaign_not_open"
    assert admit(domain.CAST, target, 100) == "campaign_closed"
    assert admit(domain.CAST, pending, 1) == domain.IDEA_NOT_SHOWN
    # nor does a closed window or an audience give away that an unpublished idea is there
    assert admit(domain.CAST, pending, 100) == domain.IDEA_NOT_SHOWN
    assert admit(domain.CAST, merged, 6) is None  # it counts for its published target
    assert admit(domain.WITHDRAW, pending, 1) is None  # withdrawing needs only the window
    assert admit(domain.CAST, target, 1) is None
    # and judge, seeing the same cast as an event, refuses it with the same reason
    late = cast("v1", c, target, at=100)
    assert outcome(run([late], c, [target])) == [("refused", "campaign_closed")]


# -- audiences


def test_a_restricted_campaign_refuses_votes_from_other_sectors_and_from_no_sector() -> None:
    base = campaign()
    c = Campaign(base.campaign_id, base.opens_at, base.closes_at, base.rules,
                 frozenset({Sector.MUNICIPALITY}))
    a = idea(c)
    ideas = {a.idea_id: a}
    assert domain.admit(domain.CAST, c, a, ideas, hours(1), None)[0] == "no_sector"  # type: ignore[index]
    assert domain.admit(domain.CAST, c, a, ideas, hours(1), Sector.CITIZEN)[0] == \
        "not_in_audience"  # type: ignore[index]
    assert domain.admit(domain.CAST, c, a, ideas, hours(1), Sector.MUNICIPALITY) is None
    votes = [cast("v1", c, a), Vote(uuid.uuid4(), domain.CAST, "v2", c.campaign_id, a.idea_id, 1,
                                    hours(1), sector="municipality")]
    assert outcome(run(votes, c, [a])) == [("refused", "no_sector"), ("counted", None)]


def test_one_batch_judges_each_sector_by_its_own_audience_answer() -> None:
    """The audience rule is decided once per campaign and sector within a batch: each vote
    still gets its own sector's answer, whatever came before it in the batch."""
    base = campaign()
    c = Campaign(base.campaign_id, base.opens_at, base.closes_at, base.rules,
                 frozenset({Sector.MUNICIPALITY}))
    a = idea(c)
    sectors = ["municipality", "citizen", None, "municipality", "citizen", None]
    votes = [Vote(uuid.uuid4(), domain.CAST, f"v{n}", c.campaign_id, a.idea_id, 1, hours(1),
                  sector=s) for n, s in enumerate(sectors)]
    assert outcome(run(votes, c, [a])) == [
        ("counted", None), ("refused", "not_in_audience"), ("refused", "no_sector")] * 2


# -- holds

RULES = HoldRules(burst_votes=5, burst_window=timedelta(seconds=60))


def api_cast(voter: str, c: Campaign, i: Idea, seconds: float, client: str = "fp-1") -> Vote:
    return Vote(uuid.uuid4(), domain.CAST, voter, c.campaign_id, i.idea_id, 1,
                T0 + timedelta(hours=1, seconds=seconds), client=client)


def test_a_burst_from_one_client_is_held_out_of_the_tally_and_other_clients_count() -> None:
    c = campaign(max_votes=1)
    a = idea(c)
    burst = [api_cast(f"b{n}", c, a, n * 10) for n in range(5)]  # 5 votes in 40 s
    calm = [api_cast(f"c{n}", c, a, n * 61, client=f"calm-{n}") for n in range(3)]
    j = judge(burst + calm, {}, {c.campaign_id: c}, {a.idea_id: a}, [], RULES)
    states = [v.state for v in j.verdicts]
    assert states == ["held"] * 5 + ["counted"] * 3
    assert all(v.reason and v.reason.startswith("client_burst") for v in j.verdicts[:5])
    assert j.deltas[(c.campaign_id, a.idea_id)] == [3, 0]


def test_votes_spread_wider_than_the_window_are_not_held() -> None:
    c = campaign(max_votes=1)
    a = idea(c)
    spread = [api_cast(f"s{n}", c, a, n * 16) for n in range(5)]  # 5 votes over 64 s
    j = judge(spread, {}, {c.campaign_id: c}, {a.idea_id: a}, [], RULES)
    assert [v.state for v in j.verdicts] == ["counted"] * 5


def test_a_burst_completed_by_a_later_batch_holds_the_stored_votes_too() -> None:
    c = campaign(max_votes=1)
    a = idea(c)
    first = [api_cast(f"b{n}", c, a, n) for n in range(3)]
    j1 = judge(first, {}, {c.campaign_id: c}, {a.idea_id: a}, [], RULES)
    assert [v.state for v in j1.verdicts] == ["counted"] * 3
    stored = [StoredClientVote(v.event_id, "fp-1", v.occurred_at, "counted", c.campaign_id,
                               a.idea_id, 1) for v in first]
    stored[0] = StoredClientVote(first[0].event_id, "fp-1", first[0].occurred_at, "withdrawn",
                                 c.campaign_id, a.idea_id, 1)  # withdrawn: nothing to hold
    second = [api_cast(f"b{n}", c, a, n) for n in range(3, 5)]
    j2 = judge(second, {}, {c.campaign_id: c}, {a.idea_id: a}, stored, RULES)
    assert [v.state for v in j2.verdicts] == ["held", "held"]
    # the withdrawn vote still makes the burst; the two stored counted ones are held now
    assert j2.superseded == {first[1].event_id: "held", first[2].event_id: "held"}
    assert j2.deltas[(c.campaign_id, a.idea_id)] == [-2, 0]


def test_holds_do_not_depend_on_the_order_votes_arrive_in() -> None:
    base = T0
    votes = [ClientVote(uuid.uuid4(), "fp", base + timedelta(seconds=s))
             for s in (0, 5, 10, 15, 20, 200, 400, 401)]
    expected = {v.event_id for v in votes[:5]}
    assert burst_suspects(votes, RULES) == expected
    assert burst_suspects(list(reversed(votes)), RULES) == expected


def test_a_held_vote_uses_budget_and_withdrawing_it_changes_no_tally() -> None:
    c = campaign(max_votes=1)
    a, b = idea(c), idea(c)
    held = ActiveVote(uuid.uuid4(), c.campaign_id, a.idea_id, 1, held=True)
    j = run([cast("v1", c, b), withdraw("v1", c, a, at=2), cast("v1", c, b, at=3)], c, [a, b],
            active={"v1": [held]})
    assert outcome(j) == [("refused", "budget_exceeded"), ("applied", None), ("counted", None)]
    assert j.superseded == {held.event_id: "withdrawn"}
    assert (c.campaign_id, a.idea_id) not in j.deltas or j.deltas[(c.campaign_id, a.idea_id)] == [0, 0]


def test_identical_ballots_from_new_accounts_are_held_and_a_single_idea_is_not() -> None:
    c = campaign(max_votes=3)
    a, b, other = idea(c), idea(c), idea(c)
    rules = HoldRules(burst_votes=1000, ballot_voters=3, ballot_window=timedelta(minutes=10))
    pair = [api_cast(f"n{n}", c, i, n * 60, client=f"fp-{n}") for n in range(3) for i in (a, b)]
    single = [api_cast(f"s{n}", c, other, n * 60, client=f"sfp-{n}") for n in range(3)]
    j = judge(pair + single, {}, {c.campaign_id: c}, {i.idea_id: i for i in (a, b, other)},
              [], rules, {})
    assert [v.state for v in j.verdicts] == ["held"] * 6 + ["counted"] * 3
    assert j.verdicts[0].reason == rules.ballot_reason()
    # a voter seen before in another campaign is not a new account: the group is too small
    j = judge(pair, {}, {c.campaign_id: c}, {i.idea_id: i for i in (a, b)}, [], rules,
              {"n0": T0})
    assert [v.state for v in j.verdicts] == ["counted"] * 6


def test_a_ballot_that_leaves_its_group_counts_again() -> None:
    c = campaign(max_votes=3)
    a, b, extra = idea(c), idea(c), idea(c)
    rules = HoldRules(burst_votes=1000, ballot_voters=3, ballot_window=timedelta(minutes=10))
    pair = [api_cast(f"n{n}", c, i, n * 60, client=f"fp-{n}") for n in range(3) for i in (a, b)]
    stored = [StoredClientVote(v.event_id, v.client or "", v.occurred_at, "held", c.campaign_id,
                               v.idea_id, 1, v.voter_id, rules.ballot_reason()) for v in pair]
    # voter n0 adds a third idea within the window: only two identical ballots are left
    more = api_cast("n0", c, extra, 30, client="fp-0")
    j = judge([more], {}, {c.campaign_id: c}, {i.idea_id: i for i in (a, b, extra)}, stored,
              rules, {f"n{n}": pair[2 * n].occurred_at for n in range(3)})
    assert [v.state for v in j.verdicts] == ["counted"]
    assert set(j.superseded.values()) == {"counted"} and len(j.superseded) == 6
    assert j.deltas[(c.campaign_id, a.idea_id)] == [3, 0]



def test_a_vote_in_one_campaign_leaves_another_campaigns_held_ballots_alone() -> None:
    """A batch's stored votes include its clients' votes in other campaigns (for the burst
    rule), but not those campaigns' other voters: their ballot groups are not all there, and
    must not be judged, let alone released, from the part that is."""
    c, elsewhere = campaign(max_votes=3), campaign(max_votes=3)
    a, b = idea(elsewhere), idea(elsewhere)
    here = idea(c)
    rules = HoldRules(burst_votes=1000, ballot_voters=3, ballot_window=timedelta(minutes=10))
    group = [api_cast(f"n{n}", elsewhere, i, n * 60, client=f"fp-{n}")
             for n in range(3) for i in (a, b)]
    # the loader gives the votes of the batch's client fp-0 only, held as one of a group
    stored = [StoredClientVote(v.event_id, v.client or "", v.occurred_at, "held",
                               elsewhere.campaign_id, v.idea_id, 1, v.voter_id,
                               rules.ballot_reason()) for v in group if v.client == "fp-0"]
    later = api_cast("n0", c, here, 120, client="fp-0")
    j = judge([later], {}, {c.campaign_id: c, elsewhere.campaign_id: elsewhere},
              {i.idea_id: i for i in (a, b, here)}, stored, rules,
              {"n0": group[0].occurred_at})
    assert [v.state for v in j.verdicts] == ["counted"]
    assert j.superseded == {}  # the held votes of the other campaign stay held
    assert (elsewhere.campaign_id, a.idea_id) not in j.deltas


# -- client fingerprints


def test_a_fingerprint_is_keyed_per_day_and_says_nothing_without_the_key() -> None:
    today, tomorrow = b"k" * 32, b"j" * 32
    fp = clients.fingerprint(today, "192.0.2.7", "Firefox")
    assert fp == clients.fingerprint(today, "192.0.2.7", "Firefox")  # one caller, one day
    assert fp != clients.fingerprint(today, "192.0.2.8", "Firefox")
    assert fp != clients.fingerprint(tomorrow, "192.0.2.7", "Firefox")  # unlinkable across days
    assert fp != hashlib.sha256(b"192.0.2.7|Firefox").hexdigest()[:32]
    assert len(fp) == clients.FINGERPRINT_CHARS
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert clients.key_day(late) == date(2026, 3, 1)
    assert clients.key_day(late.astimezone(timezone(timedelta(hours=2)))) == date(2026, 3, 1)
    assert clients.destroy_before(date(2026, 3, 31), 30) == date(2026, 3, 1)
