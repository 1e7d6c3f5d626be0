"""The voting worker's selection job: greedy and equal shares computed in a process pool, never
in the gateway, and stored per (campaign, rule, budget, minimum of votes) in `voting.selections`.

A request is a row (`selection_store.request`, from `GET /campaigns/{id}/selection` or from the
worker itself when a campaign has closed); the worker takes the oldest pending one, reads the
campaign's inputs and their stamp in one snapshot, computes in a separate process at a lower
priority (equal shares is CPU-bound: in the worker's loop it would stall the vote projections,
in a thread it would hold the GIL), and stores the answer with the stamp it was computed from.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from services.infra.process_pool import ProcessPool
from services.voting import queries
from services.voting.domain import selection
from services.voting.queries import selections as selection_store

log = structlog.get_logger(__name__)


class SelectionPool(ProcessPool):
    """The selections' process (`ProcessPool`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(compute, **kwargs)


def _held(campaign_id: str) -> None:
    """A test's hook: with `IDEASTORM_ENV=test` and `IDEASTORM_TEST_SELECTION_HOLDS=<folder>`,
    a computation for a campaign whose id names a file in that folder waits until the file is
    gone, so a test sees what everyone else gets while a selection computes, for as long as it
    needs, instead of hoping a large one is slow enough."""
    folder = os.environ.get("IDEASTORM_TEST_SELECTION_HOLDS")
    if os.environ.get("IDEASTORM_ENV") != "test" or not folder:
        return
    hold = Path(folder) / campaign_id
    while hold.exists():
        time.sleep(0.05)


def compute(campaign_id: str, rule: str, ideas: list[dict[str, Any]], ballots: list[list[str]],
            budget: int, threshold: int) -> dict[str, Any]:
    """Run in the pool's process: the selection as JSON-ready data (titles are not stored: they
    are read with the answer, so a renamed idea shows its approved title)."""
    _held(campaign_id)
    started = time.process_time()
    by_id = {str(i["idea_id"]): i for i in ideas}
    tally = {k: i["supports"] for k, i in by_id.items()}
    costs = {k: i["cost"] for k, i in by_id.items() if i["cost"] is not None}
    outcome = selection.decide(rule, tally, costs, ballots, budget, threshold=threshold)
    return {"selected": [{"idea_id": k, "votes": by_id[k]["supports"], "cost": by_id[k]["cost"]}
                         for k in outcome.selected],
            "total_cost": outcome.cost, "voters": outcome.voters,
            "funded_voters": outcome.funded_voters,
            "without_cost": sorted(k for k, i in by_id.items() if i["cost"] is None),
            "cpu_seconds": time.process_time() - started}


async def _inputs(pool: asyncpg.Pool, campaign_id: uuid.UUID
                  ) -> tuple[str, list[dict[str, Any]], list[list[str]]]:
    """The stamp, the ideas and the ballots, from one snapshot."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read",
                                                        readonly=True):
        inputs = await selection_store.stamp(conn, campaign_id)
        ideas, ballots = await queries.selection_inputs(conn, campaign_id)
    return inputs, ideas, [b[1:] for b in ballots]


async def run_pending(pool: asyncpg.Pool, selections: SelectionPool, *,
                      limit: int = 10) -> int:
    """Ask for the selections of newly closed campaigns, then answer up to `limit` pending
    requests, oldest first; returns how many were answered."""
    await selection_store.request_closed(pool, sorted(selection.RULE_NAMES))
    done = 0
    while done < limit and (job := await selection_store.next_job(pool)) is not None:
        inputs, ideas, ballots = await _inputs(pool, job.campaign_id)
        started = time.monotonic()
        try:
            result = await selections.run(str(job.campaign_id), job.rule, ideas, ballots,
                                          job.budget, job.min_votes)
        except Exception:
            # never a request that blocks every other: it waits behind them and is tried again
            log.exception("selection.failed", campaign=str(job.campaign_id), rule=job.rule,
                          budget=job.budget)
            await selection_store.requeue(pool, job)
            return done
        seconds = time.monotonic() - started
        cpu = result.pop("cpu_seconds")  # the computation's own, without waiting for a core
        await selection_store.store(pool, job, inputs, seconds, cpu, result)
        log.info("selection.computed", campaign=str(job.campaign_id), rule=job.rule,
                 budget=job.budget, ballots=len(ballots), seconds=round(seconds, 2),
                 cpu_seconds=round(cpu, 2))
        done += 1
    return done
