"""Judging a batch as sets (`domain.sets.judge_sets`) gives what one step per vote (`_judge`)
gives: the same verdicts in the same order, the same parked votes, superseded states and tally
changes, on whole Pabulib files and on mixed batches of every kind of vote."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clients import pabulib
from schemas.campaigns import VoteMode
from schemas.common import Sector
from schemas.moderation import IdeaStatus
from schemas.votes import VoteCast
from services.voting import domain
from services.voting.domain import (
    ActiveVote,
    Campaign,
    Idea,
    Judgement,
    Rules,
    StatusChange,
    Vote,
    _judge,
)
from services.voting.domain.sets import judge_sets
from services.voting.handlers import to_vote

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
# the files the importer replays (approval ballots), but Warsaw's (287,475 votes: its events
# take ten seconds to make; bench.voting judges it on every run)
FILES = sorted(p.name for p in DATA.glob("*.pb")
               if "warszawa" not in p.name and b"vote_type;cumulative" not in p.read_bytes())
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def seen(j: Judgement) -> dict[str, Any]:
    return {
        "verdicts": [(v.vote.event_id, v.state, v.reason, v.target_id) for v in j.verdicts],
        "parked": [(v.event_id, why) for v, why in j.parked],
        "superseded": j.superseded,
        "deltas": {k: d for k, d in j.deltas.items() if d != [0, 0]},
    }


def both(votes: list[Vote], active: dict[str, list[ActiveVote]],
         campaigns: dict[uuid.UUID, Campaign], ideas: dict[uuid.UUID, Idea]) -> Judgement:
    """Judge `votes` both ways; assert they agree; return the set-wise judgement."""
    slow = _judge(votes, active, campaigns, ideas)
    fast = judge_sets(votes, active, campaigns, ideas)
    assert seen(fast) == seen(slow)
    return fast


def counted(j: Judgement, active: dict[str, list[ActiveVote]]) -> None:
    """Carry a batch's counted votes into the next batch's stored state (no supersedes here)."""
    assert not j.superseded
    for v in j.verdicts:
        if v.state == domain.COUNTED:
            assert v.target_id is not None
            active.setdefault(v.vote.voter_id, []).append(
                ActiveVote(v.vote.event_id, v.vote.campaign_id, v.target_id, v.vote.value))


def election_world(name: str, max_votes: int | None = None
                   ) -> tuple[list[Vote], dict[uuid.UUID, Campaign], dict[uuid.UUID, Idea]]:
    election = pabulib.parse((DATA / name).read_bytes())
    opens, closes = pabulib.window(election)
    cid = pabulib.campaign_id(election)
    rules = Rules(None, VoteMode.SUPPORT, max_votes or pabulib.max_votes(election))
    campaign = Campaign(cid, opens, closes, (rules,))
    ideas = {}
    for pid in election.projects:
        iid = pabulib.idea_id(election, pid)
        ideas[iid] = Idea(iid, cid, (StatusChange(opens, IdeaStatus.PUBLISHED, None),))
    votes = []
    for env in pabulib.vote_events(election):
        payload = env.model()
        assert isinstance(payload, VoteCast)
        votes.append(to_vote(env, payload))
    return votes, {cid: campaign}, ideas


@pytest.mark.parametrize("name", FILES)
def test_a_whole_file_judged_as_sets_gives_the_same_verdicts(name: str) -> None:
    votes, campaigns, ideas = election_world(name)
    j = both(votes, {}, campaigns, ideas)
    assert [v.state for v in j.verdicts] == [domain.COUNTED] * len(votes)


@pytest.mark.parametrize("name", FILES)
def test_a_file_in_batches_with_a_smaller_budget_and_each_ballot_twice(name: str) -> None:
    # a budget of one refuses most ballots' later votes; every vote sent again (with new ids)
    # a few ballots later is a duplicate or over the budget; batches carry the stored votes
    votes, campaigns, ideas = election_world(name, max_votes=1)
    again = [v._replace(event_id=uuid.uuid4(), occurred_at=v.occurred_at + timedelta(seconds=1))
             for v in votes]
    mixed = [v for pair in zip(votes, [*again[7:], *again[:7]], strict=True) for v in pair]
    active: dict[str, list[ActiveVote]] = {}
    reasons: set[str | None] = set()
    for i in range(0, len(mixed), 997):
        j = both(mixed[i:i + 997], active, campaigns, ideas)
        reasons |= {v.reason for v in j.verdicts}
        counted(j, active)
    # (a file of one vote per ballot has nothing over a budget of one)
    assert {None, "duplicate"} <= reasons <= {None, "duplicate", "budget_exceeded"}


def mixed_world(rng: random.Random) -> tuple[dict[uuid.UUID, Campaign], dict[uuid.UUID, Idea]]:
    """Campaigns of every kind (support and updown, rules that change, a narrow audience) and
    ideas of every status history (published, pending, merged, changing, merged into unknown)."""
    campaigns: dict[uuid.UUID, Campaign] = {}
    ideas: dict[uuid.UUID, Idea] = {}
    for n in range(4):
        cid = uuid.uuid4()
        rules: tuple[Rules, ...] = (Rules(None, VoteMode.SUPPORT if n % 2 == 0 else VoteMode.UPDOWN,
                                          rng.randint(1, 3)),)
        if n == 2:
            rules += (Rules(T0 + timedelta(hours=5), VoteMode.SUPPORT, 1),)
        audience = frozenset({Sector.CITIZEN}) if n == 3 else frozenset(Sector)
        campaigns[cid] = Campaign(cid, T0, T0 + timedelta(hours=10), rules, audience)
        made: list[uuid.UUID] = []
        for k in range(6):
            iid = uuid.uuid4()
            pub = StatusChange(T0 - timedelta(hours=1), IdeaStatus.PUBLISHED, None)
            history: tuple[StatusChange, ...] = (pub,)
            if k == 1:
                history = (StatusChange(T0, IdeaStatus.PENDING, None),)
            elif k == 2 and made:
                history = (pub, StatusChange(T0 + timedelta(hours=3), IdeaStatus.MERGED, made[0]))
            elif k == 3:
                history = (pub, StatusChange(T0 + timedelta(hours=4), IdeaStatus.HIDDEN, None))
            elif k == 4:
                history = (StatusChange(T0, IdeaStatus.MERGED, uuid.uuid4()),)
            ideas[iid] = Idea(iid, cid, history)
            made.append(iid)
    return campaigns, ideas


def mixed_votes(rng: random.Random, campaigns: dict[uuid.UUID, Campaign],
                ideas: dict[uuid.UUID, Idea], n: int, common: float) -> list[Vote]:
    """`n` votes, a share `common` of them plain casts of support campaigns without clients."""
    cids, iids = list(campaigns), list(ideas)
    # ideas of one status in campaigns of one support rule: most common casts name one
    plain = [i for i in iids if len(ideas[i].history) == 1
             and campaigns[ideas[i].campaign_id].rules[0].mode is VoteMode.SUPPORT
             and len(campaigns[ideas[i].campaign_id].rules) == 1]
    voters = [f"v{k}" for k in range(40)]
    out = []
    for k in range(n):
        iid = rng.choice(plain if rng.random() < common * 0.9 else iids)
        cid = ideas[iid].campaign_id if rng.random() < 0.9 else rng.choice(cids)
        if rng.random() < 0.03:
            cid = uuid.uuid4()  # unknown: parked
        if rng.random() < 0.03:
            iid = uuid.uuid4()
        at = T0 + timedelta(minutes=rng.randint(-30, 660), microseconds=k)
        sector = rng.choice([None, Sector.CITIZEN.value, Sector.PRIVATE.value])
        if rng.random() < common:
            out.append(Vote(uuid.uuid4(), domain.CAST, rng.choice(voters), cid, iid,
                            rng.choice([1, 1, 1, -1]), at, sector))
            continue
        kind = rng.choice([domain.CAST, domain.WITHDRAW])
        out.append(Vote(uuid.uuid4(), kind, rng.choice(voters), cid, iid,
                        rng.choice([1, -1]) if kind == domain.CAST else 0, at, sector,
                        rng.choice([None, "client-a", "client-b"])))
    return out


@pytest.mark.parametrize("common", [1.0, 0.97, 0.8, 0.3])
def test_mixed_batches_with_stored_votes_give_the_same_verdicts(common: float) -> None:
    rng = random.Random(f"sets-{common}")
    for _ in range(40):
        campaigns, ideas = mixed_world(rng)
        active: dict[str, list[ActiveVote]] = {}
        for _ in range(3):
            votes = mixed_votes(rng, campaigns, ideas, rng.randint(1, 300), common)
            j = both(votes, active, campaigns, ideas)
            for voter in {v.vote.voter_id for v in j.verdicts}:  # a stored vote, held
                if rng.random() < 0.2:
                    v = rng.choice([x for x in j.verdicts if x.vote.voter_id == voter])
                    if v.state == domain.COUNTED and v.target_id is not None:
                        v.state = domain.HELD
            for v in j.verdicts:
                if v.state in (domain.COUNTED, domain.HELD) and v.target_id is not None:
                    held = [a for a in active.get(v.vote.voter_id, [])
                            if a.target_id != v.target_id]
                    active[v.vote.voter_id] = [*held, ActiveVote(
                        v.vote.event_id, v.vote.campaign_id, v.target_id, v.vote.value,
                        held=v.state == domain.HELD)]
            for event_id, state in j.superseded.items():
                if state != domain.HELD:
                    for voter, stored in active.items():
                        active[voter] = [a for a in stored if a.event_id != event_id]


def test_the_set_path_is_the_judge() -> None:
    votes, campaigns, ideas = election_world(FILES[0], max_votes=1)
    j = domain.judge(votes, {}, campaigns, ideas)
    assert seen(j) == seen(_judge(votes, {}, campaigns, ideas))
    assert {v.reason for v in j.verdicts} == {None, "budget_exceeded"}
