"""Each initiative of the plan: done against expected, deviations against the approved baseline,
the computed status beside the owner's, narrative, milestones, ideas taken in."""

from __future__ import annotations

from services.reporting.domain import InitiativeState, initiative_status
from services.reporting.report.model import InitiativeSection, Narrative, Rag
from services.reporting.report.sections.common import (
    Ctx,
    adoptions,
    idea_title,
    owner_rag,
    title,
)
from services.reporting.report.sections.milestones import milestones


def section(ctx: Ctx, ini: InitiativeState) -> InitiativeSection:
    iid = ini.definition.initiative_id
    baseline = ctx.baseline(ini)
    owner = ctx.name(ini.definition.owner)
    done, overdue, upcoming = milestones(ini, ctx.q, owner, baseline)
    p = ini.latest_report()
    narrative = (Narrative(p.narrative, p.as_of, ctx.name(p.reported_by)) if p else None)
    st = ctx.status(ini)
    before = ctx.prev.initiatives.get(iid)
    prev_rag = Rag.NONE
    if before is not None:
        prev_rag = Rag(initiative_status(before, ctx.prev_plan, ctx.prev_day).rag)
    tracks = ({t.code: t.title for t in ctx.plan.drafted.tracks}
              if ctx.plan is not None and ctx.plan.drafted else {})
    return InitiativeSection(
        initiative_id=str(iid), title=title(ini),
        track_id=ini.definition.track,
        track_title=tracks.get(ini.definition.track, ini.definition.track), owner=owner,
        budget=baseline.budget_dkk, schedule_deviation=st.schedule, cost_deviation=st.cost,
        rag_computed=Rag(st.rag),
        percent_done=float(p.percent) if p else None,
        percent_expected=st.expected_percent,
        rag=owner_rag(ini), rag_previous=owner_rag(before), narrative=narrative,
        milestones_completed=done, milestones_overdue=overdue, milestones_due_next=upcoming,
        adopted_ideas=tuple(idea_title(ctx.state, idea) for idea, _, _ in adoptions(ini)),
        forecast_deviation=st.forecast, rag_computed_previous=prev_rag,
    )
