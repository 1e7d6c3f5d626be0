"""Trend: status, percent complete, spend, goals and risk scores now against the previous
quarter's end."""

from __future__ import annotations

from services.reporting.domain.figures import RAG_RANK
from services.reporting.report.model import GoalLine, InitiativeSection, RiskLine, TrendLine
from services.reporting.report.sections.common import Ctx


def _direction(before: float | None, now: float | None, higher_is_better: bool) -> str:
    if now is None and before is None:
        return "same"
    if before is None:
        return "new"
    if now is None or now == before:
        return "same"
    return "better" if (now > before) == higher_is_better else "worse"


def _num(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def trend(ctx: Ctx, sections: list[InitiativeSection], goals: list[GoalLine],
          risks: list[RiskLine]) -> tuple[TrendLine, ...]:
    out: list[TrendLine] = []
    for s in sections:
        before, now = s.rag_computed_previous.value, s.rag_computed.value
        out.append(TrendLine("status", s.title, before, now, _direction(
            -RAG_RANK[before] if before != "none" else None,
            -RAG_RANK[now] if now != "none" else None, True)))
        ini = next(i for i in ctx.current if str(i.definition.initiative_id) == s.initiative_id)
        prev = ctx.prev.initiatives.get(ini.definition.initiative_id)
        was = prev.latest_report() if prev else None
        out.append(TrendLine("percent_done", s.title, _num(float(was.percent) if was else None),
                             _num(s.percent_done), _direction(
                                 float(was.percent) if was else None, s.percent_done, True)))
        spent_before = prev.latest_spend() if prev else None
        spent_now = ini.latest_spend()
        out.append(TrendLine(
            "spent", s.title, _num(spent_before.spent_dkk if spent_before else None),
            _num(spent_now.spent_dkk if spent_now else None),
            "new" if spent_before is None and spent_now is not None else "same"
            if spent_now is None or spent_before is None
            or spent_now.spent_dkk == spent_before.spent_dkk else "more"))
    for g in goals:
        rising = (g.target or 0) >= (g.baseline or 0)
        out.append(TrendLine("goal", f"{g.initiative}: {g.title}", _num(g.previous),
                             _num(g.actual), _direction(g.previous, g.actual, rising)))
    prev_scores = {}
    for ini in ctx.prev.initiatives.values():
        for risk_id, facts in ini.risks.items():
            score = None
            for f in sorted(facts, key=lambda f: f.order):
                p = f.payload
                if hasattr(p, "likelihood") and hasattr(p, "impact"):
                    score = p.likelihood * p.impact
            prev_scores[(str(ini.definition.initiative_id), risk_id)] = score
    ids = {s.title: s.initiative_id for s in sections}
    for r in risks:
        before_score = prev_scores.get((ids.get(r.initiative, ""), r.risk_id))
        out.append(TrendLine("risk_score", f"{r.initiative}: {r.title}", _num(before_score),
                             _num(r.score), _direction(before_score, r.score, False)))
    return tuple(out)
