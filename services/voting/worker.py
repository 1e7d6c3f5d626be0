"""The voting worker: the vote and status projections, and the retry of parked votes."""

from __future__ import annotations

import faust
import structlog

from services.infra.settings import Settings
from services.infra.worker import ProjectionsService, build_app
from services.voting.config import VotingSettings
from services.voting.projections import StatusProjection, VoteProjection, retry_parked

log = structlog.get_logger(__name__)


def create_app(settings: Settings) -> faust.App:
    voting = VotingSettings()
    app = build_app("voting", settings)
    resources = ProjectionsService(
        "voting", settings, lambda svc: [VoteProjection(), StatusProjection()])
    app.service(resources)  # type: ignore[arg-type]  # faust types it for classes

    @app.timer(interval=voting.retry_interval_s)  # type: ignore[untyped-decorator]
    async def retry_parked_votes() -> None:
        await resources.ready.wait()
        assert resources.pool is not None and resources.producer is not None
        decided, dead = await retry_parked(resources.pool, resources.producer,
                                           park_seconds=voting.park_seconds)
        if decided or dead:
            log.info("votes.parked_retried", decided=decided, dead_lettered=dead)

    return app
