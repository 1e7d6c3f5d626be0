"""The report laid out as a sequence of neutral blocks, in one language.

All wording and number formatting happens here, once; the Markdown, HTML and PDF renderers only
turn blocks into their format (and escape text for it), so the three always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.reporting.report import charts
from services.reporting.report.i18n import (
    Lang,
    fmt_date,
    fmt_datetime,
    fmt_dkk,
    fmt_number,
    fmt_percent,
    fmt_quarter,
    fmt_value,
    t,
)
from services.reporting.report.model import (
    CampaignSection,
    Fingerprint,
    InitiativeSection,
    MilestoneLine,
    Report,
)

Align = Literal["l", "r"]


@dataclass(frozen=True)
class Heading:
    level: int  # 1 title, 2 section, 3 subsection, 4 minor
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    muted: bool = False


@dataclass(frozen=True)
class Facts:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[Align, ...]
    widths: tuple[float, ...]  # relative column widths (PDF)
    small: bool = False  # reference material in a smaller type (PDF)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Chart:
    drawing: charts.Drawing


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Para | Facts | Table | Bullets | Chart | PageBreak


def _fp(fp: Fingerprint | None, lang: Lang) -> str:
    if fp is None:
        return t(lang, "not_available")
    return f"{fmt_number(fp.event_count, lang)} {t(lang, 'events')} · sha256:{fp.events_hash}"


def build(report: Report, lang: Lang) -> list[Block]:
    c = report.cover
    blocks: list[Block] = [
        Heading(1, f"{t(lang, 'title')} – {fmt_quarter(c.quarter, lang)}"),
        Facts((
            (t(lang, "plan"), c.plan_title),
            (t(lang, "quarter"), fmt_quarter(c.quarter, lang)),
            (t(lang, "period"),
             f"{fmt_date(c.period_start, lang)} – {fmt_date(c.period_end, lang)}"),
            (t(lang, "cutoff"), fmt_datetime(c.cutoff, lang)),
            (t(lang, "fingerprint"), _fp(c.fingerprint, lang)),
            (t(lang, "previous_fingerprint"),
             f"{fmt_quarter(c.previous_quarter, lang)}: {_fp(c.previous_fingerprint, lang)}"),
            (t(lang, "content_hash"), f"sha256:{report.content_hash}"),
        )),
    ]
    blocks += _summary(report, lang)
    blocks += _tracks(report, lang)
    blocks += _campaigns(report, lang)
    blocks += _moderation(report, lang)
    blocks += _budget(report, lang)
    blocks += _decisions(report, lang)
    blocks += _appendix(report, lang)
    return blocks


def _summary(report: Report, lang: Lang) -> list[Block]:
    s = report.summary
    out: list[Block] = [
        Heading(2, t(lang, "summary")),
        Heading(3, t(lang, "rag_distribution")),
        Chart(charts.rag_distribution(s.rag, lang)),
        Table((t(lang, "status"), t(lang, "count")),
              tuple((t(lang, f"rag.{r.rag.value}"), fmt_number(r.count, lang)) for r in s.rag),
              ("l", "r"), (3, 1)),
        Heading(3, t(lang, "changes")),
    ]
    if s.changes:
        items = []
        for ch in s.changes:
            text = f"{t(lang, 'change.' + ch.kind)}: {ch.subject}"
            if ch.before is not None or ch.after is not None:
                before = _maybe_rag(ch.before, lang)
                after = _maybe_rag(ch.after, lang)
                text += f" ({before} → {after})"
            items.append(text)
        out.append(Bullets(tuple(items)))
    else:
        out.append(Para(t(lang, "no_changes"), muted=True))
    return out


def _maybe_rag(value: str | None, lang: Lang) -> str:
    if value is None:
        return t(lang, "not_available")
    if value in ("green", "amber", "red", "none"):
        return t(lang, f"rag.{value}")
    return value


def _milestones(title_key: str, lines: tuple[MilestoneLine, ...], lang: Lang) -> list[Block]:
    if not lines:
        return []
    rows = tuple(
        (m.title, fmt_date(m.due, lang),
         fmt_date(m.completed_on, lang) if m.completed_on else t(lang, "not_available"))
        for m in lines)
    return [Heading(4, t(lang, title_key)),
            Table((t(lang, "milestone"), t(lang, "due"), t(lang, "completed")), rows,
                  ("l", "l", "l"), (5, 2, 2))]


def _initiative(ini: InitiativeSection, lang: Lang) -> list[Block]:
    rag = t(lang, f"rag.{ini.rag.value}")
    if ini.rag_previous != ini.rag:
        rag += f" ({t(lang, 'previous')}: {t(lang, 'rag.' + ini.rag_previous.value)})"
    out: list[Block] = [
        Heading(3, ini.title),
        Facts((
            (t(lang, "done"), fmt_percent(ini.percent_done, lang)),
            (t(lang, "expected"), fmt_percent(ini.percent_expected, lang)),
            (t(lang, "status"), rag),
        )),
    ]
    if ini.narrative:
        when = fmt_date(ini.narrative.reported_on, lang)
        out.append(Heading(4, f"{t(lang, 'narrative')} ({when})"))
        out.append(Para(ini.narrative.text))
    else:
        out.append(Para(t(lang, "no_narrative"), muted=True))
    out += _milestones("milestones_completed", ini.milestones_completed, lang)
    out += _milestones("milestones_overdue", ini.milestones_overdue, lang)
    out += _milestones("milestones_due_next", ini.milestones_due_next, lang)
    if ini.goals:
        rows = tuple(
            (g.title, g.indicator, fmt_value(g.baseline, g.unit, lang),
             fmt_value(g.target, g.unit, lang), fmt_value(g.actual, g.unit, lang),
             t(lang, "met") if g.met else t(lang, "not_met"))
            for g in ini.goals)
        out.append(Heading(4, t(lang, "goals")))
        out.append(Table((t(lang, "goal"), t(lang, "indicator"), t(lang, "baseline"),
                          t(lang, "target"), t(lang, "actual"), t(lang, "status")), rows,
                         ("l", "l", "r", "r", "r", "l"), (3.4, 3, 2.1, 1.8, 1.6, 1.4)))
    if ini.adopted_ideas:
        out.append(Heading(4, t(lang, "adopted_ideas")))
        out.append(Bullets(ini.adopted_ideas))
    return out


def _tracks(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "tracks"))]
    if report.initiatives:
        out.append(Chart(charts.progress_bars(report.initiatives, lang)))
    for track in report.tracks:
        out.append(Heading(2, track.title))
        for ini in track.initiatives:
            out += _initiative(ini, lang)
    return out


def _campaign(c: CampaignSection, lang: Lang) -> list[Block]:
    out: list[Block] = [
        Heading(3, c.title),
        Facts((
            (t(lang, "window"),
             f"{fmt_date(c.opens_at.date(), lang)} – {fmt_date(c.closes_at.date(), lang)}"),
            (t(lang, "participants"), fmt_number(c.participants, lang)),
            (t(lang, "ideas_submitted"), fmt_number(c.ideas_submitted, lang)),
            (t(lang, "ideas_published"), fmt_number(c.ideas_published, lang)),
            (t(lang, "ideas_rejected"), fmt_number(c.ideas_rejected, lang)),
            (t(lang, "votes"), fmt_number(c.votes, lang)),
        )),
    ]
    if c.participants_by_sector:
        out.append(Heading(4, t(lang, "participants_by_sector")))
        out.append(Table(
            (t(lang, "sector"), t(lang, "participants")),
            tuple((t(lang, f"sector.{s.sector}"), fmt_number(s.participants, lang))
                  for s in c.participants_by_sector),
            ("l", "r"), (3, 1)))
    if c.votes_by_day:
        out.append(Heading(4, t(lang, "votes_over_time")))
        out.append(Chart(charts.votes_over_time(c.votes_by_day, lang)))
    if c.top_ideas:
        out.append(Heading(4, t(lang, "top_ideas")))
        out.append(Table(
            (t(lang, "rank"), t(lang, "idea"), t(lang, "votes"), t(lang, "status")),
            tuple((str(i.rank), i.title, fmt_number(i.votes, lang),
                   t(lang, f"idea_status.{i.status}")) for i in c.top_ideas),
            ("r", "l", "r", "l"), (0.7, 6, 1.4, 1.8)))
    if c.adopted_ideas:
        out.append(Heading(4, t(lang, "adopted_ideas")))
        out.append(Table(
            (t(lang, "idea"), t(lang, "adopted_into"), t(lang, "adopted_on")),
            tuple((a.idea_title, a.initiative_title, fmt_date(a.adopted_on, lang))
                  for a in c.adopted_ideas),
            ("l", "l", "l"), (4, 4, 2)))
    return out


def _campaigns(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "ideastorms"))]
    if not report.campaigns:
        out.append(Para(t(lang, "no_campaigns"), muted=True))
    for c in report.campaigns:
        out += _campaign(c, lang)
    return out


def _moderation(report: Report, lang: Lang) -> list[Block]:
    m = report.moderation
    hours = (t(lang, "not_available") if m.median_hours_to_decision is None
             else f"{fmt_number(m.median_hours_to_decision, lang, 1)} {t(lang, 'hours')}")
    out: list[Block] = [
        Heading(2, t(lang, "moderation")),
        Facts(((t(lang, "decisions_in_quarter"), fmt_number(m.decisions_in_quarter, lang)),
               (t(lang, "queue_at_end"), fmt_number(m.queue_at_end, lang)),
               (t(lang, "median_time"), hours))),
    ]
    if m.decisions:
        out.append(Heading(4, t(lang, "decisions_by_type")))
        out.append(Table(
            (t(lang, "decision"), t(lang, "count")),
            tuple((t(lang, f"decision.{d.decision}"), fmt_number(d.count, lang))
                  for d in m.decisions),
            ("l", "r"), (3, 1)))
    return out


def _budget(report: Report, lang: Lang) -> list[Block]:
    b = report.budget
    if b is None:
        return []
    facts = [(t(lang, "budget_total"), fmt_dkk(b.total, lang))]
    if b.spent is not None:
        facts.append((t(lang, "spent"), fmt_dkk(b.spent, lang)))
    out: list[Block] = [Heading(2, t(lang, "budget")), Facts(tuple(facts))]
    if b.shares:
        out.append(Table(
            (t(lang, "party"), t(lang, "amount"), t(lang, "share")),
            tuple((t(lang, f"party.{s.party}"), fmt_dkk(s.amount, lang),
                   fmt_percent(s.percent, lang, 1)) for s in b.shares),
            ("l", "r", "r"), (3, 2, 1)))
    if b.lines:
        out.append(Table(
            (t(lang, "initiative"), t(lang, "amount")),
            tuple((line.title, fmt_dkk(line.amount, lang)) for line in b.lines),
            ("l", "r"), (4, 2)))
    return out


def _decisions(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "decision_items"))]
    if not report.decisions:
        out.append(Para(t(lang, "no_decision_items"), muted=True))
    for i, item in enumerate(report.decisions, start=1):
        title = f"{i}. {t(lang, 'decision_kind.' + item.kind)}: {item.subject}"
        if item.since:
            title += f" ({fmt_date(item.since, lang)})"
        out.append(Heading(4, title))
        if item.detail:
            out.append(Para(item.detail))
    return out


def _appendix(report: Report, lang: Lang) -> list[Block]:
    rows = []
    for s in report.appendix:
        fp = (f"{fmt_number(s.fingerprint.event_count, lang)} {t(lang, 'events')}\n"
              f"sha256:{s.fingerprint.events_hash[:32]}")
        rows.append((t(lang, f"figure.{s.figure}"), s.subject, "\n".join(s.event_types),
                     "\n".join([fp, *s.event_ids])))
    return [PageBreak(), Heading(2, t(lang, "appendix")),
            Para(t(lang, "appendix_note"), muted=True),
            Table((t(lang, "figure"), t(lang, "subject"), t(lang, "event_types"),
                   t(lang, "event_ids")), tuple(rows), ("l", "l", "l", "l"), (1.6, 2, 2.1, 3.6),
                  small=True)]
