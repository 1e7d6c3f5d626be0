"""Which projects a participatory budget funds, from the tally, the costs and the budget.

Two rules, both pure and exact (budgets are `Fraction`s, never floats):

- `greedy`: projects by votes, most first, each funded if it still fits in what is left of the
  budget (a project that does not fit is skipped, the next ones are still tried).
- `equal_shares`: the Method of Equal Shares with cost utilities (a voter's satisfaction from a
  funded project is its cost), completed "add1" then greedy:
  1. every voter gets `budget / voters`; MES runs; while its outcome is feasible and not
     exhaustive, every voter's budget is raised by 1 currency unit and MES runs again; the last
     feasible outcome is kept (an exhaustive one is kept at once);
  2. what is left of the real budget is filled greedily by votes.

Both honour `min_project_score_threshold` from META: a project with fewer votes is never funded.
Projects nobody supports are never funded. Ties go to the smaller project id as a string (the
order the reference implementation uses).
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import numpy as np
import numpy.typing as npt

GREEDY = "greedy"
EQUAL_SHARES = "equal shares"


class ProjectLike(Protocol):
    @property
    def cost(self) -> int | None: ...
    @property
    def votes(self) -> int | None: ...
    @property
    def selected(self) -> bool | None: ...


class ElectionLike(Protocol):
    @property
    def meta(self) -> Mapping[str, str]: ...
    @property
    def projects(self) -> Mapping[str, ProjectLike]: ...
    @property
    def ballots(self) -> Sequence[tuple[str, Sequence[str]]]: ...


def greedy(tally: Mapping[str, int], costs: Mapping[str, int], budget: int, *,
           threshold: int = 0) -> list[str]:
    """Projects by votes (most first), each funded while it fits; in the order they were funded."""
    left = budget
    chosen = []
    for pid in sorted(costs, key=lambda p: (-tally.get(p, 0), p)):
        votes = tally.get(pid, 0)
        if votes > 0 and votes >= threshold and costs[pid] <= left:
            chosen.append(pid)
            left -= costs[pid]
    return chosen


def _affordability(cost: int, budgets: Iterable[tuple[Fraction, int]]) -> Fraction | None:
    """The smallest payment per unit of cost that the supporters can cover, or None if none can.

    `budgets` is (budget, voters with it). Each supporter pays `min(budget, q)`; q is the equal
    share that makes the payments sum to the cost, and the affordability is q / cost (a voter's
    satisfaction from a project is its cost).
    """
    pairs = sorted(budgets)
    if sum(b * w for b, w in pairs) < cost:
        return None
    remaining = Fraction(cost)
    rich = sum(w for _, w in pairs)
    for b, w in pairs:
        if b * rich >= remaining:
            return remaining / rich / cost
        remaining -= b * w
        rich -= w
    return None  # unreachable: the total covers the cost


def mes(ballots: Sequence[Collection[str]], costs: Mapping[str, int],
        per_voter: Fraction) -> list[str]:
    """One run of the Method of Equal Shares (cost utilities), every voter starting with `per_voter`.

    Only projects in `costs` count; the order of the result is the order of funding.
    """
    return _run(_Profile(ballots, costs), costs, per_voter)


class _Profile:
    """The ballots as distinct kinds with their number of voters; built once per election."""

    def __init__(self, ballots: Sequence[Collection[str]], costs: Mapping[str, int]) -> None:
        groups = Counter(frozenset(p for p in b if p in costs) for b in ballots)
        self.kinds = [k for k in groups if k]
        self.weight = [groups[k] for k in self.kinds]
        self.supporters: dict[str, list[int]] = {p: [] for p in costs}
        for g, kind in enumerate(self.kinds):
            for p in kind:
                self.supporters[p].append(g)
        self.votes = {p: sum(self.weight[g] for g in gs) for p, gs in self.supporters.items()}


def _run(profile: _Profile, costs: Mapping[str, int], per_voter: Fraction) -> list[str]:
    kinds, weight = profile.kinds, profile.weight
    # Voters are kept in classes of equal budget: voters who supported the same funded projects
    # paid the same, so a project's supporters are a few (budget, voters) pairs, not a long list.
    budget_of = [per_voter]
    class_of_budget = {per_voter: 0}
    cls = [0] * len(kinds)
    members = {p: Counter({0: n}) for p, n in profile.votes.items() if n}
    supporters = dict(profile.supporters)
    chosen: list[str] = []
    for p, gs in list(supporters.items()):
        if costs[p] <= 0 and gs:
            chosen.append(p)  # free and wanted: funded at once, nobody pays
        if costs[p] <= 0 or not gs:
            del supporters[p]

    def afford(p: str) -> Fraction | None:
        return _affordability(costs[p], ((budget_of[c], w) for c, w in members[p].items()))

    heap: list[tuple[Fraction, str]] = []
    for p in supporters:
        r = afford(p)
        if r is not None:
            heap.append((r, p))
    heapq.heapify(heap)
    while heap:
        # an affordability only grows as budgets shrink, so a stale value is a lower bound
        best: Fraction | None = None
        tied: list[str] = []
        fresh: list[tuple[Fraction, str]] = []
        while heap and (best is None or heap[0][0] <= best):
            _, p = heapq.heappop(heap)
            r = afford(p)
            if r is None:
                continue  # its supporters can no longer pay for it, now or later
            fresh.append((r, p))
            if best is None or r < best:
                best, tied = r, [p]
            elif r == best:
                tied.append(p)
        if best is None:
            break
        pick = min(tied)
        share = best * costs[pick]
        moved: dict[int, int] = {}
        for c in members[pick]:
            after = budget_of[c] - min(budget_of[c], share)
            if after not in class_of_budget:
                class_of_budget[after] = len(budget_of)
                budget_of.append(after)
            moved[c] = class_of_budget[after]
        for g in supporters[pick]:
            c, w = cls[g], weight[g]
            cls[g] = moved[c]
            for p in kinds[g]:
                m = members.get(p)
                if m is None:
                    continue  # already funded
                m[c] -= w
                if not m[c]:
                    del m[c]
                m[moved[c]] += w
        del supporters[pick], members[pick]
        chosen.append(pick)
        for item in fresh:
            if item[1] != pick:
                heapq.heappush(heap, item)
    return chosen


# Floats with a tie tolerance: the same decisions as the exact run on every example file, in a
# fraction of the time (Warsaw: seconds instead of ~25 minutes; bench/selection.py). Two
# affordabilities within TIE of each other (relatively) are a tie, broken by the project id as
# in the exact run; a budget left within TIE of nothing is nothing.
TIE = 1e-9


def _afford_fast(cost: float, pairs: list[tuple[float, int]]) -> float:
    """`_affordability` in floats; `pairs` sorted by budget; -1.0 when the supporters cannot pay."""
    total = 0.0
    rich = 0
    for b, w in pairs:
        total += b * w
        rich += w
    if total < cost * (1 - TIE):
        return -1.0
    remaining = cost
    for b, w in pairs:
        if b * rich >= remaining:
            return remaining / rich / cost
        remaining -= b * w
        rich -= w
    return pairs[-1][0] / cost  # only rounding gets here: everyone pays all they have


class _Voters:
    """Each project's supporters as voter numbers; built once per election for `_run_fast`."""

    def __init__(self, ballots: Sequence[Collection[str]], costs: Mapping[str, int]) -> None:
        self.of: dict[str, list[int]] = {p: [] for p in costs}
        self.count = 0
        for b in ballots:
            kept = [p for p in b if p in costs]
            if kept:
                for p in set(kept):
                    self.of[p].append(self.count)
                self.count += 1


def _run_fast(voters: _Voters, costs: Mapping[str, int], per_voter: float) -> list[str]:
    """`_run` in floats. Each voter has a budget class; counting a project's supporters per
    class and moving them to new classes are done by C loops (Counter, map), so a run over
    Warsaw's 61,668 ballots takes tens of milliseconds."""
    budget_of = [per_voter]
    class_of_budget = {per_voter: 0}
    cls = [0] * voters.count
    get, put = cls.__getitem__, cls.__setitem__
    supporters = {p: vs for p, vs in voters.of.items() if vs}
    chosen = [p for p in supporters if costs[p] <= 0]  # free and wanted: funded, nobody pays
    for p in chosen:
        del supporters[p]
    floor = per_voter * TIE

    def afford(p: str) -> float:
        counted = Counter(map(get, supporters[p]))
        return _afford_fast(float(costs[p]), sorted([(budget_of[c], w)
                                                     for c, w in counted.items()]))

    heap: list[tuple[float, str]] = []
    for p, vs in supporters.items():
        r = _afford_fast(float(costs[p]), [(per_voter, len(vs))])  # one class: nobody paid yet
        if r >= 0:
            heap.append((r, p))
    heapq.heapify(heap)
    while heap:
        # an affordability only grows as budgets shrink, so a stale value is a lower bound
        fresh: list[tuple[float, str]] = []
        best = -1.0
        while heap and (best < 0 or heap[0][0] <= best * (1 + TIE)):
            _, p = heapq.heappop(heap)
            r = afford(p)
            if r < 0:
                continue  # its supporters can no longer pay for it, now or later
            fresh.append((r, p))
            if best < 0 or r < best:
                best = r
        if best < 0:
            break
        limit = best * (1 + TIE)
        pick = min(p for r, p in fresh if r <= limit)
        share = best * costs[pick]
        moved: dict[int, int] = {}
        for c in set(map(get, supporters[pick])):
            b = budget_of[c]
            after = b - share if b > share else 0.0
            if after <= floor:
                after = 0.0
            n = class_of_budget.get(after)
            if n is None:
                n = class_of_budget[after] = len(budget_of)
                budget_of.append(after)
            moved[c] = n
        paid = supporters.pop(pick)
        deque(map(put, paid, map(moved.__getitem__, map(get, paid))), maxlen=0)
        chosen.append(pick)
        for item in fresh:
            if item[1] != pick:
                heapq.heappush(heap, item)
    return chosen


class _Arrays:
    """The ballots as arrays for `_run_arrays`, built once per election: the distinct ballots
    ("kinds") with their number of voters, and each project's supporting kinds."""

    def __init__(self, ballots: Sequence[Collection[str]], costs: Mapping[str, int]) -> None:
        groups = Counter(frozenset(p for p in b if p in costs) for b in ballots)
        kinds = [k for k in groups if k]
        self.ids = sorted({p for k in kinds for p in k})
        col = {p: j for j, p in enumerate(self.ids)}
        self.m = len(self.ids)
        self.cost = np.array([float(costs[p]) for p in self.ids])
        self.weight = np.array([groups[k] for k in kinds], dtype=np.float64)
        self.kinds = len(kinds)
        rows: list[list[int]] = [[] for _ in self.ids]
        for g, kind in enumerate(kinds):
            for p in kind:
                rows[col[p]].append(g)
        self.rows = [np.array(r, dtype=np.int64) for r in rows]
        self.votes = np.array([self.weight[r].sum() for r in self.rows])


def _afford_arrays(cost: float, budgets: npt.NDArray[np.float64],
                   weights: npt.NDArray[np.float64]) -> float:
    """`_afford_fast` on arrays (budgets ascending, weights > 0), in the same floating-point
    operations and order; -1.0 when the supporters cannot pay."""
    paid = budgets * weights
    sums = np.cumsum(paid)
    if sums[-1] < cost * (1 - TIE):
        return -1.0
    # before each class: what is left to pay (subtracted one class at a time) and by how many
    remaining = np.cumsum(np.concatenate(([cost], -paid[:-1])))
    rich = weights.sum() - np.concatenate(([0.0], np.cumsum(weights[:-1])))
    hit = budgets * rich >= remaining
    k = int(hit.argmax())
    if hit[k]:
        return float(remaining[k] / rich[k] / cost)
    return float(budgets[-1] / cost)  # only rounding gets here: everyone pays all they have


def _run_arrays(arrays: _Arrays, per_voter: float) -> list[str]:
    """`_run_fast` on arrays: each distinct ballot has a budget class; a project's supporters
    are counted per class with one `bincount`, its affordability is computed in the same
    floating-point operations and order as `_afford_fast`, and payers move to their new
    classes (equal budgets, one class) in a few array operations, so both decide alike."""
    ids, cost = arrays.ids, arrays.cost
    budgets = np.array([per_voter])  # by class
    by_budget = np.zeros(1, dtype=np.int64)  # the classes, least budget first
    cls = np.zeros(arrays.kinds, dtype=np.int64)
    wanted = [j for j in range(arrays.m) if arrays.votes[j] > 0]
    chosen = [ids[j] for j in wanted if cost[j] <= 0]  # free and wanted: funded, nobody pays
    floor = per_voter * TIE

    def afford(j: int) -> float:
        rows = arrays.rows[j]
        counted = np.bincount(cls[rows], weights=arrays.weight[rows],
                              minlength=len(budgets)).astype(np.float64, copy=False)[by_budget]
        present = np.flatnonzero(counted)
        return _afford_arrays(float(cost[j]), budgets[by_budget[present]], counted[present])

    heap: list[tuple[float, str, int]] = []
    for j in wanted:
        if cost[j] > 0:
            r = _afford_fast(float(cost[j]), [(per_voter, int(arrays.votes[j]))])
            if r >= 0:
                heap.append((r, ids[j], j))
    heapq.heapify(heap)
    while heap:
        # an affordability only grows as budgets shrink, so a stale value is a lower bound
        fresh: list[tuple[float, str, int]] = []
        best = -1.0
        while heap and (best < 0 or heap[0][0] <= best * (1 + TIE)):
            _, p, j = heapq.heappop(heap)
            r = afford(j)
            if r < 0:
                continue  # its supporters can no longer pay for it, now or later
            fresh.append((r, p, j))
            if best < 0 or r < best:
                best = r
        if best < 0:
            break
        limit = best * (1 + TIE)
        _, pick, col = min((p, p, j) for r, p, j in fresh if r <= limit)
        share = best * cost[col]
        rows = arrays.rows[col]
        before = cls[rows]
        n = len(budgets)
        paying = np.flatnonzero(np.bincount(before, minlength=n))
        have = budgets[paying]
        after = np.where(have > share, have - share, 0.0)
        after[after <= floor] = 0.0
        # a budget some class already has joins that class; the others are new classes
        values, which = np.unique(after, return_inverse=True)
        ordered = budgets[by_budget]
        at = np.minimum(np.searchsorted(ordered, values), n - 1)
        same = ordered[at] == values
        target = np.where(same, by_budget[at], 0)
        fresh_classes = np.flatnonzero(~same)
        target[fresh_classes] = n + np.arange(len(fresh_classes))
        budgets = np.concatenate((budgets, values[fresh_classes]))
        by_budget = np.argsort(budgets, kind="stable")
        moved = np.arange(n, dtype=np.int64)
        moved[paying] = target[which]
        cls[rows] = moved[before]
        chosen.append(pick)
        for item in fresh:
            if item[2] != col:
                heapq.heappush(heap, item)
    return chosen


def _cost(projects: Iterable[str], costs: Mapping[str, int]) -> int:
    return sum(costs[p] for p in projects)


def equal_shares_add1(ballots: Sequence[Collection[str]], costs: Mapping[str, int],
                      budget: int, *, exact: bool = False) -> list[str]:
    """MES with the "add1" completion: raise every voter's budget by 1 until the outcome would
    exceed the budget (keep the last one that did not) or no other project fits.

    `exact` runs MES in Fractions (minutes on Warsaw); otherwise in floats with a tie tolerance.
    """
    supported = {p for b in ballots for p in b if p in costs}
    available = [p for p in costs if p in supported and costs[p] > 0]
    per_voter = Fraction(budget, max(len(ballots), 1))
    previous: list[str] = []
    profile = _Profile(ballots, costs) if exact else None
    arrays = None if exact else _Arrays(ballots, costs)
    while True:
        outcome = (_run(profile, costs, per_voter) if profile is not None
                   else _run_arrays(arrays, float(per_voter)))  # type: ignore[arg-type]
        spent = _cost(outcome, costs)
        if spent > budget:
            return previous
        if all(p in outcome or spent + costs[p] > budget for p in available):
            return outcome
        previous = outcome
        per_voter += 1


def tally_of(ballots: Iterable[Collection[str]]) -> Counter[str]:
    return Counter(p for b in ballots for p in b)


def equal_shares(ballots: Sequence[Collection[str]], costs: Mapping[str, int], budget: int, *,
                 threshold: int = 0, exact: bool = False) -> list[str]:
    """MES (cost utilities) completed add1, then greedily by votes; in the order of funding."""
    tally = tally_of(ballots)
    eligible = {p: c for p, c in costs.items() if tally[p] > 0 and tally[p] >= threshold}
    chosen = equal_shares_add1(ballots, eligible, budget, exact=exact)
    rest = {p: c for p, c in eligible.items() if p not in chosen}
    return chosen + greedy(tally, rest, budget - _cost(chosen, costs), threshold=threshold)


def funded_voters(ballots: Iterable[Collection[str]], selected: Collection[str]) -> tuple[int, int]:
    """(voters with at least one supported project funded, voters)."""
    funded = set(selected)
    n = hits = 0
    for b in ballots:
        n += 1
        hits += any(p in funded for p in b)
    return hits, n


# --- reading an election --------------------------------------------------------------------

def _number(value: str | None) -> int | None:
    try:
        return int(round(float((value or "").strip().replace(",", "."))))
    except ValueError:
        return None


def rule_of(election: ElectionLike) -> str | None:
    """The META rule as one of GREEDY / EQUAL_SHARES, or None when unknown or another rule."""
    rule = election.meta.get("rule", "").strip().lower()
    if rule == "greedy":
        return GREEDY
    if rule.startswith("equalshares"):
        return EQUAL_SHARES
    return None


def select(election: ElectionLike, tally: Mapping[str, int], rule: str) -> list[str]:
    """What `rule` funds in the election, given the tally (greedy) and the ballots (equal shares)."""
    costs = {pid: p.cost for pid, p in election.projects.items() if p.cost is not None}
    budget = _number(election.meta.get("budget")) or 0
    threshold = _number(election.meta.get("min_project_score_threshold")) or 0
    if rule == GREEDY:
        return greedy(tally, costs, budget, threshold=threshold)
    if rule == EQUAL_SHARES:
        # the threshold is on the official tally, so equal shares is told who is eligible
        eligible = {p: c for p, c in costs.items() if tally.get(p, 0) >= threshold}
        return equal_shares([ids for _, ids in election.ballots], eligible, budget)
    raise ValueError(f"unknown rule {rule!r}: expected {GREEDY!r} or {EQUAL_SHARES!r}")


def _would(election: ElectionLike, tally: Mapping[str, int], rule: str) -> str:
    chosen = select(election, tally, rule)
    costs = {pid: p.cost or 0 for pid, p in election.projects.items()}
    hits, n = funded_voters((ids for _, ids in election.ballots), chosen)
    share = f"{100 * hits / n:.1f}%" if n else "no voters"
    budget = _number(election.meta.get("budget"))
    return (f"{rule} would select {len(chosen)} projects costing {_cost(chosen, costs)} of"
            f" {budget if budget is not None else '?'} ({share} of {n} voters get a supported"
            f" project funded): {', '.join(chosen)}")


def check_lines(election: ElectionLike, tally: Mapping[str, int]) -> list[str]:
    """What `import-pabulib --check` prints: counts and selection against the file."""
    official = {pid: p.votes for pid, p in election.projects.items() if p.votes is not None}
    same = sum(tally.get(pid, 0) == v for pid, v in official.items())
    lines = [f"votes: {same}/{len(official)} ideas match the official counts"]
    marked = {pid: p.selected for pid, p in election.projects.items() if p.selected is not None}
    rule = rule_of(election)
    if rule is None:
        named = election.meta.get("rule", "").strip() or "none"
        lines.append(f"selected: the file's rule is {named}; what each rule would select:")
        return lines + [_would(election, tally, GREEDY), _would(election, tally, EQUAL_SHARES)]
    if not marked:
        return lines + ["selected: the file has no selected column; "
                        + _would(election, tally, rule)]
    chosen = set(select(election, tally, rule))
    agree = sum((pid in chosen) == funded for pid, funded in marked.items())
    lines.append(f"selected: {agree}/{len(marked)} projects match the file's selected column"
                 f" (rule {election.meta['rule'].strip()})")
    only_file = sorted(p for p, f in marked.items() if f and p not in chosen)
    only_rule = sorted(p for p, f in marked.items() if not f and p in chosen)
    if only_file or only_rule:
        lines.append(f"selected: funded in the file only: {', '.join(only_file) or 'none'};"
                     f" by {rule} only: {', '.join(only_rule) or 'none'}")
    return lines


# --- a campaign's selection, for the HTTP edge -------------------------------------------------

RULE_NAMES = {"greedy": GREEDY, "equal-shares": EQUAL_SHARES}  # as the API spells them


@dataclass(frozen=True)
class Outcome:
    """What a rule funds in a campaign: the ideas in the order funded, their cost, and how many
    voters have at least one idea they supported funded."""

    selected: list[str]
    cost: int
    funded_voters: int
    voters: int


def decide(rule: str, tally: Mapping[str, int], costs: Mapping[str, int],
           ballots: Sequence[Collection[str]], budget: int, *, threshold: int = 0) -> Outcome:
    """`rule` (a key of RULE_NAMES) over the ideas in `costs`: greedy by `tally`, equal shares
    by `ballots` (each voter's supported ideas). Ideas without a cost are not in `costs`."""
    named = RULE_NAMES[rule]
    if named == GREEDY:
        chosen = greedy(tally, costs, budget, threshold=threshold)
    else:
        eligible = {p: c for p, c in costs.items() if tally.get(p, 0) >= threshold}
        chosen = equal_shares(ballots, eligible, budget)
    hits, n = funded_voters(ballots, chosen)
    return Outcome(chosen, _cost(chosen, costs), hits, n)
