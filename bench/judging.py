"""The voting worker's own work per vote, in-process: decode, prepare, judge, rows for COPY.

    .venv/bin/python -m bench.judging [--rounds 2] [--batch 20000]

The Warsaw 2026 votes (287,475) as the importer publishes them are decoded and judged in batches
the way the worker does (`ProjectionRunner._process` then `handlers.judge_votes`), without the
broker or the database: the counted votes of a batch are the next batches' stored state. Each
stage's figure is this process's CPU time (`time.process_time`), printed with the load average,
so that runs on a busy machine can still be compared; `_judge` (one step per vote) is timed
beside `judge` (the common votes as sets) on the same batches. Both must give the same verdicts.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from clients import pabulib  # noqa: E402
from schemas.campaigns import VoteMode  # noqa: E402
from schemas.common import Sector  # noqa: E402
from schemas.envelope import decode  # noqa: E402
from schemas.moderation import IdeaStatus  # noqa: E402
from services.infra.consumer import Message  # noqa: E402
from services.voting import domain, handlers  # noqa: E402
from services.voting.domain.holds import HoldRules  # noqa: E402

FILE = ROOT / "examples" / "data" / "poland_warszawa_2026.pb"


def world(election: pabulib.Election) -> tuple[dict[uuid.UUID, domain.Campaign],
                                               dict[uuid.UUID, domain.Idea]]:
    opens, closes = pabulib.window(election)
    cid = pabulib.campaign_id(election)
    rules = domain.Rules(None, VoteMode.SUPPORT, pabulib.max_votes(election))
    ideas = {}
    for pid in election.projects:
        iid = pabulib.idea_id(election, pid)
        ideas[iid] = domain.Idea(iid, cid, (domain.StatusChange(opens, IdeaStatus.PUBLISHED,
                                                                None),))
    return {cid: domain.Campaign(cid, opens, closes, (rules,), frozenset(Sector))}, ideas


def one_round(raws: list[bytes], campaigns: dict[uuid.UUID, domain.Campaign],
              ideas: dict[uuid.UUID, domain.Idea], batch: int) -> dict[str, float]:
    spent = dict.fromkeys(("decode", "prepare", "judge", "rows", "_judge"), 0.0)
    active: dict[str, list[domain.ActiveVote]] = {}
    for i in range(0, len(raws), batch):
        t0 = time.process_time()
        good = [Message("votes", 0, i + k, None, raw, *decode(raw))
                for k, raw in enumerate(raws[i:i + batch])]
        t1 = time.process_time()
        fresh = {m.envelope.event_id: m for m in good
                 if m.envelope.actor == m.payload.voter_id}  # type: ignore[attr-defined]
        votes = [handlers.to_vote(m.envelope, m.payload)  # type: ignore[arg-type]
                 for m in fresh.values()]
        t2 = time.process_time()
        j = domain.judge(votes, active, campaigns, ideas, [], HoldRules(), {})
        t3 = time.process_time()
        rows = [(v.vote.event_id, v.vote.kind, v.vote.voter_id, v.vote.campaign_id,
                 v.vote.idea_id, v.target_id, v.vote.value, v.vote.occurred_at, v.vote.sector,
                 v.state, v.reason, v.vote.client) for v in j.verdicts]
        t4 = time.process_time()
        slow = domain._judge(votes, active, campaigns, ideas)
        t5 = time.process_time()
        if [(v.state, v.reason) for v in slow.verdicts] != [r[9:11] for r in rows]:
            raise AssertionError(f"judge and _judge differ in the batch at {i}")
        for v in j.verdicts:
            if v.state == domain.COUNTED and v.target_id is not None:
                active.setdefault(v.vote.voter_id, []).append(domain.ActiveVote(
                    v.vote.event_id, v.vote.campaign_id, v.target_id, v.vote.value))
        for stage, spent_s in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4),
                                  strict=True):
            spent[stage] += spent_s
    return spent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args()
    gc.set_threshold(100_000, 50, 100)  # as the voting worker does
    election = pabulib.parse(FILE.read_bytes())
    raws = [e.to_bytes() for e in pabulib.vote_events(election)]
    campaigns, ideas = world(election)
    for _ in range(args.rounds):
        spent = one_round(raws, campaigns, ideas, args.batch)
        worker = sum(v for k, v in spent.items() if k != "_judge")
        print(f"{len(raws):,} votes, load {os.getloadavg()[0]:.1f}: worker stages"
              f" {worker:.2f} CPU s ({len(raws) / worker:,.0f} votes/s); "
              + ", ".join(f"{k} {v:.2f} s" for k, v in spent.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
