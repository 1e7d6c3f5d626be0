"""What-if replays: on every Pabulib file the campaign's own count (the file's rule, its
threshold) gives the file's official selection; each variation changes what it says it changes;
the stable ideas are those every scenario funds."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from clients import pabulib
from services.voting.domain import selection, what_if
from services.voting.domain.what_if import Frozen, FrozenVote

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples" / "data").glob("*.pb"))


def _cumulative(path: Path) -> Frozen:
    """A cumulative file (points per project), which the importer does not replay."""
    head = pabulib.read_projects(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    rows = list(csv.reader(lines[lines.index("VOTES") + 1:], delimiter=";"))
    header, votes = rows[0], []
    for row in rows[1:]:
        rec = dict(zip(header, row, strict=True))
        for pid, pts in zip(rec["vote"].split(","), rec["points"].split(","), strict=True):
            votes.append(FrozenVote(rec["voter_id"], pid, pid, points=int(pts)))
    return Frozen({p.project_id: p.cost for p in head.projects}, (), votes,
                  int(float(head.meta["budget"])),
                  int(head.meta.get("min_project_score_threshold", 0)),
                  selection.rule_of(head) or selection.GREEDY)  # type: ignore[arg-type]


@cache
def _frozen(path: Path) -> Frozen:
    meta = pabulib.read_projects(path).meta
    if meta.get("vote_type") == "cumulative":
        return _cumulative(path)
    return what_if.of_election(pabulib.parse(path.read_bytes()))


def _official(path: Path) -> set[str]:
    """The file's selected column, else its own rule over its own published scores."""
    head = pabulib.read_projects(path)
    marked = {p.project_id for p in head.projects if p.selected}
    if any(p.selected is not None for p in head.projects):
        return marked
    assert selection.rule_of(head) == selection.GREEDY  # type: ignore[arg-type]
    score_column = "score" if head.meta.get("vote_type") == "cumulative" else "votes"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    start = lines.index("PROJECTS") + 1
    rows = list(csv.DictReader(lines[start:lines.index("VOTES")], delimiter=";"))
    scores = {r["project_id"]: int(r[score_column]) for r in rows}
    costs = {r["project_id"]: int(float(r["cost"])) for r in rows}
    return set(selection.greedy(scores, costs, int(float(head.meta["budget"])),
                                threshold=int(head.meta.get("min_project_score_threshold", 0))))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_campaign_s_own_count_gives_the_official_selection(path: Path) -> None:
    frozen = _frozen(path)
    # Warsaw's equal shares takes tens of seconds: the file's own rule is what is checked here
    # (bench/what_if.py prints its whole table)
    rules = (frozen.rule,) if len(frozen.votes) > 100_000 else what_if.RULES
    found = what_if.what_if(frozen, rules)
    official = next(r for r in found.results if r.scenario == found.official)
    assert set(official.selected) == _official(path)
    assert set(found.stable) <= set(official.selected)
    if len(rules) == 2:
        assert {r.scenario.rule for r in found.results} == {"greedy", "equal shares"}


def test_warsaw_without_its_threshold_funds_differently() -> None:
    frozen = _frozen(ROOT / "examples" / "data" / "poland_warszawa_2026.pb")
    found = what_if.what_if(frozen, (selection.GREEDY,))
    assert [r.scenario.variation for r in found.results] == ["baseline", "no_threshold"]
    assert found.depends  # a project under 3,000 votes is funded only without the threshold


def _campaign() -> Frozen:
    # a: 3 votes (one held), b: 2 (one from the private sector), c merged into b (2 votes, one
    # voter also voted b), d: 1 vote
    votes = [FrozenVote("v1", "a", "a", sector="state"), FrozenVote("v2", "a", "a", sector="state"),
             FrozenVote("v3", "a", "a", held=True, sector="state"),
             FrozenVote("v4", "b", "b", sector="private"), FrozenVote("v5", "b", "b", sector="state"),
             FrozenVote("v6", "c", "b", sector="state"),
             FrozenVote("v5", "c", "b", duplicate=True, sector="state"),
             FrozenVote("v7", "d", "d", sector="private")]
    return Frozen({"a": 60, "b": 50, "c": 40, "d": 10}, ["c"], votes, budget=100, threshold=2)


def test_each_variation_changes_what_it_says() -> None:
    found = what_if.what_if(_campaign(), (selection.GREEDY,))
    by = {r.scenario.variation: r for r in found.results}
    assert found.skipped == {}
    assert by["baseline"].selected == ["b"]  # b 3 (c's moved vote), a 2; d under the threshold
    assert by["no_threshold"].selected == ["b", "d"]
    assert by["held_released"].selected == ["a"]  # a 3 against b 3: ties go to the smaller id
    assert by["merges_undone"].selected == ["a", "c"]  # a 2, b 2, c 2: a, then b no longer fits
    assert by["without_sector:private"].selected == ["a"]  # a 2, b 2: a first, b no longer fits
    assert by["without_sector:state"].selected == []  # b 1, d 1: both under the threshold
    assert found.stable == []
    assert found.depends["b"] == ["greedy/baseline", "greedy/no_threshold"]
    assert found.to_json()["official"] == "greedy/baseline"


def test_a_campaign_with_nothing_to_vary_runs_the_rules_alone() -> None:
    plain = Frozen({"a": 5, "b": 5}, (), [FrozenVote("v1", "a", "a"), FrozenVote("v2", "b", "b"),
                                          FrozenVote("v3", "a", "a")], budget=5)
    found = what_if.what_if(plain)
    assert [r.scenario.name for r in found.results] == ["greedy/baseline",
                                                        "equal shares/baseline"]
    assert set(found.skipped) == {"no_threshold", "held_released", "merges_undone",
                                  "without_sector"}
    assert found.stable == ["a"] and found.depends == {}
