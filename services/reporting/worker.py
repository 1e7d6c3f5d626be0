"""The reporting worker: one `ProjectionsService` running the `reporting` projection (over
`status`, `ideas.submissions` and `votes`), and the quarter-boundary timer that produces each
closed quarter's report exactly once.

The timer ticks every `REPORTING_REPORT_TIMER_S` seconds; at a quarter boundary (plus a grace
period for events still in flight, `REPORTING_REPORT_GRACE_S`) it produces the closed quarter's
report. It waits until the projection has settled (its positions did not move between two
ticks, or ten ticks have passed), so a worker that starts by replaying a topic does not report
on half of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import faust

from schemas.envelope import utcnow
from services.infra.settings import Settings
from services.infra.worker import ProjectionsService, build_app, every_tick
from services.reporting.handlers import ReportingProjection, publish_due
from services.reporting.settings import ReportingSettings


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


def create_app(settings: Settings, reporting: ReportingSettings | None = None) -> faust.App:
    reporting = reporting or ReportingSettings()
    app = build_app("reporting", settings)
    resources = ProjectionsService("reporting", settings, lambda svc: [ReportingProjection()])
    app.service(resources)  # type: ignore[arg-type]  # faust types it as a class
    grace = timedelta(seconds=reporting.report_grace_s)
    settle = _Settle()

    @app.timer(interval=reporting.report_timer_s)  # type: ignore[untyped-decorator]
    @every_tick("quarterly_report")  # the next tick tries again; the schedule row makes it safe
    async def quarterly_report() -> None:
        await resources.ready.wait()
        assert resources.pool is not None and resources.producer is not None
        if not settle.tick({k: v for r in resources.runners
                            for k, v in r.stats.positions.items()}):
            return
        await publish_due(resources.pool, resources.producer, utcnow(), grace=grace)

    return app
