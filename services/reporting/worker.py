"""The reporting worker: the `reporting` projection over `status` and `votes`."""

from __future__ import annotations

import faust

from services.infra.settings import Settings
from services.infra.worker import ProjectionsService, build_app
from services.reporting.projections import ReportingProjection


def create_app(settings: Settings) -> faust.App:
    app = build_app("reporting", settings)
    app.service(ProjectionsService("reporting", settings, lambda svc: [ReportingProjection()]))
    return app
