"""Exceptions: every tolerance breach of an initiative with its exception report (cause,
recovery action, owner, date, decision needed), or shown as missing when none was reported."""

from __future__ import annotations

from schemas.plan import ExceptionReported
from services.reporting.domain import InitiativeState
from services.reporting.domain.figures import Status
from services.reporting.report.model import ExceptionLine
from services.reporting.report.sections.common import Ctx, title


def breaches(st: Status, amber: float) -> list[tuple[str, float]]:
    """The tolerances an initiative breaches: a shortfall or an overspend beyond amber."""
    found = [("schedule", st.schedule), ("cost", st.cost), ("forecast", st.forecast)]
    return [(kind, value) for kind, value in found if value is not None and value > amber]


def latest_exception(ini: InitiativeState, breach: str) -> ExceptionReported | None:
    best: ExceptionReported | None = None
    for f in sorted(ini.exceptions, key=lambda f: f.order):
        p = f.payload
        assert isinstance(p, ExceptionReported)
        if p.breach.value == breach and (best is None or p.reported_on >= best.reported_on):
            best = p
    return best


def exceptions(ctx: Ctx) -> list[ExceptionLine]:
    out = []
    for ini in ctx.current:
        for kind, value in breaches(ctx.status(ini), ctx.tolerances.amber):
            e = latest_exception(ini, kind)
            if e is None:
                out.append(ExceptionLine(title(ini), kind, value, "missing",
                                         owner=ctx.name(ini.definition.owner)))
                continue
            out.append(ExceptionLine(title(ini), kind, value, "reported", e.cause, e.recovery,
                                     ctx.name(e.owner), e.recover_by, e.decision_needed,
                                     e.reported_on))
    return out
