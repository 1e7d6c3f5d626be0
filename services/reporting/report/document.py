"""The report laid out as a sequence of neutral blocks, in one language.

All wording and number formatting happens here, once; the Markdown, HTML and PDF renderers only
turn blocks into their format (and escape text for it), so the three always say the same thing.
"""

from __future__ import annotations

from datetime import date

from services.reporting.domain import end_of_day
from services.reporting.report import charts
from services.reporting.report.blocks import (
    Block,
    Bullets,
    Chart,
    Facts,
    Heading,
    PageBreak,
    Para,
    Table,
)
from services.reporting.report.document_answers import answer_blocks
from services.reporting.report.i18n import (
    LABELS,
    Lang,
    fmt_date,
    fmt_datetime,
    fmt_dkk,
    fmt_number,
    fmt_percent,
    fmt_quarter,
    fmt_value,
    plural,
    t,
)
from services.reporting.report.model import (
    CampaignSection,
    Cover,
    DecisionItem,
    FieldChange,
    Fingerprint,
    GoalLine,
    InitiativeSection,
    KeyMessage,
    MilestoneLine,
    Rag,
    Report,
    Stability,
)


def _fp(fp: Fingerprint | None, lang: Lang) -> str:
    if fp is None:
        return t(lang, "not_available")
    return f"{plural(fp.event_count, 'event', lang)} · sha256:{fp.events_hash}"


def _rag_text(rag: Rag, lang: Lang) -> str:
    return t(lang, f"rag.{rag.value}")


def _pct(value: float | None, lang: Lang) -> str:
    """A signed deviation: "+19 %", "−55 %", "0 %" (nothing is cut to zero)."""
    if value is None:
        return t(lang, "not_available")
    text = fmt_percent(abs(100 * value), lang, 0)
    if text.startswith("0"):
        return text
    return ("+" if value > 0 else "−") + text


def _status(rag: Rag, owner: Rag, lang: Lang) -> str:
    """The computed status, with the owner's rating beside it where the two differ."""
    text = _rag_text(rag, lang)
    if Rag.NONE not in (rag, owner) and rag != owner:
        text += f" ({t(lang, 'rag_owner').lower()}: {_rag_text(owner, lang).lower()})"
    return text


def build(report: Report, lang: Lang) -> list[Block]:
    c = report.document_control
    blocks: list[Block] = [
        Heading(1, f"{t(lang, 'title')} – {fmt_quarter(c.quarter, lang)}"),
        Facts((
            (t(lang, "plan"), c.plan_title),
            (t(lang, "period"),
             f"{fmt_date(c.period_start, lang)} – {fmt_date(c.period_end, lang)}"),
            (t(lang, "cutoff"), fmt_date(c.dated or c.period_end, lang)),
        )),
    ]
    if c.draft:
        blocks.append(Para(t(lang, "draft_banner").format(
            day=fmt_date(c.dated or c.period_end, lang))))
    blocks += _front_page(report, lang)
    blocks.append(PageBreak())
    blocks += _overview(report, lang)
    blocks += _exceptions(report, lang)
    blocks += _goals(report, lang)
    blocks += _benefits(report, lang)
    blocks += _trend(report, lang)
    blocks += _next_quarter(report, lang)
    blocks += _economy(report, lang)
    blocks += _risks(report, lang)
    blocks += _baseline(report, lang)
    blocks += _tracks(report, lang)
    blocks += _campaigns(report, lang)
    blocks += _moderation(report, lang)
    blocks += _data_quality(report, lang)
    blocks += _document_control(report, lang)
    blocks += _appendix(report, lang)
    return blocks


# ---- page one ------------------------------------------------------------------------------


def _message(m: KeyMessage, lang: Lang) -> str:
    key = f"message.{m.kind}"
    if m.count is not None and f"{key}.one" in LABELS:
        key += ".one" if m.count == 1 else ".other"
    text = t(lang, key)
    subject = m.subject
    if m.kind == "decisions_for_meeting":
        subject = fmt_date(date.fromisoformat(m.subject), lang)
    elif m.kind == "forecast_over_budget":
        subject = fmt_dkk(int(m.subject), lang)
    out = text.format(n=fmt_number(m.count or 0, lang), subject=subject)
    # an amount ends in "kr." already: no second full stop
    return out[:-1] if out.endswith("..") else out


def _front_page(report: Report, lang: Lang) -> list[Block]:
    s = report.executive_summary
    tol = s.tolerances
    out: list[Block] = [Heading(2, t(lang, "front_page"))]
    if s.nothing_to_report:
        out.append(Para(t(lang, "nothing_to_report_long")))
    out.append(Facts((
        (t(lang, "overall_status"), _rag_text(s.overall, lang)),
        (t(lang, "overall_basis"), t(lang, s.overall_basis).format(
            amber=fmt_percent(100 * tol.amber, lang, 0), red=fmt_percent(100 * tol.red, lang, 0),
            source=t(lang, tol.source))),
        (t(lang, "goals_not_measured"), t(lang, "goals_not_measured_value").format(
            n=fmt_number(s.goals_not_measured, lang), total=fmt_number(s.goals_total, lang))),
        (t(lang, "exceptions_missing_count"), fmt_number(s.exceptions_missing, lang)),
        (t(lang, "data_quality_count"), fmt_number(s.data_quality_issues, lang)),
    )))
    out.append(Heading(3, t(lang, "key_messages")))
    out.append(Bullets(tuple(_message(m, lang) for m in s.messages)))
    d = report.decisions
    out.append(Heading(3, t(lang, "for_decision")))
    if not d.for_next_meeting:
        out.append(Para(t(lang, "no_decision_items"), muted=True))
    for n, item in enumerate(d.for_next_meeting, start=1):
        out += _decision(n, item, lang)
    asked = [e for e in report.exceptions if e.decision_needed]
    if asked:
        out.append(Heading(4, t(lang, "exception_decisions")))
        out.append(Bullets(tuple(f"{e.initiative}: {e.decision_needed}" for e in asked)))
    if d.taken_in_quarter:
        out.append(Heading(3, t(lang, "decisions_taken")))
        rows = tuple((i.title, fmt_date(i.decided_on, lang) if i.decided_on else "",
                      i.chosen or "", i.note or "") for i in d.taken_in_quarter)
        out.append(Table((t(lang, "decision_item"), t(lang, "decided_on"), t(lang, "chosen"),
                          t(lang, "note")), rows, ("l", "l", "l", "l"), (3, 1.6, 2.4, 3)))
    return out


def _decision(n: int, item: DecisionItem, lang: Lang) -> list[Block]:
    when = t(lang, f"decision_status.{item.status}").format(
        day=fmt_date(item.for_meeting_on, lang))
    out: list[Block] = [Heading(4, f"{n}. {item.title} ({when})")]
    if item.deferred_from:
        days = [fmt_date(d, lang) for d in item.deferred_from]
        joined = (", ".join(days[:-1]) + f" {t(lang, 'and')} " + days[-1]
                  if len(days) > 1 else days[0])
        out.append(Para(t(lang, "deferred_from").format(days=joined)))
    return [
        *out,
        Para(item.question),
        Para(f"{t(lang, 'recommendation')}: {item.recommendation}"),
        Table((t(lang, "option"), t(lang, "consequence")),
              tuple((o.label, o.consequence) for o in item.options), ("l", "l"), (2, 5)),
    ]


# ---- the rest ------------------------------------------------------------------------------


def _overview(report: Report, lang: Lang) -> list[Block]:
    s = report.executive_summary
    out: list[Block] = [Heading(2, t(lang, "overview"))]
    tol = s.tolerances
    out.append(Para(t(lang, "rag_rule").format(
        amber=fmt_percent(100 * tol.amber, lang, 0), red=fmt_percent(100 * tol.red, lang, 0),
        source=t(lang, tol.source)), muted=True))
    if report.initiatives:
        rows = tuple(
            (i.title, i.owner, fmt_percent(i.percent_done, lang),
             fmt_percent(i.percent_expected, lang, 1), _pct(i.schedule_deviation, lang),
             _pct(i.cost_deviation, lang), _pct(i.forecast_deviation, lang),
             _rag_text(i.rag_computed, lang), _rag_text(i.rag, lang)
             + (" ≠" if Rag.NONE not in (i.rag, i.rag_computed) and i.rag != i.rag_computed
                else ""))
            for i in report.initiatives)
        out.append(Table((t(lang, "initiative"), t(lang, "owner"), t(lang, "done"),
                          t(lang, "expected"), t(lang, "schedule_dev"), t(lang, "cost_dev"),
                          t(lang, "forecast_dev"), t(lang, "rag_computed"),
                          t(lang, "rag_owner")), rows,
                         ("l", "l", "r", "r", "r", "r", "r", "l", "l"),
                         (3.4, 2.2, 1.2, 1.3, 1.4, 1.4, 1.4, 1.1, 1.6), small=True))
        if s.rag_differs:
            out.append(Para(t(lang, "rag_differs_note").format(
                subject=", ".join(s.rag_differs))))
        out.append(Chart(charts.progress_bars(report.initiatives, lang)))
    out.append(Heading(3, t(lang, "changes")))
    if s.changes:
        items = []
        for ch in s.changes:
            text = f"{t(lang, 'change.' + ch.kind)}: {ch.subject}"
            if ch.before is not None or ch.after is not None:
                text += f" ({_maybe_rag(ch.before, lang)} → {_maybe_rag(ch.after, lang)})"
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


def _judgement(g: GoalLine, lang: Lang) -> str:
    if g.met:
        return t(lang, "met")
    if g.on_track is None:
        return t(lang, "not_measured")
    return t(lang, "on_track") if g.on_track else t(lang, "off_track")


def _goals(report: Report, lang: Lang) -> list[Block]:
    if not report.goals:
        return []
    rows = []
    for g in report.goals:
        source = (t(lang, "source.system") if g.computed
                  else (g.source or t(lang, "not_available")))
        measured = (f"{fmt_date(g.measured_on, lang)}\n{source}" if g.measured_on
                    else t(lang, "not_available"))
        rows.append((f"{g.initiative}: {g.title}", fmt_value(g.actual, g.unit, lang),
                     fmt_value(g.expected, g.unit, lang), fmt_value(g.target, g.unit, lang),
                     fmt_date(g.due, lang) if g.due else "", measured,
                     _judgement(g, lang)))
    return [Heading(2, t(lang, "goals")),
            Para(t(lang, "goals_note"), muted=True),
            Table((t(lang, "goal"), t(lang, "actual"), t(lang, "expected_now"),
                   t(lang, "target"), t(lang, "due"), t(lang, "measured"), t(lang, "judgement")),
                  tuple(rows), ("l", "r", "r", "r", "l", "l", "l"),
                  (3.8, 1.8, 1.8, 1.8, 1.6, 2.1, 1.4), small=True)]


def _next_quarter(report: Report, lang: Lang) -> list[Block]:
    nxt = report.milestones_next_quarter
    out: list[Block] = [Heading(2, t(lang, "milestones_next_quarter"))]
    if not nxt:
        return [*out, Para(t(lang, "none"), muted=True)]
    rows = tuple((m.initiative, m.title, m.owner, fmt_date(m.due, lang),
                  fmt_date(m.original_due, lang) if m.original_due else "")
                 for m in nxt)
    out.append(Table((t(lang, "initiative"), t(lang, "milestone"), t(lang, "owner"),
                      t(lang, "due"), t(lang, "original_due")), rows,
                     ("l", "l", "l", "l", "l"), (3, 4, 2, 1.7, 1.7), small=True))
    return out


def _dkk(value: int | None, lang: Lang) -> str:
    return t(lang, "not_available") if value is None else fmt_dkk(value, lang)


def _economy(report: Report, lang: Lang) -> list[Block]:
    b = report.economy
    if b is None:
        return []
    facts = [(t(lang, "budget_total"), fmt_dkk(b.total, lang)),
             (t(lang, "phased_to_date"), _dkk(b.phased, lang)),
             (t(lang, "spent"), _dkk(b.spent, lang) if b.spent is not None
              else t(lang, "no_spend_reported")),
             (t(lang, "forecast"), _dkk(b.forecast, lang))]
    out: list[Block] = [Heading(2, t(lang, "budget")), Facts(tuple(facts))]
    spent = {s.party: s.amount for s in b.spent_by_party}
    out.append(Table(
        (t(lang, "party"), t(lang, "share"), t(lang, "amount"), t(lang, "spent")),
        tuple((t(lang, f"party.{s.party}"), fmt_percent(s.percent, lang, 1),
               fmt_dkk(s.amount, lang), _dkk(spent.get(s.party), lang)) for s in b.shares),
        ("l", "r", "r", "r"), (3, 1, 2, 2)))
    rows = [(line.title + (f" ({t(lang, 'approved')}: {fmt_dkk(line.original, lang)})"
                           if line.original is not None else ""),
             fmt_dkk(line.amount, lang), _dkk(line.phased, lang), _dkk(line.spent, lang),
             _dkk(line.forecast, lang), _pct(line.forecast_deviation, lang))
            for line in b.lines]
    rows.append((t(lang, "allocated"), fmt_dkk(b.allocated, lang), _dkk(b.phased, lang),
                 _dkk(b.spent, lang), _dkk(b.forecast, lang), ""))
    out.append(Table(
        (t(lang, "initiative"), t(lang, "budget_now"), t(lang, "phased_to_date"),
         t(lang, "spent"), t(lang, "forecast"), t(lang, "forecast_dev")),
        tuple(rows), ("l", "r", "r", "r", "r", "r"), (4.2, 2, 2, 2, 2, 1.4), small=True))
    return out


def _risks(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "risks"))]
    if not report.risks:
        return [*out, Para(t(lang, "no_risks"), muted=True)]
    rows = tuple((f"{r.initiative}: {r.title}", r.owner, str(r.likelihood), str(r.impact),
                  str(r.score), r.mitigation, t(lang, f"risk_status.{r.status}"))
                 for r in report.risks)
    out.append(Table((t(lang, "risk"), t(lang, "owner"), t(lang, "likelihood"),
                      t(lang, "impact"), t(lang, "score"), t(lang, "mitigation"),
                      t(lang, "status")), rows, ("l", "l", "r", "r", "r", "l", "l"),
                     (3.3, 1.8, 1.45, 1.2, 0.9, 3.7, 1.0), small=True))
    return out


def _field_value(ch: FieldChange, value: str, lang: Lang) -> str:
    if not value:
        return t(lang, "not_available")
    if ch.field == "budget_dkk":
        return fmt_dkk(int(value), lang)
    if ch.field == "period":
        a, _, b = value.partition("..")
        return f"{fmt_date(date.fromisoformat(a), lang)} – {fmt_date(date.fromisoformat(b), lang)}"
    if ch.field == "milestone_due":
        title, sep, day = value.rpartition(": ")
        return f"{title}{sep}{fmt_date(date.fromisoformat(day), lang)}"
    return value


def _baseline(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "baseline_changes"))]
    if not report.baseline_changes:
        return [*out, Para(t(lang, "no_baseline_changes"), muted=True)]
    rows = []
    for c in report.baseline_changes:
        what = "\n".join(
            f"{t(lang, 'field.' + ch.field)}: {_field_value(ch, ch.before, lang)} → "
            f"{_field_value(ch, ch.after, lang)}" for ch in c.changes) or t(lang, "none")
        rows.append((c.initiative, f"{fmt_date(c.revised_on, lang)}\n{c.revised_by}",
                     c.reason, what))
    out.append(Table((t(lang, "initiative"), t(lang, "when_who"), t(lang, "reason"),
                      t(lang, "before_after")), tuple(rows), ("l", "l", "l", "l"),
                     (2.5, 2, 3, 5), small=True))
    return out


def _milestones(title_key: str, lines: tuple[MilestoneLine, ...], lang: Lang) -> list[Block]:
    if not lines:
        return []
    rows = tuple(
        (m.title, fmt_date(m.due, lang),
         fmt_date(m.original_due, lang) if m.original_due else "",
         fmt_date(m.completed_on, lang) if m.completed_on else t(lang, "not_available"))
        for m in lines)
    return [Heading(4, t(lang, title_key)),
            Table((t(lang, "milestone"), t(lang, "due"), t(lang, "original_due"),
                   t(lang, "completed")), rows, ("l", "l", "l", "l"), (5, 2, 2, 2))]


def _initiative(ini: InitiativeSection, lang: Lang) -> list[Block]:
    rag = _status(ini.rag_computed, ini.rag, lang)
    if ini.rag_computed_previous != ini.rag_computed:
        rag += (f"; {t(lang, 'previous')}: "
                f"{t(lang, 'rag.' + ini.rag_computed_previous.value).lower()}")
    out: list[Block] = [
        Heading(3, ini.title),
        Facts((
            (t(lang, "owner"), ini.owner),
            (t(lang, "done"), fmt_percent(ini.percent_done, lang)),
            (t(lang, "expected"), fmt_percent(ini.percent_expected, lang, 1)),
            (t(lang, "rag_computed"), rag),
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
    if ini.adopted_ideas:
        out.append(Heading(4, t(lang, "adopted_ideas")))
        out.append(Bullets(ini.adopted_ideas))
    return out


def _tracks(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "tracks"))]
    track = None
    for ini in report.initiatives:
        if ini.track_id != track:
            track = ini.track_id
            out.append(Heading(2, ini.track_title))
        out += _initiative(ini, lang)
    return out


def _campaign(c: CampaignSection, lang: Lang) -> list[Block]:
    out: list[Block] = [
        Heading(3, c.title),
        Facts((
            (t(lang, "question"), c.question),
            (t(lang, "window"),
             f"{fmt_date(c.first_day, lang)} – {fmt_date(c.last_day, lang)}"),
            (t(lang, "participants"), fmt_number(c.participants, lang)),
            (t(lang, "ideas_submitted"), fmt_number(c.ideas_submitted, lang)),
            (t(lang, "ideas_published"), fmt_number(c.ideas_published, lang)),
            (t(lang, "ideas_rejected"), fmt_number(c.ideas_rejected, lang)),
            (t(lang, "votes"), fmt_number(c.votes, lang)),
        )),
    ]
    if c.imported_from:
        out.append(Para(t(lang, "imported_note").format(source=c.imported_from)))
    if c.vote_times != "recorded":
        out.append(Para(t(lang, "synthetic_times"), muted=True))
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
        out.append(Para(t(lang, "top_ideas_note"), muted=True))
        out.append(Table(
            (t(lang, "rank"), t(lang, "idea"), t(lang, "votes"), t(lang, "status")),
            tuple((str(i.rank), i.title, fmt_number(i.votes, lang),
                   t(lang, f"idea_status.{i.status}")) for i in c.top_ideas),
            ("r", "l", "r", "l"), (0.7, 6, 1.4, 1.8)))
    if c.adopted_ideas:
        out.append(Heading(4, t(lang, "adopted_fate")))
        out.append(Table(
            (t(lang, "idea"), t(lang, "adopted_into"), t(lang, "owner"), t(lang, "next_step"),
             t(lang, "status")),
            tuple((f"{a.idea_title}\n{fmt_date(a.adopted_on, lang)}", a.initiative_title,
                   a.owner, (f"{a.next_step}\n{fmt_date(a.next_step_due, lang)}"
                             if a.next_step_due else t(lang, "not_available")),
                   _rag_text(a.status, lang)) for a in c.adopted_ideas),
            ("l", "l", "l", "l", "l"), (3.4, 2.6, 2, 2.8, 1.2), small=True))
    if c.stability is not None:
        out += _stability(c.stability, lang)
    if c.answers is not None:
        out += answer_blocks(c.answers, lang)
    return out


STABLE_SHOWN = 15  # ideas named under "win under every rule" before "... and n more"
DEPENDS_SHOWN = 10  # rows of "depend on the choice"


def scenario_label(name: str, lang: Lang) -> str:
    """"greedy/no_threshold" -> "Flest stemmer først, uden minimumsstemmetal"."""
    rule, _, variation = name.partition("/")
    if variation.startswith("without_sector:"):
        sector = t(lang, "sector." + variation.removeprefix("without_sector:"))
        what = t(lang, "variation.without_sector").format(sector=sector.lower())
    else:
        what = t(lang, f"variation.{variation}")
    return f"{t(lang, f'rule.{rule}')}, {what}"


def _more(shown: int, total: int, lang: Lang) -> list[Block]:
    return [Para(t(lang, "and_more").format(n=fmt_number(total - shown, lang)), muted=True)] \
        if total > shown else []


def _stability(s: Stability, lang: Lang) -> list[Block]:
    """Short on the page: one row per scenario, the ideas that win under every rule, the
    closest-to-stable of those that depend on the choice (the JSON rendering has them all)."""
    out: list[Block] = [Heading(4, t(lang, "stability"))]
    if s.status != "computed" or s.settled_at is None:
        out.append(Para(t(lang, "stability_pending")))
        return out
    out.append(Para(t(lang, "stability_note").format(
        votes=fmt_number(s.votes, lang), budget=fmt_number(s.budget, lang),
        settled=fmt_datetime(s.settled_at, lang)), muted=True))
    out.append(Table(
        (t(lang, "scenario"), t(lang, "funded"), t(lang, "cost"), t(lang, "funded_voters")),
        tuple((("* " if sc.official else "") + scenario_label(sc.scenario, lang),
               fmt_number(len(sc.selected), lang), fmt_number(sc.total_cost, lang),
               f"{fmt_number(sc.funded_voters, lang)} / {fmt_number(sc.voters, lang)}")
              for sc in s.scenarios),
        ("l", "r", "r", "r"), (5, 1.3, 1.9, 2.4), small=True))
    out.append(Heading(4, f"{t(lang, 'stable_ideas')} ({fmt_number(len(s.stable), lang)})"))
    out.append(Para("; ".join(s.stable[:STABLE_SHOWN]) if s.stable
                    else t(lang, "stable_none")))
    out += _more(STABLE_SHOWN, len(s.stable), lang)
    out.append(Heading(4, f"{t(lang, 'depends_ideas')} ({fmt_number(len(s.depends), lang)})"))
    if not s.depends:
        out.append(Para(t(lang, "depends_none")))
    else:
        n = len(s.scenarios)
        out.append(Table(
            (t(lang, "idea"), t(lang, "funded_in")),
            tuple((d.title, f"{len(d.funded_in)}/{n}: "
                   + "; ".join(scenario_label(f, lang) for f in d.funded_in))
                  for d in s.depends[:DEPENDS_SHOWN]),
            ("l", "l"), (4, 6), small=True))
        out += _more(DEPENDS_SHOWN, len(s.depends), lang)
    if s.skipped:
        what = ", ".join(t(lang, "variation.without_sector.all") if k == "without_sector"
                         else t(lang, f"variation.{k}") for k in s.skipped if k != "all")
        if what:
            out.append(Para(t(lang, "not_run").format(what=what), muted=True))
    return out


def _campaigns(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "ideastorms"))]
    if not report.campaigns.items:
        out.append(Para(t(lang, "no_campaigns"), muted=True))
    else:
        out.append(Para(t(lang, "original_language"), muted=True))
    for c in report.campaigns.items:
        out += _campaign(c, lang)
    return out


def _moderation(report: Report, lang: Lang) -> list[Block]:
    m = report.campaigns.moderation
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


def _document_control(report: Report, lang: Lang) -> list[Block]:
    c = report.document_control
    approval = t(lang, c.approval).format(
        day=fmt_date(c.approval_meeting, lang) if c.approval_meeting else "")
    return [Heading(2, t(lang, "document_control")), Facts((
        (t(lang, "dated"), fmt_date(c.dated or c.period_end, lang)),
        (t(lang, "author"), c.author or t(lang, "author.system")),
        (t(lang, "version"), c.version),
        (t(lang, "recipients"), "\n".join(t(lang, r) for r in c.recipients)),
        (t(lang, "approval"), approval),
        (t(lang, "plan"), c.plan_title),
        (t(lang, "plan_version"), str(c.plan_version)),
        (t(lang, "quarter"), fmt_quarter(c.quarter, lang)),
        (t(lang, "cutoff"), f"{fmt_date(c.dated or c.period_end, lang)} "
                            f"({t(lang, 'cutoff_note')} {_instant(c, lang)})"),
        (t(lang, "events_in_quarter"), plural(c.events_in_quarter, "event", lang)),
        (t(lang, "fingerprint"), _fp(c.fingerprint, lang)),
        (t(lang, "previous_fingerprint"),
         f"{fmt_quarter(c.previous_quarter, lang)}: {_fp(c.previous_fingerprint, lang)}"),
        (t(lang, "content_hash"), f"sha256:{report.content_hash}"),
        (t(lang, "generated_by"), t(lang, "generated_by_value").format(
            version=c.generated_by.rpartition(".v")[2])),
        *(((t(lang, "log_heads"), "\n".join(
            t(lang, "log_head").format(log=h.log, partition=h.partition, size=h.tree_size,
                                       root=h.root_hash[:16], at=fmt_datetime(h.signed_at, lang))
            for h in c.log_heads)),) if c.log_heads else ()),
    ))]


def _instant(c: Cover, lang: Lang) -> str:
    """The first instant not counted: the quarter's end, or a draft's next midnight."""
    if c.draft and c.dated is not None:
        return fmt_datetime(end_of_day(c.dated), lang)
    return fmt_datetime(c.cutoff, lang)


def _appendix(report: Report, lang: Lang) -> list[Block]:
    rows = []
    for s in report.appendix:
        fp = (f"{plural(s.fingerprint.event_count, 'event', lang)}\n"
              f"sha256:{s.fingerprint.events_hash}")
        rows.append((t(lang, f"figure.{s.figure}"), s.subject, "\n".join(s.event_types),
                     "\n".join([fp, *s.event_ids])))
    return [PageBreak(), Heading(2, t(lang, "appendix")),
            Para(t(lang, "appendix_note"), muted=True),
            Para(t(lang, "hash_recipe"), muted=True),
            Table((t(lang, "figure"), t(lang, "subject"), t(lang, "event_types"),
                   t(lang, "event_ids")), tuple(rows), ("l", "l", "l", "l"), (1.6, 2, 2.1, 3.6),
                  small=True)]


def _exceptions(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "exceptions")),
                        Para(t(lang, "exceptions_note"), muted=True)]
    if not report.exceptions:
        return [*out, Para(t(lang, "no_exceptions"), muted=True)]
    rows = []
    for e in report.exceptions:
        what = f"{e.initiative}\n{t(lang, 'breach.' + e.breach)} {_pct(e.deviation, lang)}"
        if e.status == "missing":
            rows.append((what, t(lang, "exception_missing"), "", e.owner, "", ""))
            continue
        rows.append((what, e.cause, e.recovery, e.owner,
                     fmt_date(e.recover_by, lang) if e.recover_by else "",
                     e.decision_needed or t(lang, "not_available")))
    out.append(Table((t(lang, "breach"), t(lang, "cause"), t(lang, "recovery"),
                      t(lang, "owner"), t(lang, "recover_by"), t(lang, "decision_needed")),
                     tuple(rows), ("l", "l", "l", "l", "l", "l"), (2.6, 3, 3, 1.8, 1.5, 2.6),
                     small=True))
    return out


def _benefits(report: Report, lang: Lang) -> list[Block]:
    if not report.benefits:
        return []
    out: list[Block] = [Heading(2, t(lang, "benefits")), Para(t(lang, "benefits_note"),
                                                              muted=True)]
    for b in report.benefits:
        out.append(Heading(3, t(lang, f"ambition.{b.ambition}")))
        out.append(Table(
            (t(lang, "goal"), t(lang, "baseline"), t(lang, "previous_quarter"), t(lang, "now"),
             t(lang, "target"), t(lang, "trend")),
            tuple((f"{g.initiative}: {g.goal}", fmt_value(g.baseline, g.unit, lang),
                   fmt_value(g.previous, g.unit, lang), fmt_value(g.actual, g.unit, lang),
                   fmt_value(g.target, g.unit, lang), t(lang, f"trend.{g.trend}"))
                  for g in b.goals),
            ("l", "r", "r", "r", "r", "l"), (4.2, 1.6, 1.6, 1.6, 1.6, 1.4), small=True))
    return out


def _trend_value(figure: str, value: str | None, lang: Lang) -> str:
    if value is None:
        return t(lang, "not_available")
    if figure == "status":
        return t(lang, f"rag.{value}")
    return fmt_number(float(value), lang, 0 if float(value).is_integer() else 1)


def _trend(report: Report, lang: Lang) -> list[Block]:
    lines = [x for x in report.trend if x.figure in ("status", "percent_done", "spent",
                                                     "risk_score")]
    if not lines:
        return []
    rows = tuple((x.subject, t(lang, f"trend_figure.{x.figure}"),
                  _trend_value(x.figure, x.previous, lang), _trend_value(x.figure, x.now, lang),
                  t(lang, f"trend.{x.direction}")) for x in lines)
    return [Heading(2, t(lang, "trend_title")),
            Table((t(lang, "subject"), t(lang, "figure"), t(lang, "previous_quarter"),
                   t(lang, "now"), t(lang, "trend")), rows, ("l", "l", "r", "r", "l"),
                  (4.5, 1.8, 1.6, 1.6, 1.3), small=True)]


def _data_quality(report: Report, lang: Lang) -> list[Block]:
    out: list[Block] = [Heading(2, t(lang, "data_quality")),
                        Para(t(lang, "data_quality_note"), muted=True)]
    if not report.data_quality:
        return [*out, Para(t(lang, "no_data_quality"))]
    rows = []
    for i in report.data_quality:
        values = [_dq_value(v, lang) for v in i.values]
        rows.append((t(lang, f"rule.{i.rule}"), i.subject, t(lang, i.detail).format(*values),
                     t(lang, i.correct_in)))
    out.append(Table((t(lang, "rule"), t(lang, "subject"), t(lang, "what"),
                      t(lang, "correct_where")), tuple(rows), ("l", "l", "l", "l"),
                     (2.6, 3, 4, 2.4), small=True))
    return out


def _dq_value(value: str, lang: Lang) -> str:
    """A rule's value as the reader reads it: a date, an amount, a deviation, a breach kind."""
    if not value:
        return t(lang, "not_available")
    if value in ("schedule", "cost", "forecast"):
        return t(lang, f"breach.{value}")
    try:
        return fmt_date(date.fromisoformat(value), lang)
    except ValueError:
        pass
    if value.lstrip("-").isdigit():
        return fmt_dkk(int(value), lang)
    try:
        return _pct(float(value), lang)
    except ValueError:
        return value
