"""Which Pabulib vote types a file may have to be replayed, and the ballot lengths it allows."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients import pabulib
from schemas.campaigns import CampaignCreated

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"


def pb(meta: str, votes: str = "1;a\n2;a,b\n3;b") -> bytes:
    return (f"META\nkey;value\nbudget;100\n{meta}\nPROJECTS\nproject_id;cost;votes\n"
            f"a;50;2\nb;60;2\nc;10;0\nVOTES\nvoter_id;vote\n{votes}\n").encode()


def max_votes(election: pabulib.Election) -> int:
    created = CampaignCreated.model_validate(pabulib.campaign_events(election, "test")[0].payload)
    return created.vote_rules.max_votes_per_participant


@pytest.mark.parametrize("meta", ["vote_type;approval", "vote_type;APPROVAL", "instance;2024"])
def test_approval_and_files_without_a_vote_type_are_replayed(meta: str) -> None:
    election = pabulib.parse(pb(meta))
    assert [ids for _, ids in election.ballots] == [["a"], ["a", "b"], ["b"]]


def test_a_choose_1_election_is_replayed_with_one_vote_per_voter() -> None:
    election = pabulib.parse(pb("vote_type;choose-1", "1;a\n2;b\n3;b"))
    assert election.vote_count == 3
    assert max_votes(election) == 1


def test_the_real_choose_1_file_loads_with_one_vote_per_voter() -> None:
    election = pabulib.parse((DATA / "poland_wroclaw_2016_rejon-nr-1-250.pb").read_bytes())
    assert len(election.ballots) == election.vote_count == 5349
    assert max_votes(election) == 1


def test_a_choose_1_ballot_with_two_projects_is_refused() -> None:
    with pytest.raises(pabulib.PabulibError, match="voter 2 supports 2 projects; META allows 1 to 1"):
        pabulib.parse(pb("vote_type;choose-1"))


@pytest.mark.parametrize("kind", ["ordinal", "cumulative", "scoring"])
def test_ranked_and_points_ballots_are_refused_naming_the_accepted_types(kind: str) -> None:
    with pytest.raises(pabulib.PabulibError) as refused:
        pabulib.parse(pb(f"vote_type;{kind}"))
    assert str(refused.value) == (f"vote_type {kind!r} cannot be replayed: accepted vote types"
                                  " are approval, choose-1 (or no vote_type)")


def test_the_real_cumulative_file_is_refused() -> None:
    raw = (DATA / "poland_czestochowa_2020_grabowka.pb").read_bytes()
    with pytest.raises(pabulib.PabulibError, match="'cumulative' cannot be replayed"):
        pabulib.parse(raw)


def test_max_length_is_the_campaigns_vote_limit_and_both_lengths_hold_every_ballot() -> None:
    election = pabulib.parse(pb("min_length;1\nmax_length;2"))
    assert max_votes(election) == 2
    with pytest.raises(pabulib.PabulibError, match="voter 2 supports 2 projects; META allows 0 to 1"):
        pabulib.parse(pb("max_length;1"))  # no min_length: none
    with pytest.raises(pabulib.PabulibError, match="voter 1 supports 1 projects; META allows 2 to"):
        pabulib.parse(pb("min_length;2"))


def test_the_selected_column_is_read_when_the_file_has_one() -> None:
    raw = pb("rule;greedy").replace(b"cost;votes\na;50;2\nb;60;2\nc;10;0",
                                    b"cost;votes;selected\na;50;2;1\nb;60;2;0\nc;10;0;0")
    election = pabulib.parse(raw)
    assert {p: x.selected for p, x in election.projects.items()} == {
        "a": True, "b": False, "c": False}
    assert all(p.selected is None for p in pabulib.parse(pb("rule;greedy")).projects.values())
