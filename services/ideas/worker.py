"""The ideas worker: the ideas projection, and a timer that opens and closes campaigns."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import faust

from services.ideas.handlers import IdeasProjection
from services.ideas.settings import IdeasSettings
from services.ideas.timers import (
    announce_campaign_transitions,
    announce_overdue_answers,
    expire_parked_submissions,
)
from services.infra.settings import Settings
from services.infra.worker import ProjectionsService, build_app, every_tick


def create_app(settings: Settings) -> faust.App:
    own = IdeasSettings()
    app = build_app("ideas", settings)
    resources = ProjectionsService(
        "ideas", settings, lambda svc: [IdeasProjection(park_seconds=own.park_seconds)])
    app.service(resources)  # type: ignore[arg-type]  # faust types it as a class
    announced: set[uuid.UUID] = set()

    @app.timer(interval=own.clock_interval_s)  # type: ignore[untyped-decorator]
    @every_tick("campaign_clock")  # the next tick retries; a failed tick must not stop the worker
    async def campaign_clock() -> None:
        await resources.ready.wait()
        assert resources.pool is not None and resources.producer is not None
        now = datetime.now(UTC)
        await announce_campaign_transitions(resources.pool, resources.producer, now, announced)
        await expire_parked_submissions(resources.pool, resources.producer, now)
        await announce_overdue_answers(resources.pool, resources.producer, now, announced)

    return app
