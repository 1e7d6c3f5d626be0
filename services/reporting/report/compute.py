"""Build the quarter's `Report` from recorded facts and vote aggregates (pure: no I/O).

As-of: only facts with `occurred_at` before the quarter's end count (for a marked draft of a
quarter not yet ended, before the end of its day), so a past quarter's report does not change
when later events arrive. "Since the previous quarter" compares against the same computation at
the previous quarter's end. The state comes from the one fold of the reporting domain
(`domain.fold`), the same the progress views use; each section is its own module under
`sections/`, every formula is in `domain`.
"""

from __future__ import annotations

from collections import Counter

from services.reporting.domain.figures import worst
from services.reporting.report.model import Campaigns, Rag, RagCount, Report, Source, Summary
from services.reporting.report.sections.baseline import baseline_changes
from services.reporting.report.sections.benefits import benefits
from services.reporting.report.sections.campaigns import campaigns
from services.reporting.report.sections.common import (
    CampaignVotes,
    CampaignWhatIf,
    Ctx,
    Inputs,
    make_ctx,
    plan_title,
    source,
    title,
    types,
)
from services.reporting.report.sections.data_quality import data_quality
from services.reporting.report.sections.decisions import decisions
from services.reporting.report.sections.document_control import cover
from services.reporting.report.sections.economy import economy
from services.reporting.report.sections.exceptions import exceptions
from services.reporting.report.sections.goals import goals
from services.reporting.report.sections.initiatives import section
from services.reporting.report.sections.moderation import moderation
from services.reporting.report.sections.participation import figures
from services.reporting.report.sections.risks import risks
from services.reporting.report.sections.summary import changes, messages
from services.reporting.report.sections.trend import trend

__all__ = ["CampaignVotes", "CampaignWhatIf", "Inputs", "compute"]


def _appendix(ctx: Ctx) -> list[Source]:
    by_id, plan = ctx.by_id, ctx.plan
    out: list[Source] = []
    if plan is not None:
        out.append(source("plan", plan_title(plan), types(by_id, plan.ids), plan.ids))
    for ini in ctx.current:
        name = title(ini)
        out.append(source("progress", name, types(by_id, ini.ids), ini.ids))
        if ini.milestone_ids:
            out.append(source("milestones", name, types(by_id, ini.milestone_ids),
                              ini.milestone_ids))
        if ini.goal_ids:
            out.append(source("goals", name, types(by_id, ini.goal_ids), ini.goal_ids))
    return out


def compute(inputs: Inputs) -> Report:
    ctx = make_ctx(inputs)
    q, plan, by_id = ctx.q, ctx.plan, ctx.by_id
    sections = {i.definition.initiative_id: section(ctx, i) for i in ctx.current}
    ordered = [sections[i.definition.initiative_id] for i in ctx.current]
    now_figures = figures(ctx.state, inputs.votes)
    goal_lines = goals(ctx, now_figures, figures(ctx.prev, {}))
    appendix = _appendix(ctx)
    campaign_sections, campaign_sources = campaigns(ctx)
    appendix += campaign_sources
    mod, decision_ids = moderation(ctx.state, q)
    appendix.append(source("moderation", "", types(by_id, decision_ids), decision_ids))
    budget = economy(ctx)
    if budget is not None and plan is not None:
        # the budget as it stands: each initiative's definitions, and its spend
        ids = (plan.budget_ids + [e for i in ctx.current for e in i.ids[:1]]
               + [f.event_id for i in ctx.current for f in i.revisions]
               + [f.event_id for i in ctx.current for f in i.spend])
        appendix.append(source("budget", plan_title(plan), types(by_id, ids), ids))
    revised = baseline_changes(ctx)
    if revised:
        ids = [f.event_id for _, f in revised]
        appendix.append(source("baseline", "", types(by_id, ids), ids))
    risk_lines, risk_ids = risks(ctx, ctx.current, q)
    if risk_ids:
        appendix.append(source("risks", "", types(by_id, risk_ids), risk_ids))
    items, item_ids = decisions(ctx.state, q, ctx.day)
    appendix.append(source("decisions", "", types(by_id, item_ids), item_ids))
    breaches = exceptions(ctx)
    exception_ids = [f.event_id for i in ctx.current for f in i.exceptions]
    if exception_ids:
        appendix.append(source("exceptions", "", types(by_id, exception_ids), exception_ids))
    quality = data_quality(ctx)

    fp, before = inputs.fingerprint, inputs.previous_fingerprint
    in_quarter = fp.event_count - (before.event_count if before else 0)
    nothing = in_quarter == 0
    differs = [s.title for s in ordered
               if Rag.NONE not in (s.rag, s.rag_computed) and s.rag != s.rag_computed]
    counted = Counter(s.rag_computed for s in ordered)
    nxt = q.next()
    next_quarter = sorted(
        (m for s in ordered for m in s.milestones_due_next if nxt.first_day <= m.due),
        key=lambda m: (m.due, m.initiative, m.title))
    report = Report(
        executive_summary=Summary(
            overall=Rag(worst(s.rag_computed.value for s in ordered)),
            overall_basis="overall_basis.computed", nothing_to_report=nothing,
            messages=messages(ctx, nothing, ordered, goal_lines, items, budget, breaches),
            rag=tuple(RagCount(r, counted[r]) for r in (Rag.GREEN, Rag.AMBER, Rag.RED,
                                                         Rag.NONE)),
            changes=changes(ctx, sections),  # type: ignore[arg-type]
            tolerances=ctx.tolerances, rag_differs=tuple(differs),
            goals_not_measured=sum(1 for g in goal_lines if g.actual is None),
            goals_total=len(goal_lines), data_quality_issues=len(quality),
            exceptions_missing=sum(1 for e in breaches if e.status == "missing")),
        decisions=items,
        initiatives=tuple(ordered),
        baseline_changes=tuple(c for c, _ in revised),
        economy=budget,
        risks=tuple(risk_lines),
        goals=tuple(goal_lines),
        campaigns=Campaigns(tuple(campaign_sections), mod),
        milestones_next_quarter=tuple(next_quarter),
        document_control=cover(ctx, 1 + len(revised), in_quarter),
        appendix=tuple(appendix),
        benefits=benefits(goal_lines),
        trend=trend(ctx, ordered, goal_lines, risk_lines),
        exceptions=tuple(breaches),
        data_quality=quality,
    )
    return report.with_content_hash()
