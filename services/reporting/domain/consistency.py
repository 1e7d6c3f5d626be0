"""The consistency rules a quarterly report runs before it is rendered.

Each rule reads what was known at the end of a day and returns the breaches it finds: what is
wrong, with the values that show it, and where to correct it. The report lists them in its
data-quality section; nothing is smoothed away. Pure: the standard library and `schemas` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.plan import Evidence, ExceptionReported, InitiativeRevised, Milestone
from services.reporting.domain import (
    DecisionState,
    InitiativeState,
    PlanState,
    World,
    approved_baseline,
    initiative_status,
    local_day,
)
from services.reporting.domain.stated_dates import Says, clauses, stated_dates


@dataclass(frozen=True)
class Issue:
    """One breach: the rule, what it is about, the values that show it, where to correct it."""

    rule: str
    subject: str
    values: tuple[str, ...]
    correct_in: str  # plan_file / progress_report / budget_approval / exception_report /
    # decision_item


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


def _named(clause: str, titles: list[str]) -> list[str]:
    """The milestone titles a clause names (a title inside a longer one named is not)."""
    low = clause.casefold()
    hits = [t for t in titles if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", low)]
    return [t for t in hits if not any(t != o and t in o for o in hits)]


def _decided_due(ini: InitiativeState, decision: DecisionState, milestone_id: str
                 ) -> date | None:
    """The milestone's due date in the latest revision made on the decision, if any."""
    due = None
    for f in ini.revisions:
        p = f.payload
        if isinstance(p, InitiativeRevised) and p.decision_id == decision.request.decision_id:
            due = next((m.due for m in p.milestones if m.milestone_id == milestone_id), due)
    return due


def decision_matches_plan_dates(world: World, plan: PlanState, as_of: date) -> list[Issue]:
    """A decision item does not contradict the plan's dates. Where its text names a milestone
    by its title and states a date beside it: while the item is open, a date the text gives as
    the milestone's own (stated, or the one a change moves it from) is its due date in the
    plan; once answered, a date the chosen option states or moves it to is its due date in the
    revision made on the decision. A date the text proposes while open is not checked, nor a
    clause naming two milestones, nor a title that names milestones of different dates."""
    by_title: dict[str, list[tuple[InitiativeState, Milestone]]] = {}
    for ini in _initiatives(plan):
        for m in ini.definition.milestones:
            by_title.setdefault(m.title.casefold(), []).append((ini, m))
    out = []
    for d in sorted((d for d in world.requests.values() if d.request.year == plan.year),
                    key=lambda d: (d.request.for_meeting_on, d.request.title,
                                   str(d.request.decision_id))):
        r = d.request
        if d.taken is None:
            texts = [r.question, r.recommendation, *(o.consequence for o in r.options)]
            checked = {Says.WAS, Says.STATED}
        else:
            texts = [o.consequence for o in r.options if o.label == d.taken.chosen]
            checked = {Says.NEW, Says.STATED}
        everything = " ".join([r.title, r.question, r.recommendation,
                               *(o.consequence for o in r.options)])
        seen: set[tuple[str, str, date]] = set()
        for clause in (c for text in texts for c in clauses(text)):
            named = _named(clause, list(by_title))
            if len(named) != 1:
                continue
            found = by_title[named[0]]
            # of milestones of one title in several initiatives, the ones the item names
            coded = [(i, m) for i, m in found if i.definition.code and re.search(
                rf"\b{re.escape(i.definition.code)}\b", everything)]
            if len({(i.definition.initiative_id, m.due) for i, m in coded or found}) != 1:
                continue
            ini, milestone = (coded or found)[0]
            due = milestone.due if d.taken is None else _decided_due(ini, d, milestone.milestone_id)
            for stated in stated_dates(clause, r.year):
                key = (str(ini.definition.initiative_id), milestone.milestone_id, stated.day)
                if (due is None or stated.says not in checked or stated.day == due
                        or key in seen):
                    continue
                seen.add(key)
                out.append(Issue("decision_matches_plan_dates",
                                 f"{r.title}: {_title(ini)}: {milestone.title}",
                                 (stated.day.isoformat(), due.isoformat()), "decision_item"))
    return out


Rule = Callable[[World, PlanState, date], list[Issue]]

RULES: tuple[Rule, ...] = (
    milestone_before_evidence,
    budget_reconciles,
    one_cost_basis,
    breach_has_exception,
    goal_measured_when_due,
    decision_matches_plan_dates,
)


def check(world: World, plan: PlanState | None, as_of: date) -> list[Issue]:
    """Every rule's breaches, in the order of `RULES`; an empty list when the inputs agree."""
    if plan is None:
        return []
    return [issue for rule in RULES for issue in rule(world, plan, as_of)]
