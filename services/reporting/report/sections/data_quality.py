"""Data quality: the breaches of the consistency rules (`domain.consistency`), each with what
to correct and where; an empty list when the inputs agree."""

from __future__ import annotations

from services.reporting.domain.consistency import check
from services.reporting.report.model import DataQualityIssue
from services.reporting.report.sections.common import Ctx


def data_quality(ctx: Ctx) -> tuple[DataQualityIssue, ...]:
    return tuple(DataQualityIssue(i.rule, i.subject, f"detail.{i.rule}", i.values,
                                  f"correct_in.{i.correct_in}")
                 for i in check(ctx.state, ctx.plan, ctx.day))
