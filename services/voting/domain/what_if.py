"""What-if replays of a closed campaign: its frozen votes counted under other rules.

The campaign's own count is the *baseline*: its rule (greedy, unless said otherwise), its
minimum-score threshold, held votes left out (they do not count until released), merges applied
(a merged idea's votes count for the idea it was merged into) and every sector's votes. Each
*variation* changes one of these, under both rules:

- `rule`: greedy or equal shares (selection.py);
- `no_threshold`: the minimum-score threshold dropped;
- `held_released`: every held vote counted (the baseline is "all discarded");
- `merges_undone`: each vote counted for the idea it was cast on, merged ideas back in the race
  with their own cost (a voter's duplicate vote, set aside by the merge, counts again);
- `without_sector:<sector>`: that sector's votes left out.

A variation that changes nothing in a campaign (no held votes, no merges, no threshold, one
sector) is not run. The answer says, per scenario, what is funded; and which ideas are funded
under every scenario (`stable`) and which depend on the choice (`depends`, with the scenarios
that fund each). Pure and deterministic; CPU-bound (equal shares on Warsaw takes tens of
seconds), so it runs in the voting worker's process pool, never in the gateway.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.envelope import Envelope, derived_id
from schemas.votes import WhatIfComputed
from services.voting.domain.selection import (
    EQUAL_SHARES,
    GREEDY,
    ElectionLike,
    _number,
    equal_shares,
    funded_voters,
    greedy,
    rule_of,
)

RULES = (GREEDY, EQUAL_SHARES)
BASELINE = "baseline"
NO_THRESHOLD = "no_threshold"
HELD_RELEASED = "held_released"
MERGES_UNDONE = "merges_undone"
WITHOUT_SECTOR = "without_sector:"


@dataclass(frozen=True, slots=True)
class FrozenVote:
    """One supporting vote as the campaign closed with it."""

    voter: str
    idea: str  # the idea it was cast on
    target: str  # the idea it counts for after merges (== idea when none)
    held: bool = False
    duplicate: bool = False  # set aside by a merge (the voter also voted for the target)
    sector: str | None = None
    points: int = 1  # what it adds to the idea's score (cumulative ballots give several)


@dataclass(frozen=True)
class Frozen:
    """A closed campaign's inputs: ideas and their costs (None: no cost, never funded),
    the ideas merged into others, the votes, the budget and the threshold."""

    costs: Mapping[str, int | None]
    merged: Collection[str]
    votes: Sequence[FrozenVote]
    budget: int
    threshold: int = 0
    rule: str = GREEDY


@dataclass(frozen=True)
class Scenario:
    rule: str
    variation: str  # BASELINE or one of the variations

    @property
    def name(self) -> str:
        return f"{self.rule}/{self.variation}"


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    selected: list[str]
    cost: int
    funded_voters: int
    voters: int


@dataclass(frozen=True)
class WhatIf:
    official: Scenario  # the campaign's own count
    results: list[Result]
    stable: list[str]  # funded under every scenario
    depends: dict[str, list[str]]  # idea -> the scenarios that fund it (not all of them)
    skipped: dict[str, str] = field(default_factory=dict)  # variation -> why it was not run

    def to_json(self) -> dict[str, Any]:
        return {
            "official": self.official.name,
            "scenarios": [{"name": r.scenario.name, "rule": r.scenario.rule,
                           "variation": r.scenario.variation, "selected": r.selected,
                           "total_cost": r.cost, "funded_voters": r.funded_voters,
                           "voters": r.voters} for r in self.results],
            "stable": self.stable,
            "depends": [{"idea_id": k, "funded_in": v} for k, v in self.depends.items()],
            "skipped": self.skipped,
        }


def variations(frozen: Frozen) -> tuple[list[str], dict[str, str]]:
    """The variations that change something in this campaign, and why the others are not run."""
    run, skipped = [BASELINE], {}
    for name, applies, why in (
        (NO_THRESHOLD, frozen.threshold > 0, "the campaign has no minimum score"),
        (HELD_RELEASED, any(v.held for v in frozen.votes), "no vote is held"),
        (MERGES_UNDONE, bool(frozen.merged) or any(v.idea != v.target for v in frozen.votes),
         "no idea was merged"),
    ):
        if applies:
            run.append(name)
        else:
            skipped[name] = why
    sectors = sorted({v.sector for v in frozen.votes if v.sector is not None})
    if len(sectors) > 1:
        run += [WITHOUT_SECTOR + s for s in sectors]
    else:
        skipped[WITHOUT_SECTOR.rstrip(":")] = ("the votes come from one sector or none"
                                              if sectors else "the votes name no sector")
    return run, skipped


def inputs(frozen: Frozen, variation: str
           ) -> tuple[dict[str, int], dict[str, int], list[list[str]], int]:
    """(tally, costs of the ideas in the race, ballots, threshold) under a variation. The tally
    is each idea's score (supporters, or points on cumulative ballots); equal shares reads the
    ballots as approvals."""
    undone = variation == MERGES_UNDONE
    released = variation == HELD_RELEASED
    left_out = variation.removeprefix(WITHOUT_SECTOR) if variation.startswith(WITHOUT_SECTOR) \
        else None
    ballots: dict[str, dict[str, int]] = {}  # voter -> idea -> points
    for v in frozen.votes:
        if (v.held and not released) or (v.duplicate and not undone):
            continue
        if left_out is not None and v.sector == left_out:
            continue
        mine = ballots.setdefault(v.voter, {})
        idea = v.idea if undone else v.target
        # a voter supports an idea once (a merge may bring two of their votes together)
        mine[idea] = max(mine.get(idea, 0), v.points)
    tally: dict[str, int] = {}
    for ideas in ballots.values():
        for i, points in ideas.items():
            tally[i] = tally.get(i, 0) + points
    merged = set() if undone else set(frozen.merged)
    costs = {i: c for i, c in frozen.costs.items() if c is not None and i not in merged}
    threshold = 0 if variation == NO_THRESHOLD else frozen.threshold
    return tally, costs, [sorted(b) for _, b in sorted(ballots.items())], threshold


def run(frozen: Frozen, scenario: Scenario) -> Result:
    tally, costs, ballots, threshold = inputs(frozen, scenario.variation)
    if scenario.rule == GREEDY:
        chosen = greedy(tally, costs, frozen.budget, threshold=threshold)
    else:
        eligible = {p: c for p, c in costs.items() if tally.get(p, 0) >= threshold}
        chosen = equal_shares(ballots, eligible, frozen.budget)
    hits, n = funded_voters(ballots, chosen)
    return Result(scenario, chosen, sum(costs[p] for p in chosen), hits, n)


def what_if(frozen: Frozen, rules: Sequence[str] = RULES) -> WhatIf:
    """Every applicable scenario under `rules`, and which ideas depend on the choice."""
    names, skipped = variations(frozen)
    results = [run(frozen, Scenario(rule, v)) for rule in rules for v in names]
    funded = [set(r.selected) for r in results]
    stable = set.intersection(*funded) if funded else set()
    ever = set().union(*funded) if funded else set()
    order = {p: n for n, p in enumerate(sorted(frozen.costs))}
    where = {p: [r.scenario.name for r in results if p in r.selected] for p in ever - stable}
    # the ideas funded in most scenarios first: the closest to stable
    depends = {p: where[p] for p in sorted(where, key=lambda p: (-len(where[p]), order[p]))}
    return WhatIf(Scenario(frozen.rule, BASELINE), results,
                  sorted(stable, key=order.__getitem__), depends, skipped)


def of_election(election: ElectionLike) -> Frozen:
    """A Pabulib election as a closed campaign: its ballots, costs, budget and threshold."""
    costs = {pid: p.cost for pid, p in election.projects.items()}
    votes = [FrozenVote(voter, pid, pid) for voter, ids in election.ballots for pid in ids]
    return Frozen(costs, (), votes, _number(election.meta.get("budget")) or 0,
                  _number(election.meta.get("min_project_score_threshold")) or 0,
                  rule_of(election) or GREEDY)


def computed_event(campaign_id: uuid.UUID, result: Mapping[str, Any], *, votes: int,
                   budget: int, threshold: int, settled_at: datetime,
                   actor: str) -> Envelope:
    """A stored what-if (`WhatIf.to_json()`) as the event that announces it, dated when its
    inputs were settled. Its id is derived from the campaign, that moment and the answer: the
    same replay made again (a restart, a replay of the topics) is the same event, applied once."""
    payload = WhatIfComputed(
        campaign_id=campaign_id, votes=votes, budget=budget, min_votes=threshold,
        official=result["official"], scenarios=result["scenarios"], stable=result["stable"],
        depends=result["depends"], skipped=result["skipped"])
    digest = hashlib.sha256(json.dumps(payload.model_dump(mode="json"), sort_keys=True)
                            .encode()).hexdigest()
    return Envelope.wrap(payload, actor=actor, occurred_at=settled_at,
                         event_id=derived_id(campaign_id, WhatIfComputed.__event_type__,
                                             settled_at.isoformat(), digest))
