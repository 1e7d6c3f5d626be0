"""The plan's goals: actual against where the target's shape says it should be now."""

from __future__ import annotations

from datetime import date

from schemas.plan import Goal
from services.reporting.domain import InitiativeState
from services.reporting.domain.figures import goal_expected, goal_on_track, whole_numbers
from services.reporting.report.model import GoalLine
from services.reporting.report.sections.common import Ctx, title
from services.reporting.report.sections.participation import Figures


def actual(g: Goal, ini: InitiativeState | None, figures: Figures | None, as_of: date
           ) -> tuple[float | None, date | None, str | None]:
    """(value, day measured, source) as known at the end of `as_of`."""
    if g.computed_from is not None:
        value = figures.value(g) if figures is not None else None
        return value, as_of, f"system:{g.computed_from.figure.value}"
    measured = ini.latest_measurement(g.goal_id) if ini is not None else None
    if measured is None:
        return None, None, None
    return float(measured.value), measured.measured_on, measured.source


def line(ctx: Ctx, g: Goal, ini: InitiativeState, figures: Figures,
         prev_figures: Figures) -> GoalLine:
    start = ini.definition.period.start
    expected = goal_expected(g, start, ctx.day)
    value, day, source = actual(g, ini, figures, ctx.day)
    before = ctx.prev.initiatives.get(ini.definition.initiative_id)
    previous, _, _ = actual(g, before, prev_figures, ctx.prev_day) if before else (None, None,
                                                                                   None)
    return GoalLine(g.title, g.indicator, g.unit, float(g.baseline), float(g.target), value,
                    day, initiative=title(ini), due=g.due, source=source,
                    computed=g.computed_from is not None, expected=expected,
                    on_track=goal_on_track(g, value, expected, ctx.tolerances.amber),
                    shape=g.shape.value, ambition=g.ambition.value if g.ambition else None,
                    whole=whole_numbers(g), previous=previous)


def goals(ctx: Ctx, figures: Figures, prev_figures: Figures) -> list[GoalLine]:
    return [line(ctx, g, ini, figures, prev_figures)
            for ini in ctx.current for g in ini.definition.goals]
