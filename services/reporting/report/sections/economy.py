"""The economy: the approved budget line by line (initiatives at their approved baseline, and
the budget's other lines), phased to the cut-off, spend, forecast, and the funders' split."""

from __future__ import annotations

from collections.abc import Mapping

from services.reporting.domain.figures import deviation
from services.reporting.report.model import BudgetLine, BudgetSection, FundingShare
from services.reporting.report.sections.common import Ctx, title

PARTIES = ("state", "municipalities", "regions")


def split(amount: int, shares: Mapping[str, int], total: int) -> tuple[FundingShare, ...]:
    out = []
    for party in PARTIES:
        pct = 100.0 * shares[party] / total if total else 0.0
        out.append(FundingShare(party, round(amount * shares[party] / total) if total else 0,
                                round(pct, 1)))
    return tuple(out)


def economy(ctx: Ctx) -> BudgetSection | None:
    plan = ctx.plan
    if plan is None or plan.budget is None:
        return None
    total = plan.budget.amount_dkk
    shares = plan.budget.shares.model_dump()
    lines = []
    for ini in ctx.current:
        base = ctx.baseline(ini)
        first = ini.original.budget_dkk if ini.original else base.budget_dkk
        spend = ini.latest_spend()
        st = ctx.status(ini)
        forecast = spend.forecast_dkk if spend else None
        lines.append(BudgetLine(
            title(ini), base.budget_dkk, spend.spent_dkk if spend else None, st.phased,
            forecast, first if first != base.budget_dkk else None,
            deviation(forecast, base.budget_dkk) if forecast is not None else None))
    for item in plan.budget.other_lines:
        lines.append(BudgetLine(item.title, item.amount_dkk, kind="other"))
    reported = [line for line in lines if line.spent is not None]
    spent = sum(line.spent or 0 for line in reported) if reported else None
    # the forecast of a line without a spend report is its amount
    forecast = (sum(line.forecast if line.forecast is not None else line.amount
                    for line in lines) if reported else None)
    return BudgetSection(
        total=total, spent=spent,
        shares=tuple(FundingShare(party, int(shares[party]),
                                  round(100.0 * int(shares[party]) / total, 1) if total else 0.0)
                     for party in PARTIES),
        lines=tuple(lines), phased=sum(line.phased or 0 for line in lines),
        forecast=forecast,
        spent_by_party=split(spent, shares, total) if spent is not None else (),
        allocated=sum(line.amount for line in lines))
