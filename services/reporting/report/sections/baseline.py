"""Every revision of an initiative since the plan was approved: who, when, why, before -> after."""

from __future__ import annotations

from datetime import date

from schemas.plan import InitiativeDefined, InitiativeRevised
from services.reporting.domain import Fact, end_of_day, local_day
from services.reporting.report.model import BaselineChange, FieldChange
from services.reporting.report.sections.common import Ctx, title


def _fmt(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def diff(before: InitiativeDefined | InitiativeRevised, after: InitiativeRevised
         ) -> tuple[FieldChange, ...]:
    out: list[FieldChange] = []
    for name in ("title", "owner", "budget_dkk", "track"):
        a, b = getattr(before, name), getattr(after, name)
        if a != b:
            out.append(FieldChange(name, _fmt(a), _fmt(b)))
    if before.period != after.period:
        out.append(FieldChange("period", f"{before.period.start}..{before.period.end}",
                               f"{after.period.start}..{after.period.end}"))
    old_m = {m.milestone_id: m for m in before.milestones}
    new_m = {m.milestone_id: m for m in after.milestones}
    for mid, m in old_m.items():
        if mid not in new_m:
            out.append(FieldChange("milestone_removed", f"{m.title} ({m.due})", ""))
        elif new_m[mid].due != m.due:
            out.append(FieldChange("milestone_due", f"{m.title}: {m.due}", str(new_m[mid].due)))
    for mid, m in new_m.items():
        if mid not in old_m:
            out.append(FieldChange("milestone_added", "", f"{m.title} ({m.due})"))
    old_g = {g.goal_id: g for g in before.goals}
    new_g = {g.goal_id: g for g in after.goals}
    for gid, g in old_g.items():
        if gid not in new_g:
            out.append(FieldChange("goal_removed", g.title, ""))
        elif (new_g[gid].target, new_g[gid].due) != (g.target, g.due):
            out.append(FieldChange("goal_target", f"{g.title}: {g.target:g} ({g.due})",
                                   f"{new_g[gid].target:g} ({new_g[gid].due})"))
    for gid, g in new_g.items():
        if gid not in old_g:
            out.append(FieldChange("goal_added", "", g.title))
    return tuple(out)


def baseline_changes(ctx: Ctx) -> list[tuple[BaselineChange, Fact]]:
    plan = ctx.plan
    approved = (end_of_day(plan.approved.approved_on)
                if plan is not None and plan.approved is not None else None)
    out = []
    for ini in ctx.current:
        before: InitiativeDefined | InitiativeRevised = ini.original or ini.definition
        for f in ini.revisions:
            assert isinstance(f.payload, InitiativeRevised)
            if approved is not None and f.occurred_at >= approved:
                out.append((BaselineChange(
                    title(ini), local_day(f.occurred_at), ctx.name(f.actor), f.payload.reason,
                    diff(before, f.payload), str(f.event_id)), f))
            before = f.payload
    return sorted(out, key=lambda x: (x[0].revised_on, x[0].initiative, x[0].event_id))
