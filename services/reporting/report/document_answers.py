"""A campaign's official answers in the quarter, laid out as blocks (see `document.py`)."""

from __future__ import annotations

from services.reporting.report.blocks import Block, Heading, Para, Table
from services.reporting.report.i18n import Lang, fmt_date, fmt_number, t
from services.reporting.report.model import AnswersSection


def answer_blocks(a: AnswersSection, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(4, t(lang, "official_answers"))]
    if a.threshold_supports is not None and a.threshold_days is not None:
        out.append(Para(t(lang, "answers_promise").format(
            supports=fmt_number(a.threshold_supports, lang),
            days=fmt_number(a.threshold_days, lang)), muted=True))
    if a.given:
        out.append(Table(
            (t(lang, "answer_state"), t(lang, "answers_given")),
            tuple((t(lang, f"answer.{g.state}"), fmt_number(g.count, lang)) for g in a.given),
            ("l", "r"), (4, 1.5)))
    else:
        out.append(Para(t(lang, "answers_none_given")))
    if a.became_due:
        out.append(Para(t(lang, "answers_became_due").format(n=fmt_number(a.became_due, lang))))
    if a.overdue:
        out.append(Heading(4, f"{t(lang, 'answers_overdue')} ({fmt_number(len(a.overdue), lang)})"))
        out.append(Table(
            (t(lang, "idea"), t(lang, "answer_due"), t(lang, "answer_given_on")),
            tuple((o.idea_title, fmt_date(o.due, lang),
                   fmt_date(o.answered_on, lang) if o.answered_on
                   else t(lang, "answer_not_given")) for o in a.overdue),
            ("l", "l", "l"), (5, 2, 2)))
    return out
