"""The voting worker's what-if job: closed, settled campaigns replayed in a process pool.

Equal shares is CPU-bound for tens of seconds on a large campaign; in the worker's own event
loop it would stall the vote projections and their heartbeats, and in a thread it would hold
the GIL as long (STACK-NOTES). So it runs in a separate process, one campaign at a time, at a
lower priority than the projections, and the answer is stored per campaign for the API.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from services.infra.kafka import EventProducer
from services.infra.process_pool import ProcessPool
from services.voting import projections, queries
from services.voting.domain import what_if
from services.voting.domain.what_if import Frozen, FrozenVote
from services.voting.handlers import SYSTEM_ACTOR

log = structlog.get_logger(__name__)

COUNTED_STATES = {"counted": (False, False), "held": (True, False),
                  "merged_duplicate": (False, True)}


class WhatIfPool(ProcessPool):
    """The replays' process (`ProcessPool`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(compute, **kwargs)


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


async def run_due(pool: asyncpg.Pool, replays: WhatIfPool, *, quiet_s: float,
                  producer: EventProducer | None = None) -> list[uuid.UUID]:
    """Replay the closed, settled campaigns that have no what-if yet; returns them. A
    campaign with a budget has its what-if announced (`campaign.what_if_computed`, through the
    outbox of the transaction that stores it) unless the same event announced it already."""
    done = []
    for campaign_id in await queries.what_if_due(pool, quiet_s):
        # one snapshot: the moment the inputs were settled is the moment of what is read
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read",
                                                             readonly=True):
            campaign, ideas, votes = await queries.frozen_inputs(conn, campaign_id)
        if not campaign or campaign["budget"] is None:
            result: dict[str, Any] = {"official": None, "scenarios": [], "stable": [],
                                      "depends": [], "skipped": {
                                          "all": "the campaign has no budget to fund from"}}
            seconds = 0.0
        else:
            started = time.monotonic()
            result = await replays.run(campaign, ideas, votes)
            seconds = time.monotonic() - started
        # nothing to announce without a budget: there is no selection to compare
        event = what_if.computed_event(
            campaign_id, result, votes=len(votes), budget=campaign["budget"],
            threshold=campaign["min_votes_to_fund"] or 0, settled_at=campaign["settled_at"],
            actor=SYSTEM_ACTOR) if campaign and result["scenarios"] else None
        outbox = producer.outbox() if producer is not None else None
        async with pool.acquire() as conn, conn.transaction():
            stored, before = await projections.store_what_if(
                conn, campaign_id, len(votes), seconds, result,
                campaign["read_at"] if campaign else datetime.now(UTC),
                campaign.get("settled_at"), event.event_id if event else None)
            announced = stored and event is not None and outbox is not None \
                and before != event.event_id
            if announced:
                assert event is not None and outbox is not None
                outbox.publish_many([event])
                await outbox.stage(conn)
        if announced:
            assert outbox is not None
            await outbox.deliver()
        log.info("what_if.computed", campaign=str(campaign_id), votes=len(votes),
                 seconds=round(seconds, 2), scenarios=len(result["scenarios"]),
                 announced=announced)
        done.append(campaign_id)
    return done
