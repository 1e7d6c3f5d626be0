"""How long the selection rules take on the largest example election (Warsaw 2026: 61,668
ballots, 287,475 votes, 83 projects): greedy, and equal shares (MES with cost utilities,
completed add1 then greedy) as a request computes it.

    .venv/bin/python -m bench.selection [--exact]

`--exact` also runs the Fraction version (about 25 minutes here) and says whether both select
the same projects.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from clients import pabulib
from services.voting.domain import selection

WARSAW = Path(__file__).resolve().parents[1] / "examples" / "data" / "poland_warszawa_2026.pb"


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def machine_line() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"machine: {os.cpu_count()} cores, load average {load} (other work shares them)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exact", action="store_true", help="also time the Fraction version")
    args = parser.parse_args()
    _say(machine_line())
    election = pabulib.parse(WARSAW.read_bytes())
    ballots = [ids for _, ids in election.ballots]
    tally = selection.tally_of(ballots)
    _say(f"Warsaw: {len(ballots)} ballots, {sum(tally.values())} votes,"
         f" {len(election.projects)} projects")
    t = time.perf_counter()
    greedy = selection.select(election, tally, selection.GREEDY)
    _say(f"greedy on Warsaw: {time.perf_counter() - t:.3f} s ({len(greedy)} projects)")
    t = time.perf_counter()
    fast = selection.select(election, tally, selection.EQUAL_SHARES)
    _say(f"equal shares on Warsaw: {time.perf_counter() - t:.1f} s ({len(fast)} projects:"
         f" {', '.join(fast)})")
    if args.exact:
        costs = {pid: p.cost for pid, p in election.projects.items() if p.cost is not None}
        threshold = int(election.meta.get("min_project_score_threshold", "0"))
        eligible = {p: c for p, c in costs.items() if tally[p] >= threshold}
        t = time.perf_counter()
        exact = selection.equal_shares(ballots, eligible, int(election.meta["budget"]),
                                       exact=True)
        _say(f"equal shares on Warsaw, exact Fractions: {time.perf_counter() - t:.1f} s;"
             f" same selection as the float version: {exact == fast}")


if __name__ == "__main__":
    main()
