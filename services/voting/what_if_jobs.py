"""The voting worker's what-if job: closed, settled campaigns replayed in a process pool.

Equal shares is CPU-bound for tens of seconds on a large campaign; in the worker's own event
loop it would stall the vote projections and their heartbeats, and in a thread it would hold
the GIL as long (STACK-NOTES). So it runs in a separate process, one campaign at a time, at a
lower priority than the projections, and the answer is stored per campaign for the API.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import asyncpg
import structlog

from services.voting import projections, queries
from services.voting.domain import what_if
from services.voting.domain.what_if import Frozen, FrozenVote

log = structlog.get_logger(__name__)

COUNTED_STATES = {"counted": (False, False), "held": (True, False),
                  "merged_duplicate": (False, True)}


def _lower_priority() -> None:
    os.nice(10)


def process_pool() -> ProcessPoolExecutor:
    """One process, started fresh (spawn: never a fork of the worker's threads and loop)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_lower_priority)


def frozen(campaign: dict[str, Any], ideas: list[dict[str, Any]],
           votes: list[tuple[Any, ...]]) -> Frozen:
    """The domain's view of a closed campaign, from `queries.frozen_inputs`."""
    return Frozen(
        costs={str(i["idea_id"]): i["cost"] for i in ideas},
        merged=[str(i["idea_id"]) for i in ideas if i["status"] == "merged"],
        votes=[FrozenVote(voter, idea, target, *COUNTED_STATES[state], sector=sector)
               for voter, idea, target, state, sector in votes],
        budget=campaign["budget"] or 0, threshold=campaign["min_votes_to_fund"] or 0)


def compute(campaign: dict[str, Any], ideas: list[dict[str, Any]],
            votes: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Run in the pool's process: every scenario, as JSON-ready data."""
    return what_if.what_if(frozen(campaign, ideas, votes)).to_json()


async def run_due(pool: asyncpg.Pool, executor: ProcessPoolExecutor, *,
                  quiet_s: float) -> list[uuid.UUID]:
    """Replay the closed, settled campaigns that have no what-if yet; returns them."""
    done = []
    for campaign_id in await queries.what_if_due(pool, quiet_s):
        campaign, ideas, votes = await queries.frozen_inputs(pool, campaign_id)
        if not campaign or campaign["budget"] is None:
            result: dict[str, Any] = {"official": None, "scenarios": [], "stable": [],
                                      "depends": [], "skipped": {
                                          "all": "the campaign has no budget to fund from"}}
            seconds = 0.0
        else:
            started = time.monotonic()
            result = await asyncio.get_running_loop().run_in_executor(
                executor, compute, campaign, ideas, votes)
            seconds = time.monotonic() - started
        async with pool.acquire() as conn:
            await projections.store_what_if(conn, campaign_id, len(votes), seconds, result)
        log.info("what_if.computed", campaign=str(campaign_id), votes=len(votes),
                 seconds=round(seconds, 2), scenarios=len(result["scenarios"]))
        done.append(campaign_id)
    return done
