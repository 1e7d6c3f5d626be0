"""How long the selection rules take on the largest example election (Warsaw 2026: 61,668
ballots, 287,475 votes, 83 projects): greedy, and equal shares (MES with cost utilities,
completed add1 then greedy) as the voting worker computes it (on arrays).

    .venv/bin/python -m bench.selection [--exact] [--file F.pb] [--healthz]

`--exact` also runs the Fraction version (about 25 minutes here) and says whether both select
the same projects. `--file` times another Pabulib file instead of Warsaw. `--healthz` starts
the gateway and the voting worker on an embedded broker and database, loads the election's
votes, asks for an equal-shares selection nobody has asked for yet and, while the worker
computes it, asks `GET /healthz` one request after another: their p50, p99 and slowest.
The load average is printed beside every figure: other work shares this machine.
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
    parser.add_argument("--file", type=Path, default=WARSAW, help="a Pabulib file")
    parser.add_argument("--healthz", action="store_true",
                        help="the gateway's /healthz while the worker computes a selection")
    args = parser.parse_args()
    _say(machine_line())
    election = pabulib.parse(args.file.read_bytes())
    ballots = [ids for _, ids in election.ballots]
    tally = selection.tally_of(ballots)
    name = "Warsaw" if args.file == WARSAW else args.file.stem
    _say(f"{name}: {len(ballots)} ballots, {sum(tally.values())} votes,"
         f" {len(election.projects)} projects")
    t = time.perf_counter()
    greedy = selection.select(election, tally, selection.GREEDY)
    _say(f"greedy on {name}: {time.perf_counter() - t:.3f} s ({len(greedy)} projects)")
    t = time.perf_counter()
    fast = selection.select(election, tally, selection.EQUAL_SHARES)
    _say(f"equal shares on {name}: {time.perf_counter() - t:.1f} s ({len(fast)} projects:"
         f" {', '.join(fast)}); {machine_line()}")
    if args.exact:
        costs = {pid: p.cost for pid, p in election.projects.items() if p.cost is not None}
        threshold = int(election.meta.get("min_project_score_threshold", "0"))
        eligible = {p: c for p, c in costs.items() if tally[p] >= threshold}
        t = time.perf_counter()
        exact = selection.equal_shares(ballots, eligible, int(election.meta["budget"]),
                                       exact=True)
        _say(f"equal shares on {name}, exact Fractions: {time.perf_counter() - t:.1f} s;"
             f" same selection as the float version: {exact == fast}")
    if args.healthz:
        from bench.selection_healthz import healthz_while_computing
        healthz_while_computing(election, _say, machine_line)


if __name__ == "__main__":
    main()
