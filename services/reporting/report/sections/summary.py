"""Page one: the overall computed status, at most three key messages, and what changed since
the previous quarter."""

from __future__ import annotations

from services.reporting.domain import InitiativeState
from services.reporting.domain.figures import goal_met
from services.reporting.report.model import (
    BudgetSection,
    Change,
    Decisions,
    ExceptionLine,
    GoalLine,
    InitiativeSection,
    KeyMessage,
    Rag,
)
from services.reporting.report.sections.common import Ctx, adoptions, idea_title, title
from services.reporting.report.sections.milestones import milestones

MAX_MESSAGES = 3


def messages(ctx: Ctx, nothing: bool, sections: list[InitiativeSection],
             goals: list[GoalLine], decisions: Decisions, budget: BudgetSection | None,
             exceptions: list[ExceptionLine]) -> tuple[KeyMessage, ...]:
    """In order of weight: items to decide, red initiatives, forecasts over budget (the total
    or any line), missing exception reports, goals off track, amber initiatives, overdue
    milestones."""
    if nothing:
        return (KeyMessage("nothing_to_report", ""),)
    plan = ctx.plan
    if plan is None:
        return (KeyMessage("no_plan", ""),)
    out: list[KeyMessage] = []
    if decisions.for_next_meeting:
        first = decisions.for_next_meeting[0]
        out.append(KeyMessage("decisions_for_meeting", first.for_meeting_on.isoformat(),
                              len(decisions.for_next_meeting)))
    red = [s.title for s in sections if s.rag_computed is Rag.RED]
    amber = [s.title for s in sections if s.rag_computed is Rag.AMBER]
    if red:
        out.append(KeyMessage("initiatives_red", ", ".join(red), len(red)))
    if plan.approved is None:
        out.append(KeyMessage("plan_not_approved", plan.drafted.title if plan.drafted else ""))
    if budget is not None and budget.forecast is not None and budget.forecast > budget.total:
        out.append(KeyMessage("forecast_over_budget", str(budget.forecast - budget.total)))
    over = [line.title for line in (budget.lines if budget else ())
            if line.forecast_deviation is not None and line.forecast_deviation > 0]
    if over:
        out.append(KeyMessage("lines_forecast_over", ", ".join(over), len(over)))
    missing = sorted({e.initiative for e in exceptions if e.status == "missing"})
    if missing:
        out.append(KeyMessage("exceptions_missing", ", ".join(missing), len(missing)))
    off = [g for g in goals if g.on_track is False]
    if off:
        out.append(KeyMessage("goals_off_track", ", ".join(g.title for g in off), len(off)))
    if amber:
        out.append(KeyMessage("initiatives_amber", ", ".join(amber), len(amber)))
    overdue = [m for s in sections for m in s.milestones_overdue]
    if overdue:
        out.append(KeyMessage("milestones_overdue", "", len(overdue)))
    if not out:
        out.append(KeyMessage("on_plan", ""))
    return tuple(out[:MAX_MESSAGES])


def changes(ctx: Ctx, sections: dict[object, InitiativeSection]) -> tuple[Change, ...]:
    """Since the previous quarter's end: initiatives added, computed status changed, milestones
    reached or now overdue, goals met, ideas taken in."""
    out: list[Change] = []
    q = ctx.q
    prev_q = q.previous()
    for ini in ctx.current:
        s = sections[ini.definition.initiative_id]
        before: InitiativeState | None = ctx.prev.initiatives.get(ini.definition.initiative_id)
        if before is None:
            out.append(Change("initiative_added", s.title))
        elif s.rag_computed != s.rag_computed_previous:
            out.append(Change("rag_changed", s.title, s.rag_computed_previous.value,
                              s.rag_computed.value))
        for m in s.milestones_completed:
            out.append(Change("milestone_completed", f"{s.title}: {m.title}"))
        prev_overdue = ({m.title for m in milestones(before, prev_q, "")[1]} if before
                        else set())
        for m in s.milestones_overdue:
            if m.title not in prev_overdue:
                out.append(Change("milestone_overdue", f"{s.title}: {m.title}"))
        for g in ini.definition.goals:
            if g.computed_from is not None:
                continue
            now = ini.latest_measurement(g.goal_id)
            was = before.latest_measurement(g.goal_id) if before else None
            if (goal_met(g, float(now.value) if now else None)
                    and not goal_met(g, float(was.value) if was else None)):
                out.append(Change("goal_met", f"{s.title}: {g.title}"))
        for idea_id, day, _ in adoptions(ini):
            if q.first_day <= day <= q.last_day:
                out.append(Change("idea_adopted",
                                  f"{title(ini)}: {idea_title(ctx.state, idea_id)}"))
    return tuple(out)
