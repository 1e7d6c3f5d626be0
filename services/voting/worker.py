"""The voting worker: the vote and status projections, and the retry of parked votes."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import faust
import structlog

from services.infra import transparency
from services.infra.log_tree import TreeBroken
from services.infra.settings import Settings
from services.infra.worker import ProjectionsService, build_app, every_tick
from services.voting import anomalies, receipts, selection_jobs, what_if_jobs
from services.voting.handlers import (
    StatusProjection,
    VoteProjection,
    announce_tallies,
    destroy_client_keys,
    retry_parked,
)
from services.voting.settings import VotingSettings

log = structlog.get_logger(__name__)
CLIENT_KEYS_INTERVAL_S = 3_600.0  # how often keys past their retention are looked for


def create_app(settings: Settings) -> faust.App:
    voting = VotingSettings()
    # The vote batches allocate a dozen short-lived objects per vote; with the default
    # thresholds the cyclic collector runs every 700 allocations and took most of a batch's
    # validation time (measured with cProfile on the Warsaw file). Nothing here builds cycles
    # that matter, so collect far less often.
    gc.set_threshold(voting.gc_threshold, 50, 100)
    app = build_app("voting", settings)
    # larger vote batches amortise the per-batch queries and the transaction
    resources = ProjectionsService(
        "voting", settings.model_copy(update={"consumer_max_records": voting.batch_size}),
        lambda svc: [VoteProjection(voting.hold_rules()), StatusProjection()])
    app.service(resources)  # type: ignore[arg-type]  # faust types it for classes

    anomalies.install(app, resources, voting)

    @app.task  # type: ignore[untyped-decorator]  # once, when the worker starts
    async def announce_tallies_once() -> None:
        await resources.ready.wait()
        assert resources.pool is not None and resources.producer is not None
        try:
            ideas = await announce_tallies(resources.pool, resources.producer)
            log.info("tallies.announced", ideas=ideas)
        except Exception:
            # the next start announces them; vote batches publish what they change meanwhile
            log.exception("tallies.announce_failed")

    @app.timer(interval=CLIENT_KEYS_INTERVAL_S)  # type: ignore[untyped-decorator]
    @every_tick("destroy_old_client_keys")
    async def destroy_old_client_keys() -> None:
        await resources.ready.wait()
        assert resources.pool is not None
        gone = await destroy_client_keys(resources.pool, voting.client_key_days,
                                         datetime.now(UTC))
        if gone:
            log.info("client_keys.destroyed", keys=gone)

    @app.timer(interval=voting.retry_interval_s)  # type: ignore[untyped-decorator]
    @every_tick("retry_parked_votes")
    async def retry_parked_votes() -> None:
        await resources.ready.wait()
        assert resources.pool is not None and resources.producer is not None
        decided, dead = await retry_parked(resources.pool, resources.producer,
                                           park_seconds=voting.park_seconds,
                                           hold_rules=voting.hold_rules())
        if decided or dead:
            log.info("votes.parked_retried", decided=decided, dead_lettered=dead)

    replays = what_if_jobs.WhatIfPool()
    app.service(replays)  # type: ignore[arg-type]  # faust types it for classes

    @app.timer(interval=voting.what_if_interval_s)  # type: ignore[untyped-decorator]
    @every_tick("replay_closed_campaigns")  # a failed tick is tried again at the next one
    async def replay_closed_campaigns() -> None:
        await resources.ready.wait()
        assert resources.pool is not None and resources.producer is not None
        await what_if_jobs.run_due(resources.pool, replays, quiet_s=voting.what_if_quiet_s,
                                   producer=resources.producer)

    selections = selection_jobs.SelectionPool()
    app.service(selections)  # type: ignore[arg-type]  # faust types it for classes

    @app.timer(interval=voting.selection_interval_s)  # type: ignore[untyped-decorator]
    @every_tick("compute_selections")  # a failed tick is tried again at the next one
    async def compute_selections() -> None:
        await resources.ready.wait()
        assert resources.pool is not None
        await selection_jobs.run_pending(resources.pool, selections)

    key = transparency.installation_key(settings)
    last_signed: list[datetime | None] = [None]  # when heads were last judged due or not

    @app.timer(interval=settings.log_head_interval_s)  # type: ignore[untyped-decorator]
    @every_tick("sign_log_heads")
    async def sign_log_heads() -> None:
        await resources.ready.wait()
        assert resources.pool is not None
        try:
            _, last_signed[0] = await receipts.sign_due_heads(resources.pool, key,
                                                              last_signed[0])
        except TreeBroken:
            # never sign over a rewritten log: an operator has to look (`ideastorm log verify`)
            log.exception("log.head_refused")

    return app
