"""A campaign's official answers in the quarter (formulas: `domain.answers`)."""

from __future__ import annotations

import uuid

from services.reporting.domain import end_of_day, local_day
from services.reporting.domain.answers import answers_by_state, answers_due, overdue_answers
from services.reporting.report.model import AnswerCount, AnswersSection, OverdueAnswer, Source
from services.reporting.report.sections.common import Ctx, idea_title, source


def answered_campaigns(ctx: Ctx) -> set[uuid.UUID]:
    """The campaigns with an answer given, due or overdue in the quarter: in the report even
    when they were not open in it (answers mostly come after the votes)."""
    start, end = ctx.q.start, end_of_day(ctx.day)
    return {f.payload.campaign_id for f in ctx.state.answers  # type: ignore[attr-defined]
            if start <= f.occurred_at < end}


def answers(ctx: Ctx, cid: uuid.UUID) -> tuple[AnswersSection | None, list[Source]]:
    start, end = ctx.q.start, end_of_day(ctx.day)
    facts = ctx.state.answers
    given = answers_by_state(facts, cid, start, end)
    due = answers_due(facts, cid, start, end)
    overdue = overdue_answers(facts, cid, start, end)
    threshold = ctx.state.campaigns[cid].created.answer_threshold
    if not (given or due or overdue):
        return None, []
    section = AnswersSection(
        given=tuple(AnswerCount(state.value, n) for state, n, _ in given),
        became_due=len(due),
        overdue=tuple(OverdueAnswer(idea_title(ctx.state, o.idea_id), local_day(o.due),
                                    local_day(o.answered_at) if o.answered_at else None)
                      for o in overdue),
        threshold_supports=threshold.supports if threshold else None,
        threshold_days=threshold.days if threshold else None)
    ids = [f.event_id for f in facts if f.payload.campaign_id == cid  # type: ignore[attr-defined]
           and start <= f.occurred_at < end]
    title = ctx.state.campaigns[cid].created.title
    return section, [source("answers", title,
                            {type(f.payload).__event_type__ for f in facts if f.event_id in ids},
                            ids)]
