"""The progress views, computed from the state of a plan year on a date (`domain.fold`):
`initiative_view`, `rollup(s)`, `plan_view`, the roll-up history and the change feed, as the
JSON the API serves. Nothing here does I/O."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from schemas.base import Payload
from schemas.governance import DecisionRequested, DecisionTaken
from schemas.plan import (
    ActionPlanApproved,
    ActionPlanDrafted,
    BudgetApproved,
    GoalMeasured,
    IdeaAdopted,
    InitiativeClosed,
    InitiativeDefined,
    InitiativeRevised,
    MilestoneCompleted,
    ProgressReported,
    Rag,
    SpendReported,
    SteeringMeetingHeld,
)
from services.reporting.domain import (
    Fact,
    InitiativeState,
    PlanState,
    World,
    expected_percent,
    fold_plan,
    initiative_status,
    local_day,
)
from services.reporting.report.sections.decisions import deferred_from


def goal_view(goal: Any, measurements: list[GoalMeasured]) -> dict[str, Any]:
    # the measurement of the latest day; of two about one day, the one known last
    latest = max(reversed(measurements), key=lambda m: m.measured_on, default=None)
    share = None
    if latest is not None:
        share = round((latest.value - goal.baseline) / (goal.target - goal.baseline), 3)
    return {
        "goal_id": goal.goal_id, "title": goal.title, "indicator": goal.indicator,
        "unit": goal.unit, "baseline": goal.baseline, "target": goal.target,
        "due": goal.due.isoformat(),
        "latest": None if latest is None else {
            "value": latest.value, "measured_on": latest.measured_on.isoformat(),
            "source": latest.source},
        "share_of_target_reached": share,
    }


def initiative_summary(ini: InitiativeState, as_of: date, plan: PlanState | None = None
                       ) -> dict[str, Any]:
    """`rag` is the computed status (`domain.initiative_status`, the report's); the owner's
    rating is `rag_owner`, and `rag_differs` says when the two disagree."""
    d = ini.definition
    report = ini.latest_report()
    st = initiative_status(ini, plan, as_of)
    computed = None if st.rag == "none" else st.rag
    owner = report.rag.value if report else None
    return {
        "initiative_id": str(d.initiative_id), "code": d.code, "track": d.track,
        "title": d.title, "owner": d.owner,
        "owner_name": plan.staff_name(d.owner) if plan is not None else d.owner,
        "budget_dkk": d.budget_dkk,
        "period": {"start": d.period.start.isoformat(), "end": d.period.end.isoformat()},
        "status": "closed" if ini.closed else "active",
        "percent": report.percent if report else None,
        "rag": computed,
        "rag_owner": owner,
        "rag_differs": computed is not None and owner is not None and computed != owner,
        "schedule_deviation": st.schedule, "cost_deviation": st.cost,
        "forecast_deviation": st.forecast,
        "reported_as_of": report.as_of.isoformat() if report else None,
        "expected_percent": expected_percent(d.period.start, d.period.end, as_of),
    }


def _computed(ini: InitiativeState, plan: PlanState | None, as_of: date) -> str:
    rag = initiative_status(ini, plan, as_of).rag
    return "unreported" if rag == "none" else rag


def initiative_view(ini: InitiativeState, as_of: date,
                    ideas: dict[uuid.UUID, dict[str, Any]],
                    plan: PlanState | None = None) -> dict[str, Any]:
    """One initiative as of a date. `ideas`: title, status and vote tally per adopted idea."""
    d = ini.definition
    done, overdue, upcoming = [], [], []
    for m in sorted(d.milestones, key=lambda m: (m.due, m.milestone_id)):
        item = {"milestone_id": m.milestone_id, "title": m.title, "due": m.due.isoformat()}
        completed = ini.milestones_done.get(m.milestone_id)
        if completed is not None:
            done.append({**item, "completed_on": completed.completed_on.isoformat()})
        elif m.due < as_of:
            overdue.append(item)
        else:
            upcoming.append(item)
    reports = sorted(ini.reports, key=lambda f: (f.payload.as_of, f.order))  # type: ignore[attr-defined]
    return {
        **initiative_summary(ini, as_of, plan),
        "as_of": as_of.isoformat(),
        "year": d.year,
        "description": d.description,
        "defined_at": ini.defined_at.isoformat(),
        "milestones": {"done": done, "overdue": overdue, "upcoming": upcoming},
        "goals": [goal_view(g, ini.measurements.get(g.goal_id, [])) for g in d.goals],
        "reports": [_report(f) for f in reports],
        "ideas": [{"idea_id": str(f.payload.idea_id),  # type: ignore[attr-defined]
                   "adopted_at": f.occurred_at.isoformat(),
                   "decided_by": f.payload.decided_by,  # type: ignore[attr-defined]
                   **ideas.get(f.payload.idea_id, {})}  # type: ignore[attr-defined]
                  for f in ini.ideas],
        "revisions": [{"at": f.occurred_at.isoformat(), "by": f.actor,
                       "reason": f.payload.reason}  # type: ignore[attr-defined]
                      for f in ini.revisions],
        "closed": None if ini.closed is None else {
            "closed_on": ini.closed.closed_on.isoformat(), "outcome": ini.closed.outcome},
    }


def _report(f: Fact) -> dict[str, Any]:
    p = f.payload
    assert isinstance(p, ProgressReported)
    return {"as_of": p.as_of.isoformat(), "percent": p.percent, "rag": p.rag.value,
            "narrative": p.narrative, "reported_by": p.reported_by,
            "reported_at": f.occurred_at.isoformat()}


def rollup(initiatives: list[InitiativeState], as_of: date, plan: PlanState | None = None
           ) -> dict[str, Any]:
    """Budget-weighted percent done and percent expected; counts of the computed status (the
    report's) and the budget behind each.

    An initiative without a report counts as 0 % done. With no budget at all the weights are
    equal, so a plan of unbudgeted initiatives still rolls up.
    """
    rows = []
    for ini in initiatives:
        d, report = ini.definition, ini.latest_report()
        rows.append((d.budget_dkk, report.percent if report else 0,
                     expected_percent(d.period.start, d.period.end, as_of),
                     _computed(ini, plan, as_of)))
    total = sum(b for b, _, _, _ in rows)

    def weighted(values: list[tuple[int, float]]) -> float | None:
        if not values:
            return None
        if total == 0:
            return round(sum(v for _, v in values) / len(values), 1)
        return round(sum(b * v for b, v in values) / total, 1)

    rag = {r.value: 0 for r in Rag} | {"unreported": 0}
    rag_budget = dict.fromkeys(rag, 0)
    for b, _, _, r in rows:
        rag[r] += 1
        rag_budget[r] += b
    return {
        "initiatives": len(rows), "budget_dkk": total,
        "percent": weighted([(b, p) for b, p, _, _ in rows]),
        "expected_percent": weighted([(b, e) for b, _, e, _ in rows]),
        "rag": rag, "rag_budget_dkk": rag_budget,
    }


def rollups(state: PlanState) -> dict[str, dict[str, Any]]:
    """Roll-ups per track code and for the whole plan (key "")."""
    by_track: dict[str, list[InitiativeState]] = {}
    for ini in state.initiatives.values():
        by_track.setdefault(ini.definition.track, []).append(ini)
    tracks = [t.code for t in state.drafted.tracks] if state.drafted else []
    out = {code: rollup(by_track.get(code, []), state.as_of, state)
           for code in dict.fromkeys([*tracks, *sorted(by_track)])}
    out[""] = rollup(list(state.initiatives.values()), state.as_of, state)
    return out


def plan_view(state: PlanState) -> dict[str, Any]:
    """A plan year as of a date: status, budget, meetings, tracks with initiatives and roll-ups."""
    d = state.drafted
    assert d is not None
    sums = rollups(state)
    by_track: dict[str, list[dict[str, Any]]] = {}
    for ini in sorted(state.initiatives.values(),
                      key=lambda i: (i.definition.code or "", i.definition.title)):
        by_track.setdefault(ini.definition.track, []).append(
            initiative_summary(ini, state.as_of, state))
    titles = {t.code: t.title for t in d.tracks}
    return {
        "year": state.year, "title": d.title, "as_of": state.as_of.isoformat(),
        "status": "approved" if state.approved else "draft",
        "drafted_at": state.drafted_at.isoformat() if state.drafted_at else None,
        "approved": None if state.approved is None else {
            "meeting_id": str(state.approved.meeting_id),
            "approved_on": state.approved.approved_on.isoformat()},
        "budget": None if state.budget is None else {
            "amount_dkk": state.budget.amount_dkk,
            "shares": state.budget.shares.model_dump()},
        "meetings": [{"meeting_id": str(m.meeting_id), "held_on": m.held_on.isoformat(),
                      "members_present": m.members_present.model_dump(),
                      "decisions": m.decisions, "items_for_decision": m.items_for_decision}
                     for m in sorted(state.meetings, key=lambda m: m.held_on)],
        "rollup": sums[""],
        "tracks": [{"code": code, "title": titles.get(code, code), "rollup": sums[code],
                    "initiatives": by_track.get(code, [])}
                   for code in sums if code],
    }


def plan_summary(state: PlanState) -> dict[str, Any]:
    d = state.drafted
    assert d is not None
    total = rollup(list(state.initiatives.values()), state.as_of, state)
    return {"year": state.year, "title": d.title,
            "status": "approved" if state.approved else "draft",
            "budget_dkk": state.budget.amount_dkk if state.budget else None,
            "initiatives": total["initiatives"], "percent": total["percent"],
            "expected_percent": total["expected_percent"]}


def rollup_history(year: int, facts: list[Fact]) -> list[tuple[date, str, dict[str, Any]]]:
    """The roll-ups as they stood at the end of every day on which something became known.

    Computed from the facts alone, so replaying the topic rebuilds the same history.
    """
    out: list[tuple[date, str, dict[str, Any]]] = []
    for day in sorted({local_day(f.occurred_at) for f in facts}):
        state = fold_plan(year, facts, day)
        if state.drafted is None:
            continue
        out.extend((day, track, r) for track, r in rollups(state).items())
    return out


def change(f: Fact, titles: dict[uuid.UUID, str], rag: str | None = None) -> dict[str, Any]:
    """One entry of the change feed: when, what, who, a one-line summary, the fact's own fields
    (`details`, typed as in its event: what a page puts in its own words), and for progress and
    spend the initiative's computed status once it was known (`rag`)."""
    p = f.payload
    initiative_id = getattr(p, "initiative_id", None)
    return {"at": f.occurred_at.isoformat(), "type": type(p).__event_type__,
            "by": f.actor, "event_id": str(f.event_id),
            "initiative_id": str(initiative_id) if initiative_id else None,
            "initiative_title": titles.get(initiative_id) if initiative_id else None,
            "rag": rag,
            "details": p.model_dump(mode="json"),
            "summary": summary(p) + (f"; status {rag}" if rag else "")}


def statuses_after(year: int, facts: list[Fact], changed: list[Fact]) -> dict[uuid.UUID, str]:
    """For each progress or spend report in `changed`, the initiative's computed status at the
    end of the day it became known (`domain.initiative_status`)."""
    out: dict[uuid.UUID, str] = {}
    by_day: dict[date, list[Fact]] = {}
    for f in changed:
        if isinstance(f.payload, ProgressReported | SpendReported):
            by_day.setdefault(local_day(f.occurred_at), []).append(f)
    for day, items in sorted(by_day.items()):
        state = fold_plan(year, facts, day)
        for f in items:
            ini = state.initiatives.get(f.payload.initiative_id)  # type: ignore[attr-defined]
            if ini is not None:
                rag = initiative_status(ini, state, day).rag
                if rag != "none":
                    out[f.event_id] = rag
    return out


def summary(p: Payload) -> str:
    """A one-line description of a fact, for the change feed."""
    if isinstance(p, ActionPlanDrafted):
        return f"plan drafted: {p.title} ({', '.join(t.code for t in p.tracks)})"
    if isinstance(p, ActionPlanApproved):
        return f"plan approved on {p.approved_on}"
    if isinstance(p, BudgetApproved):
        return f"budget approved: DKK {p.amount_dkk:,}"
    if isinstance(p, InitiativeDefined):
        return f"initiative defined: {p.title} (DKK {p.budget_dkk:,})"
    if isinstance(p, InitiativeRevised):
        return f"initiative revised: {p.reason}"
    if isinstance(p, InitiativeClosed):
        return f"initiative closed on {p.closed_on}"
    if isinstance(p, ProgressReported):
        return f"progress {p.percent} % (owner's rating {p.rag.value}) as of {p.as_of}"
    if isinstance(p, MilestoneCompleted):
        return f"milestone {p.milestone_id} completed on {p.completed_on}"
    if isinstance(p, GoalMeasured):
        return f"goal {p.goal_id} measured {p.value:g} on {p.measured_on} ({p.source})"
    if isinstance(p, IdeaAdopted):
        return f"idea {p.idea_id} adopted"
    if isinstance(p, SteeringMeetingHeld):
        return f"steering-group meeting held on {p.held_on}"
    if isinstance(p, DecisionRequested):
        return f"decision requested for the meeting on {p.for_meeting_on}: {p.title}"
    if isinstance(p, DecisionTaken):
        return f"decision taken on {p.decided_on}: {p.chosen}"
    return type(p).__name__


def decisions_view(world: World, year: int, titles: dict[uuid.UUID, str] | None = None
                   ) -> dict[str, Any]:
    """The items put to the steering group for a plan year, as known at the end of
    `world.as_of`: each with its options, the meetings that had it on their agenda (by its
    title, as a meeting's agenda names it), the earlier meetings that deferred it (the report's
    rule, `sections.decisions.deferred_from`) and the answer once given; and every meeting
    of the year (and of other years, when they had one of its items on their agenda or answered
    one), newest first, for the forms that answer an item. `titles`: the initiatives' titles,
    for the items that concern one."""
    held_facts = [(f.payload, f) for f in world.meetings
                  if isinstance(f.payload, SteeringMeetingHeld)]
    meetings = [m for m, _ in sorted(held_facts, key=lambda mf: (mf[0].held_on, mf[1].order),
                                     reverse=True)]  # newest first
    held = {m.meeting_id: m for m in meetings}
    items: list[dict[str, Any]] = []
    for d in world.requests.values():
        r = d.request
        if r.year != year:
            continue
        answer = None
        if d.taken is not None and d.taken_fact is not None:
            meeting = held.get(d.taken.meeting_id)
            answer = {"meeting_id": str(d.taken.meeting_id),
                      "meeting_held_on": meeting.held_on.isoformat() if meeting else None,
                      "decided_on": d.taken.decided_on.isoformat(), "chosen": d.taken.chosen,
                      "note": d.taken.note, "recorded_by": d.taken_fact.actor,
                      "recorded_at": d.taken_fact.occurred_at.isoformat()}
        items.append({
            "decision_id": str(r.decision_id), "title": r.title, "question": r.question,
            "recommendation": r.recommendation,
            "options": [{"label": o.label, "consequence": o.consequence} for o in r.options],
            "requested_on": r.requested_on.isoformat(),
            "for_meeting_on": r.for_meeting_on.isoformat(),
            "requested_by": r.requested_by, "requested_at": d.requested.occurred_at.isoformat(),
            "initiative_id": str(r.initiative_id) if r.initiative_id else None,
            "initiative_title": (titles or {}).get(r.initiative_id) if r.initiative_id else None,
            "status": "answered" if answer else "open",
            "agenda": [{"meeting_id": str(m.meeting_id), "held_on": m.held_on.isoformat()}
                       for m in reversed(meetings) if r.title in m.items_for_decision],
            "deferred_from": [day.isoformat() for day in deferred_from(
                world, r, d.taken, world.as_of)],
            "answer": answer,
        })
    items.sort(key=lambda i: (i["for_meeting_on"], i["title"], i["decision_id"]))
    # the year's meetings, and those of other years that had one of its items on their agenda
    # or answered one
    asked = {str(i["title"]) for i in items}
    answered_at = {str(i["answer"]["meeting_id"]) for i in items if i["answer"]}
    meetings = [m for m in meetings if m.held_on.year == year
                or asked & set(m.items_for_decision) or str(m.meeting_id) in answered_at]
    return {
        "year": year, "as_of": world.as_of.isoformat(), "decisions": items,
        "meetings": [{"meeting_id": str(m.meeting_id), "held_on": m.held_on.isoformat(),
                      "members_present": m.members_present.model_dump(),
                      "decisions": m.decisions, "items_for_decision": m.items_for_decision}
                     for m in meetings],
    }
