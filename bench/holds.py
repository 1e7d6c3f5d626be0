"""The anomaly rules' cost per batch of API votes, against how many API votes lie near it.

    .venv/bin/python -m bench.holds [--batch 100] [--stored 1000,10000,100000]

Every batch of votes cast through the API (with a client fingerprint) is judged with every
stored, not refused, API cast of the batch's clients or campaigns within `HoldRules.reach`
(twenty minutes with the default rules) around it: `projections.load_client_votes` reads them and
`domain.hold` runs both rules over all of them. So a batch's cost grows with the votes of the
last twenty minutes, not with the batch. This prints, for a campaign whose recent API votes
number `--stored`, the CPU time of `domain.hold` for one batch (this process's CPU time, best of
three), and the stored votes a batch would load at a steady 1,000 API votes a second (the
national campaign's first hour): the figure to read against the HTTP edge's 1 ms of CPU a vote.
Loading the rows from the database (one row object and one `StoredClientVote` each) costs about
as much again, and is not counted here.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from services.voting import domain  # noqa: E402
from services.voting.domain.holds import HoldRules  # noqa: E402

RATE = 1_000  # API votes a second, a national campaign's first hour


def world(stored: int, batch: int, rules: HoldRules, seed: int = 7
          ) -> tuple[list[domain.StoredClientVote], domain.Judgement, dict[str, datetime]]:
    """`stored` API votes of one campaign spread over the rules' reach before now, from clients
    of one to a few voters (an office's NAT shares one), each voter casting one to five of
    fifty ideas; then a batch of `batch` fresh votes cast now, judged counted."""
    rng = random.Random(seed)
    campaign = uuid.UUID(int=1)
    ideas = [uuid.UUID(int=100 + i) for i in range(50)]
    now = datetime(2026, 12, 8, 12, tzinfo=UTC)
    reach = rules.reach.total_seconds()
    votes: list[domain.StoredClientVote] = []
    first: dict[str, datetime] = {}
    voter = 0
    while len(votes) < stored:
        voter += 1
        vid, client = f"v{voter}", f"c{voter // rng.randint(1, 4)}"
        at = now - timedelta(seconds=rng.uniform(0, reach))
        first[vid] = at
        for n, idea in enumerate(rng.sample(ideas, rng.randint(1, 5))):
            votes.append(domain.StoredClientVote(
                uuid.uuid4(), client, at + timedelta(seconds=3 * n), domain.COUNTED, campaign,
                idea, 1, vid))
    out = domain.Judgement()
    for k in range(batch):
        vid = f"n{k}"
        vote = domain.Vote(uuid.uuid4(), domain.CAST, vid, campaign, rng.choice(ideas), 1,
                           now + timedelta(milliseconds=k), None, f"c-new{k}")
        out.verdicts.append(domain.Verdict(vote, domain.COUNTED, None, vote.idea_id))
    return votes[:stored], out, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--stored", default="1000,10000,100000")
    args = parser.parse_args()
    rules = HoldRules()
    near = int(RATE * rules.reach.total_seconds())  # live, the votes after a batch are not in yet
    print(f"reach {rules.reach.total_seconds() / 60:g} min: at {RATE:,} API votes/s a batch"
          f" loads up to {near:,} stored votes; load {os.getloadavg()[0]:.1f}")
    for stored in (int(s) for s in args.stored.split(",")):
        votes, fresh, first = world(stored, args.batch, rules)
        best = float("inf")
        for _ in range(3):
            out = domain.Judgement(verdicts=[domain.Verdict(v.vote, v.state, v.reason,
                                                            v.target_id)
                                             for v in fresh.verdicts])
            t0 = time.process_time()
            domain.hold(out, votes, rules, first)
            best = min(best, time.process_time() - t0)
        print(f"  {stored:>9,} stored API votes near a batch of {args.batch}:"
              f" {best * 1000:8.1f} ms CPU per batch, {best * 1e6 / args.batch:8.0f} µs per"
              f" fresh vote")


if __name__ == "__main__":
    main()
