"""The reporting worker: the `reporting` projection over `status` and `votes`, and the quarterly
report (its inputs projection and the quarter-boundary timer, see `report/scheduler.py`)."""

from __future__ import annotations

import faust

from services.infra.settings import Settings
from services.infra.worker import ProjectionsService, build_app
from services.reporting.projections import ReportingProjection
from services.reporting.report import scheduler as report_scheduler


def create_app(settings: Settings) -> faust.App:
    app = build_app("reporting", settings)
    resources = ProjectionsService("reporting", settings, lambda svc: [ReportingProjection()])
    app.service(resources)  # type: ignore[arg-type]  # faust types it as a class
    report_scheduler.install(app, settings)
    return app
