"""Benefits: the plan's goals grouped by the strategy's three ambitions (system changes,
behaviour changes, knowledge acquired and used), each with baseline, now and trend."""

from __future__ import annotations

from services.reporting.report.model import Benefit, BenefitLine, GoalLine

AMBITIONS = ("system", "behaviour", "knowledge")


def trend(g: GoalLine) -> str:
    if g.actual is None:
        return "not_measured"
    if g.previous is None:
        return "new"
    if g.actual == g.previous:
        return "flat"
    better = (g.actual > g.previous) == ((g.target or 0) >= (g.baseline or 0))
    return "up" if better else "down"


def benefits(goals: list[GoalLine]) -> tuple[Benefit, ...]:
    out = []
    for ambition in (*AMBITIONS, None):
        lines = tuple(BenefitLine(g.title, g.initiative, g.unit, g.baseline or 0.0, g.previous,
                                  g.actual, g.target or 0.0, trend(g))
                      for g in goals if g.ambition == ambition)
        if lines:
            out.append(Benefit(ambition or "none", lines))
    return tuple(out)
