"""Wires the report into the reporting worker: the inputs projection and the quarter timer.

`services/reporting/worker.py` calls `install(app, settings)`. The timer ticks every
`REPORTING_REPORT_TIMER_S` seconds; at a quarter boundary (plus a grace period for events still
in flight, `REPORTING_REPORT_GRACE_S`) it produces the closed quarter's report exactly once.
It waits until the inputs projection has settled (its positions did not move between two ticks,
or ten ticks have passed), so a worker that starts by replaying a topic does not report on half
of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import faust
import structlog

from schemas.envelope import utcnow
from services.infra.settings import Settings
from services.infra.worker import ProjectionsService
from services.reporting.report.projections import ReportInputsProjection
from services.reporting.report.service import publish_due

log = structlog.get_logger(__name__)


@dataclass
class _Settle:
    """True once consumer positions stopped moving between two ticks, or after `patience`."""

    positions: dict[tuple[str, int], int] | None = None
    ticks: int = 0
    patience: int = 10

    def tick(self, positions: dict[tuple[str, int], int]) -> bool:
        settled = positions == self.positions or self.ticks >= self.patience
        self.positions, self.ticks = positions, self.ticks + 1
        return settled


def install(app: faust.App, settings: Settings) -> ProjectionsService:
    interval = float(os.environ.get("REPORTING_REPORT_TIMER_S", "30"))
    grace = timedelta(seconds=float(os.environ.get("REPORTING_REPORT_GRACE_S", "300")))
    resources = ProjectionsService("reporting", settings,
                                   lambda svc: [ReportInputsProjection()])
    app.service(resources)  # type: ignore[arg-type]

    settle = _Settle()

    @app.timer(interval=interval)  # type: ignore[untyped-decorator]
    async def quarterly_report() -> None:
        await resources.ready.wait()
        assert resources.pool is not None and resources.producer is not None
        if not settle.tick({k: v for r in resources.runners
                            for k, v in r.stats.positions.items()}):
            return
        try:
            await publish_due(resources.pool, resources.producer, utcnow(), grace=grace)
        except Exception:
            # the next tick tries again; the schedule row makes that safe
            log.exception("report.schedule_failed")

    return resources
