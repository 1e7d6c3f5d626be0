"""The what-if stability table of a Pabulib election (default: Warsaw 2026), as the voting worker
computes it for a closed campaign.

    .venv/bin/python -m bench.what_if [--file examples/data/poland_warszawa_2026.pb]

Prints each scenario (rule and variation) with what it funds, then the ideas funded under every
scenario and those that depend on the choice. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from clients import pabulib
from services.voting.domain import what_if

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path,
                        default=ROOT / "examples" / "data" / "poland_warszawa_2026.pb")
    args = parser.parse_args()
    election = pabulib.parse(args.file.read_bytes())
    frozen = what_if.of_election(election)
    t = time.perf_counter()
    found = what_if.what_if(frozen)
    took = time.perf_counter() - t
    load = os.getloadavg()
    print(f"what-if of {args.file.name}: {len(frozen.votes):,} votes, {len(frozen.costs)} "
          f"projects, budget {frozen.budget:,}, threshold {frozen.threshold:,}; "
          f"{took:.1f} s on {os.cpu_count()} cores (load {load[0]:.1f})")
    names = {pid: p.name for pid, p in election.projects.items()}
    for r in found.results:
        mark = "  (official)" if r.scenario == found.official else ""
        print(f"  {r.scenario.name:<28} {len(r.selected):>3} funded, cost {r.cost:>12,}, "
              f"{r.funded_voters:,}/{r.voters:,} voters with a funded project{mark}")
    print(f"  not run: {found.skipped}")
    print(f"stable ({len(found.stable)}): funded under every scenario")
    print("  " + ", ".join(found.stable))
    print(f"depends on the choice ({len(found.depends)}):")
    for pid, where in found.depends.items():
        cost = frozen.costs[pid] or 0
        print(f"  {pid:>6} {cost:>10,}  {names[pid][:60]:<60}  funded in: {', '.join(where)}")


if __name__ == "__main__":
    main()
