"""The consistency rules a quarterly report runs before it is rendered.

Each rule reads what was known at the end of a day and returns the breaches it finds: what is
wrong, with the values that show it, and where to correct it. The report lists them in its
data-quality section; nothing is smoothed away. Pure: the standard library and `schemas` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.plan import Evidence, ExceptionReported
from services.reporting.domain import (
    InitiativeState,
    PlanState,
    World,
    approved_baseline,
    initiative_status,
    local_day,
)


@dataclass(frozen=True)
class Issue:
    """One breach: the rule, what it is about, the values that show it, where to correct it."""

    rule: str
    subject: str
    values: tuple[str, ...]
    correct_in: str  # plan_file / progress_report / budget_approval / exception_report


def _title(ini: InitiativeState) -> str:
    d = ini.definition
    return f"{d.code} {d.title}" if d.code else d.title


def _initiatives(plan: PlanState) -> list[InitiativeState]:
    return sorted(plan.initiatives.values(), key=lambda i: (_title(i),
                                                            str(i.definition.initiative_id)))


def own_campaigns_closed(world: World, year: int, as_of: date) -> list[date]:
    """The last open day of each of the centre's own campaigns (not imported) that opened in
    `year` and had closed by the end of `as_of`."""
    out = []
    for c in world.campaigns.values():
        created = c.created
        if created.imported_from or local_day(created.opens_at).year != year:
            continue
        last = local_day(created.closes_at - timedelta(microseconds=1))
        if last <= as_of:
            out.append(last)
    return sorted(out)


def milestone_before_evidence(world: World, plan: PlanState, as_of: date) -> list[Issue]:
    """A milestone is not reached before what shows it: one about an ideastorm held is not done
    before one of the centre's own ideastorms of the year has closed."""
    closed = own_campaigns_closed(world, plan.year, as_of)
    out = []
    for ini in _initiatives(plan):
        for m in ini.definition.milestones:
            done = ini.milestones_done.get(m.milestone_id)
            if m.evidence is not Evidence.CAMPAIGN_CLOSED or done is None:
                continue
            if not closed or done.completed_on < closed[0]:
                out.append(Issue("milestone_before_evidence", f"{_title(ini)}: {m.title}",
                                 (done.completed_on.isoformat(),
                                  closed[0].isoformat() if closed else ""), "plan_file"))
    return out


def budget_reconciles(world: World, plan: PlanState, as_of: date) -> list[Issue]:
    """Every krone of the approved budget is on a line: the initiatives' approved budgets and
    the budget's other lines add up to the total."""
    if plan.budget is None:
        return []
    lines = sum(approved_baseline(i, plan).budget_dkk for i in plan.initiatives.values())
    other = sum(item.amount_dkk for item in plan.budget.other_lines)
    total = plan.budget.amount_dkk
    if lines + other == total:
        return []
    return [Issue("budget_reconciles", plan.drafted.title if plan.drafted else str(plan.year),
                  (str(lines + other), str(total), str(total - lines - other)),
                  "budget_approval")]


def one_cost_basis(world: World, plan: PlanState, as_of: date) -> list[Issue]:
    """There is one cost basis, the approved baseline: a budget changed without a decision of
    the steering group is not it, and is listed until the group approves it."""
    out = []
    for ini in _initiatives(plan):
        base = approved_baseline(ini, plan).budget_dkk
        if ini.definition.budget_dkk != base:
            out.append(Issue("one_cost_basis", _title(ini),
                             (str(ini.definition.budget_dkk), str(base)), "plan_file"))
    return out


def breach_has_exception(world: World, plan: PlanState, as_of: date) -> list[Issue]:
    """Every tolerance breach (schedule, cost or forecast beyond amber) has an exception report."""
    amber = plan.tolerances()[0]
    out = []
    for ini in _initiatives(plan):
        st = initiative_status(ini, plan, as_of)
        reported = {f.payload.breach.value for f in ini.exceptions
                    if isinstance(f.payload, ExceptionReported)}
        for kind, value in (("schedule", st.schedule), ("cost", st.cost),
                            ("forecast", st.forecast)):
            if value is not None and value > amber and kind not in reported:
                out.append(Issue("breach_has_exception", _title(ini),
                                 (kind, f"{value:.3f}"), "exception_report"))
    return out


def goal_measured_when_due(world: World, plan: PlanState, as_of: date) -> list[Issue]:
    """A goal whose due date has passed has a measurement (or is computed by the system)."""
    out = []
    for ini in _initiatives(plan):
        for g in ini.definition.goals:
            if (g.computed_from is None and g.due <= as_of
                    and ini.latest_measurement(g.goal_id) is None):
                out.append(Issue("goal_measured_when_due", f"{_title(ini)}: {g.title}",
                                 (g.due.isoformat(),), "progress_report"))
    return out


Rule = Callable[[World, PlanState, date], list[Issue]]

RULES: tuple[Rule, ...] = (
    milestone_before_evidence,
    budget_reconciles,
    one_cost_basis,
    breach_has_exception,
    goal_measured_when_due,
)


def check(world: World, plan: PlanState | None, as_of: date) -> list[Issue]:
    """Every rule's breaches, in the order of `RULES`; an empty list when the inputs agree."""
    if plan is None:
        return []
    return [issue for rule in RULES for issue in rule(world, plan, as_of)]
