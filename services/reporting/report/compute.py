"""Build the quarter's `Report` from recorded facts and vote aggregates (pure: no I/O).

As-of: only facts with `occurred_at` before the quarter's end count, so a past quarter's report
does not change when later events arrive. "Since the previous quarter" compares against the same
computation at the previous quarter's end. The state comes from the one fold of the reporting
domain (`domain.fold`), the same the progress views use.
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from schemas.campaigns import VoteTimes
from schemas.plan import (
    Goal,
    GoalFigure,
    IdeaAdopted,
    InitiativeDefined,
    InitiativeRevised,
    RiskAssessed,
    RiskClosed,
    RiskRaised,
    SpendReported,
)
from services.reporting.domain import (
    Fact,
    InitiativeState,
    PlanState,
    World,
    end_of_day,
    expected_percent,
    fold,
    local_day,
    shown_title,
)
from services.reporting.report.model import (
    REPORT_FORMAT,
    AdoptedIdea,
    BaselineChange,
    BudgetLine,
    BudgetSection,
    Campaigns,
    CampaignSection,
    Change,
    Cover,
    DayCount,
    DecisionCount,
    DecisionItem,
    DecisionOptionLine,
    Decisions,
    FieldChange,
    Fingerprint,
    FundingShare,
    GoalLine,
    InitiativeSection,
    KeyMessage,
    MilestoneLine,
    ModerationSection,
    Narrative,
    Rag,
    RagCount,
    RankedIdea,
    Report,
    RiskLine,
    SectorCount,
    Source,
    Summary,
    Tolerances,
    fingerprint_of,
)
from services.reporting.report.quarter import Quarter

DECISION_ORDER = ("approve", "reject", "hide", "restore", "merge")
SECTOR_ORDER = ("state", "municipality", "region", "private", "citizen", "unknown")
NOT_IN_RANKING = {"rejected", "withdrawn", "merged", "hidden"}
LIST_IDS_UP_TO = 12
# It-rådet's traffic light for state IT projects: green within 10 % deviation from the approved
# baseline (schedule or cost), amber from 10 to 25 %, red beyond; a plan may state its own.
DEFAULT_TOLERANCES = Tolerances(amber=0.10, red=0.25, source="tolerance_source.default")
RAG_RANK = {Rag.NONE: 0, Rag.GREEN: 1, Rag.AMBER: 2, Rag.RED: 3}
MAX_MESSAGES = 3


@dataclass(frozen=True)
class CampaignVotes:
    """A campaign's votes as of the cut-off, aggregated by the database."""

    campaign_id: str
    by_idea: Mapping[str, int]  # net active votes per idea
    voters: Mapping[str, str | None]  # participants with an active vote -> their sector
    cast_by_day: tuple[DayCount, ...]  # votes cast per day (Danish time)
    fingerprint: Fingerprint


@dataclass(frozen=True)
class Inputs:
    quarter: Quarter
    events: tuple[Fact, ...]  # every recorded fact before the quarter's end
    votes: Mapping[str, CampaignVotes]
    fingerprint: Fingerprint  # of every event read, votes included
    previous_fingerprint: Fingerprint | None


def _source(figure: str, subject: str, types: set[str], event_ids: list[uuid.UUID]) -> Source:
    ids = [str(i) for i in event_ids]
    fp = fingerprint_of(ids)
    shown = tuple(sorted(set(ids))) if fp.event_count <= LIST_IDS_UP_TO else ()
    return Source(figure, subject, tuple(sorted(types)), fp, shown)


def _types(facts: Mapping[uuid.UUID, Fact], ids: list[uuid.UUID]) -> set[str]:
    return {type(facts[i].payload).__event_type__ for i in ids if i in facts}


def _plan_for(state: World, year: int) -> PlanState | None:
    years = sorted(y for y, p in state.plans.items() if p.drafted and y <= year)
    return state.plans[years[-1]] if years else None


def _plan_title(plan: PlanState) -> str:
    assert plan.drafted is not None
    return plan.drafted.title


def _title(ini: InitiativeState) -> str:
    d = ini.definition
    return f"{d.code} {d.title}" if d.code else d.title


def _rag(ini: InitiativeState | None) -> Rag:
    report = ini.latest_report() if ini is not None else None
    return Rag.NONE if report is None else Rag(report.rag.value)


def _tolerances(plan: PlanState | None) -> Tolerances:
    stated = plan.drafted.rag_tolerances if plan and plan.drafted else None
    if stated is None:
        return DEFAULT_TOLERANCES
    return Tolerances(stated.amber_percent / 100, stated.red_percent / 100,
                      "tolerance_source.plan")


def judge_rag(deviations: list[float | None], tol: Tolerances) -> Rag:
    """Green within `amber`, amber up to `red`, red beyond; only a shortfall or an overspend
    counts (ahead of plan or under budget is green); nothing to judge: not rated."""
    known = [d for d in deviations if d is not None]
    if not known:
        return Rag.NONE
    worst = max(known)
    if worst <= tol.amber:
        return Rag.GREEN
    return Rag.AMBER if worst <= tol.red else Rag.RED


def _baseline(ini: InitiativeState, plan: PlanState | None, by_id: Mapping[uuid.UUID, Fact]
              ) -> InitiativeDefined | InitiativeRevised:
    """The definition as approved: the latest known by the end of the plan's approval day (the
    first definition if the plan is not approved, or the initiative came later)."""
    first = by_id.get(ini.ids[0]) if ini.ids else None
    best = first.payload if first is not None else ini.definition
    if plan is not None and plan.approved is not None:
        cutoff = end_of_day(plan.approved.approved_on)
        for f in ini.revisions:
            if f.occurred_at < cutoff:
                best = f.payload
    assert isinstance(best, InitiativeDefined | InitiativeRevised)
    return best


def _fraction(start: date, end: date, as_of: date) -> float:
    return expected_percent(start, end, as_of) / 100


@dataclass(frozen=True)
class Figures:
    """Figures the system computes itself, that goals can be bound to."""

    participants: Mapping[uuid.UUID, int]
    ideas: Mapping[uuid.UUID, int]
    opened: Mapping[uuid.UUID, int]  # campaign -> year it opened (Danish time)
    adopted_by_year: Mapping[int, int]

    def value(self, goal: Goal) -> float | None:
        c = goal.computed_from
        if c is None:
            return None
        if c.figure is GoalFigure.IDEAS_ADOPTED:
            return float(self.adopted_by_year.get(c.year or 0, 0)) if c.year else None
        per = self.participants if c.figure is GoalFigure.PARTICIPANTS else self.ideas
        if c.campaign_id is not None:
            return float(per.get(c.campaign_id, 0))
        return float(sum(n for cid, n in per.items() if self.opened.get(cid) == c.year))


def _goal_line(g: Goal, ini: InitiativeState, figures: Figures | None, as_of: date,
               tol: Tolerances) -> GoalLine:
    start = ini.definition.period.start
    frac = _fraction(start, g.due, as_of) if g.due > start else (1.0 if as_of >= g.due else 0.0)
    expected = float(g.baseline) + (float(g.target) - float(g.baseline)) * frac
    day: date | None
    if g.computed_from is not None and figures is not None:
        actual, day = figures.value(g), as_of
        source: str | None = f"system:{g.computed_from.figure.value}"
    else:
        measured = ini.latest_measurement(g.goal_id)
        actual = float(measured.value) if measured else None
        day = measured.measured_on if measured else None
        source = measured.source if measured else None
    on_track = None
    if actual is not None:
        progress = (actual - g.baseline) / (g.target - g.baseline)
        on_track = progress >= 1.0 or progress >= frac * (1 - tol.amber)
    return GoalLine(g.title, g.indicator, g.unit, float(g.baseline), float(g.target), actual,
                    day, initiative=_title(ini), due=g.due, source=source,
                    computed=g.computed_from is not None, expected=round(expected, 2),
                    on_track=on_track)


def _goal_lines(ini: InitiativeState, figures: Figures | None = None,
                as_of: date | None = None, tol: Tolerances = DEFAULT_TOLERANCES
                ) -> tuple[GoalLine, ...]:
    day = as_of or date.max
    return tuple(_goal_line(g, ini, figures, day, tol) for g in ini.definition.goals)


def _milestones(ini: InitiativeState, q: Quarter,
                baseline: InitiativeDefined | InitiativeRevised | None = None
                ) -> tuple[tuple[MilestoneLine, ...], ...]:
    done, overdue, upcoming = [], [], []
    nxt = q.next()
    original = {m.milestone_id: m.due for m in baseline.milestones} if baseline else {}
    for m in sorted(ini.definition.milestones, key=lambda m: (m.due, m.title)):
        due = m.due
        done_event = ini.milestones_done.get(m.milestone_id)
        completed = done_event.completed_on if done_event else None
        was = original.get(m.milestone_id)
        line = MilestoneLine(m.title, due, completed, was if was and was != due else None,
                             _title(ini), ini.definition.owner)
        if completed is not None:
            if q.first_day <= completed <= q.last_day:
                done.append(line)
        elif due <= q.last_day or (was is not None and was <= q.last_day):
            overdue.append(line)  # judged against its original date as well
        elif nxt.first_day <= due <= nxt.last_day:
            upcoming.append(line)
    return tuple(done), tuple(overdue), tuple(upcoming)


def _idea_title(state: World, idea_id: uuid.UUID) -> str:
    # an idea not published at the cut-off is named by its number only
    return shown_title(state.ideas.get(idea_id)) or f"#{str(idea_id)[:8]}"


def _adoptions(ini: InitiativeState) -> list[tuple[uuid.UUID, date, uuid.UUID]]:
    """(idea, day, event) of each adoption, by when it occurred (ties: by event id)."""
    out = []
    for f in sorted(ini.ideas, key=lambda f: (f.occurred_at, str(f.event_id))):
        assert isinstance(f.payload, IdeaAdopted)
        out.append((f.payload.idea_id, local_day(f.occurred_at), f.event_id))
    return out


def _spend(ini: InitiativeState) -> SpendReported | None:
    best: SpendReported | None = None
    for f in sorted(ini.spend, key=lambda f: f.order):
        assert isinstance(f.payload, SpendReported)
        if best is None or f.payload.as_of >= best.as_of:
            best = f.payload
    return best


def _initiative(ini: InitiativeState, prev: InitiativeState | None, state: World, q: Quarter,
                track_title: str, baseline: InitiativeDefined | InitiativeRevised,
                tol: Tolerances) -> InitiativeSection:
    period = baseline.period  # judged against the approved baseline
    done, overdue, upcoming = _milestones(ini, q, baseline)
    p = ini.latest_report()
    narrative = Narrative(p.narrative, p.as_of, p.reported_by) if p else None
    expected = expected_percent(period.start, period.end, q.last_day)
    schedule = None
    if p is not None and expected > 0:
        schedule = round(max(0.0, (expected - p.percent) / expected), 3)
    cost = None
    spend = _spend(ini)
    phased = baseline.budget_dkk * expected / 100
    if spend is not None and phased > 0:
        cost = round(max(0.0, (spend.spent_dkk - phased) / phased), 3)
    return InitiativeSection(
        initiative_id=str(ini.definition.initiative_id), title=_title(ini),
        track_id=ini.definition.track, track_title=track_title, owner=ini.definition.owner,
        budget=ini.definition.budget_dkk, schedule_deviation=schedule, cost_deviation=cost,
        rag_computed=judge_rag([schedule, cost], tol),
        percent_done=float(p.percent) if p else None,
        percent_expected=expected,
        rag=_rag(ini), rag_previous=_rag(prev), narrative=narrative,
        milestones_completed=done, milestones_overdue=overdue, milestones_due_next=upcoming,
        adopted_ideas=tuple(_idea_title(state, idea) for idea, _, _ in _adoptions(ini)),
    )


def _plan_initiatives(plan: PlanState | None) -> list[InitiativeState]:
    if plan is None:
        return []
    order = {t.code: n for n, t in enumerate(plan.drafted.tracks)} if plan.drafted else {}
    return sorted(plan.initiatives.values(), key=lambda i: (
        order.get(i.definition.track, len(order)), i.definition.track,
        i.definition.code or "", _title(i), str(i.definition.initiative_id)))


def _track_titles(plan: PlanState | None) -> dict[str, str]:
    return {t.code: t.title for t in plan.drafted.tracks} if plan and plan.drafted else {}


def _changes(cur: list[InitiativeState], state: World, prev_state: World,
             sections: dict[uuid.UUID, InitiativeSection], q: Quarter) -> tuple[Change, ...]:
    out: list[Change] = []
    prev_q = q.previous()
    for ini in cur:
        s = sections[ini.definition.initiative_id]
        before = prev_state.initiatives.get(ini.definition.initiative_id)
        if before is None:
            out.append(Change("initiative_added", s.title))
        elif s.rag != s.rag_previous:
            out.append(Change("rag_changed", s.title, s.rag_previous.value, s.rag.value))
        for m in s.milestones_completed:
            out.append(Change("milestone_completed", f"{s.title}: {m.title}"))
        prev_overdue = {m.title for m in _milestones(before, prev_q)[1]} if before else set()
        for m in s.milestones_overdue:
            if m.title not in prev_overdue:
                out.append(Change("milestone_overdue", f"{s.title}: {m.title}"))
        prev_met = {g.title for g in _goal_lines(before) if g.met} if before else set()
        for g in _goal_lines(ini):
            if g.met and g.title not in prev_met:
                out.append(Change("goal_met", f"{s.title}: {g.title}"))
        for idea_id, day, _ in _adoptions(ini):
            if q.first_day <= day <= q.last_day:
                out.append(Change("idea_adopted", f"{s.title}: {_idea_title(state, idea_id)}"))
    return tuple(out)


def _participants(state: World, cid: uuid.UUID, votes: CampaignVotes | None
                  ) -> dict[str, str | None]:
    c = state.campaigns[cid]
    sectors: dict[str, str | None] = dict(votes.voters) if votes else {}
    for idea in state.ideas.values():
        # ideas the campaign's own staff seeded it with (an import, say) are not participation
        if (idea.campaign_id == cid and idea.author and idea.submitted_at is not None
                and idea.author != c.created_by):
            sectors[idea.author] = sectors.get(idea.author) or idea.sector
    return sectors


def _campaign(state: World, cid: uuid.UUID, votes: CampaignVotes | None,
              by_id: Mapping[uuid.UUID, Fact]) -> tuple[CampaignSection, list[Source]]:
    c = state.campaigns[cid]
    created = c.created
    ideas = [i for i in state.ideas.values() if i.campaign_id == cid]
    by_idea = dict(votes.by_idea) if votes else {}
    sectors = _participants(state, cid, votes)
    counts = Counter(s or "unknown" for s in sectors.values())
    ranked = sorted((i for i in ideas if i.status not in NOT_IN_RANKING),
                    key=lambda i: (-by_idea.get(str(i.idea_id), 0), _idea_title(state, i.idea_id),
                                   str(i.idea_id)))
    adopted = []
    adoption_ids = []
    titles = {i.idea_id for i in ideas}
    for ini in state.initiatives.values():
        for idea_id, day, event_id in _adoptions(ini):
            if idea_id in titles:
                adopted.append(AdoptedIdea(_idea_title(state, idea_id), _title(ini), day))
                adoption_ids.append(event_id)
    real_times = created.vote_times is VoteTimes.RECORDED
    first, last = _window_days(created.opens_at, created.closes_at)
    section = CampaignSection(
        campaign_id=str(cid), title=created.title, opens_at=created.opens_at,
        closes_at=created.closes_at,
        participants=len(sectors),
        participants_by_sector=tuple(SectorCount(s, counts[s]) for s in SECTOR_ORDER if counts[s]),
        ideas_submitted=len(ideas),
        ideas_published=sum(1 for i in ideas if i.ever_published),
        ideas_rejected=sum(1 for i in ideas if i.status == "rejected"),
        votes=sum(by_idea.values()),
        top_ideas=tuple(RankedIdea(n, _idea_title(state, i.idea_id),
                                   by_idea.get(str(i.idea_id), 0), i.status or "pending")
                        for n, i in enumerate(ranked[:10], start=1)),
        adopted_ideas=tuple(sorted(adopted, key=lambda a: (a.adopted_on, a.idea_title))),
        votes_by_day=votes.cast_by_day if votes and real_times else (),
        first_day=first, last_day=last,
        vote_times=created.vote_times.value,
    )
    idea_ids = [e for i in ideas for e in i.ids] + c.ids
    sources = [_source("campaign", created.title, _types(by_id, idea_ids), idea_ids)]
    if votes:
        sources.append(Source("votes", created.title, ("vote.cast", "vote.withdrawn"),
                              votes.fingerprint))
    if adoption_ids:
        sources.append(_source("adoptions", created.title, {"progress.idea_adopted"},
                               adoption_ids))
    return section, sources


def _window_days(opens: datetime, closes: datetime) -> tuple[date, date]:
    """The days a campaign was open, both included. A window given as whole calendar days (both
    ends at midnight UTC, as an import from a source that has only dates writes it) is shown as
    those days; any other window by the days it touches in Danish time (the closing instant
    itself is not open)."""
    at_midnight = all(m.astimezone(UTC).time() == time() for m in (opens, closes))
    if at_midnight:
        return opens.astimezone(UTC).date(), (closes.astimezone(UTC) - timedelta(days=1)).date()
    return local_day(opens), local_day(closes - timedelta(microseconds=1))


def _figures(state: World, votes: Mapping[str, CampaignVotes]) -> Figures:
    participants, ideas, opened = {}, {}, {}
    for cid, c in state.campaigns.items():
        participants[cid] = len(_participants(state, cid, votes.get(str(cid))))
        ideas[cid] = sum(1 for i in state.ideas.values() if i.campaign_id == cid)
        opened[cid] = local_day(c.created.opens_at).year
    adopted: Counter[int] = Counter()
    for plan in state.plans.values():
        adopted[plan.year] += sum(len(i.ideas) for i in plan.initiatives.values())
    return Figures(participants, ideas, opened, adopted)


def _moderation(state: World, q: Quarter) -> tuple[ModerationSection, list[uuid.UUID]]:
    in_quarter = [d for d in state.decisions if q.contains(d.occurred_at)]
    counts = Counter(d.payload.decision.value for d in in_quarter)  # type: ignore[attr-defined]
    waits = []
    for d in in_quarter:
        idea = state.ideas.get(d.payload.idea_id)  # type: ignore[attr-defined]
        if (idea and idea.submitted_at and idea.first_decision_at == d.occurred_at):
            waits.append((d.occurred_at - idea.submitted_at).total_seconds() / 3600)
    queue = 0
    for idea in state.ideas.values():
        campaign = state.campaigns.get(idea.campaign_id)
        if idea.status == "pending" or (
                idea.status is None and idea.first_decision_at is None
                and idea.submitted_at is not None and campaign is not None
                and campaign.created.moderation.value == "pre"):
            queue += 1
    section = ModerationSection(
        decisions=tuple(DecisionCount(k, counts[k]) for k in DECISION_ORDER if counts[k]),
        decisions_in_quarter=len(in_quarter), queue_at_end=queue,
        median_hours_to_decision=round(statistics.median(waits), 2) if waits else None)
    return section, [d.event_id for d in in_quarter]


def _split(amount: int, shares: Mapping[str, int], total: int) -> tuple[FundingShare, ...]:
    out = []
    for party in ("state", "municipalities", "regions"):
        pct = 100.0 * shares[party] / total if total else 0.0
        out.append(FundingShare(party, round(amount * shares[party] / total) if total else 0,
                                round(pct, 1)))
    return tuple(out)


def _budget(plan: PlanState | None, initiatives: list[InitiativeState],
            baselines: Mapping[uuid.UUID, InitiativeDefined | InitiativeRevised],
            q: Quarter) -> BudgetSection | None:
    if plan is None or plan.budget is None:
        return None
    total = plan.budget.amount_dkk
    shares = plan.budget.shares.model_dump()
    lines = []
    for i in initiatives:
        d, base = i.definition, baselines[i.definition.initiative_id]
        spend = _spend(i)
        phased = round(d.budget_dkk * _fraction(d.period.start, d.period.end, q.last_day))
        lines.append(BudgetLine(
            _title(i), d.budget_dkk, spend.spent_dkk if spend else None, phased,
            spend.forecast_dkk if spend else None,
            base.budget_dkk if base.budget_dkk != d.budget_dkk else None))
    reported = [line for line in lines if line.spent is not None]
    spent = sum(line.spent or 0 for line in reported) if reported else None
    # the forecast of an initiative that reported no spend is its budget
    forecast = (sum(line.forecast if line.forecast is not None else line.amount
                    for line in lines) if reported else None)
    return BudgetSection(
        total=total, spent=spent,
        shares=tuple(FundingShare(party, int(shares[party]),
                                  round(100.0 * int(shares[party]) / total, 1) if total else 0.0)
                     for party in ("state", "municipalities", "regions")),
        lines=tuple(lines), phased=sum(line.phased or 0 for line in lines),
        forecast=forecast,
        spent_by_party=_split(spent, shares, total) if spent is not None else ())


def _fmt_field(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _diff(before: InitiativeDefined | InitiativeRevised, after: InitiativeRevised
          ) -> tuple[FieldChange, ...]:
    out: list[FieldChange] = []
    for name in ("title", "owner", "budget_dkk", "track"):
        a, b = getattr(before, name), getattr(after, name)
        if a != b:
            out.append(FieldChange(name, _fmt_field(a), _fmt_field(b)))
    if before.period != after.period:
        out.append(FieldChange("period", f"{before.period.start}..{before.period.end}",
                               f"{after.period.start}..{after.period.end}"))
    old_m = {m.milestone_id: m for m in before.milestones}
    new_m = {m.milestone_id: m for m in after.milestones}
    for mid, m in old_m.items():
        if mid not in new_m:
            out.append(FieldChange("milestone_removed", f"{m.title} ({m.due})", ""))
        elif new_m[mid].due != m.due:
            out.append(FieldChange("milestone_due", f"{m.title}: {m.due}", str(new_m[mid].due)))
    for mid, m in new_m.items():
        if mid not in old_m:
            out.append(FieldChange("milestone_added", "", f"{m.title} ({m.due})"))
    old_g = {g.goal_id: g for g in before.goals}
    new_g = {g.goal_id: g for g in after.goals}
    for gid, g in old_g.items():
        if gid not in new_g:
            out.append(FieldChange("goal_removed", g.title, ""))
        elif (new_g[gid].target, new_g[gid].due) != (g.target, g.due):
            out.append(FieldChange("goal_target", f"{g.title}: {g.target:g} ({g.due})",
                                   f"{new_g[gid].target:g} ({new_g[gid].due})"))
    for gid, g in new_g.items():
        if gid not in old_g:
            out.append(FieldChange("goal_added", "", g.title))
    return tuple(out)


def _baseline_changes(plan: PlanState | None, initiatives: list[InitiativeState],
                      by_id: Mapping[uuid.UUID, Fact]) -> list[tuple[BaselineChange, Fact]]:
    approved = (end_of_day(plan.approved.approved_on)
                if plan is not None and plan.approved is not None else None)
    out = []
    for ini in initiatives:
        first = by_id.get(ini.ids[0]) if ini.ids else None
        before = first.payload if first is not None else ini.definition
        for f in ini.revisions:
            assert isinstance(f.payload, InitiativeRevised)
            assert isinstance(before, InitiativeDefined | InitiativeRevised)
            if approved is not None and f.occurred_at >= approved:
                out.append((BaselineChange(
                    _title(ini), local_day(f.occurred_at), f.actor, f.payload.reason,
                    _diff(before, f.payload), str(f.event_id)), f))
            before = f.payload
    return sorted(out, key=lambda x: (x[0].revised_on, x[0].initiative, x[0].event_id))


def _risks(initiatives: list[InitiativeState], q: Quarter) -> tuple[list[RiskLine], list[uuid.UUID]]:
    out, ids = [], []
    for ini in initiatives:
        for risk_id, facts in ini.risks.items():
            raised = next((f.payload for f in facts if isinstance(f.payload, RiskRaised)), None)
            if raised is None:
                continue
            likelihood, impact, mitigation, status = (raised.likelihood, raised.impact,
                                                      raised.mitigation, "open")
            closed_on = None
            for f in sorted(facts, key=lambda f: f.order):
                ids.append(f.event_id)
                if isinstance(f.payload, RiskAssessed):
                    likelihood, impact = f.payload.likelihood, f.payload.impact
                    mitigation = f.payload.mitigation
                elif isinstance(f.payload, RiskClosed):
                    status, closed_on = "closed", f.payload.closed_on
            if status == "closed" and closed_on is not None and closed_on < q.first_day:
                continue  # closed before the quarter: no longer news
            out.append(RiskLine(risk_id, _title(ini), raised.title, raised.owner, likelihood,
                                impact, mitigation, raised.raised_on, status))
    out.sort(key=lambda r: (r.status != "open", -r.score, r.initiative, r.risk_id))
    return out, ids


def _decisions(state: World, q: Quarter) -> tuple[Decisions, list[uuid.UUID]]:
    open_items: list[DecisionItem] = []
    taken: list[DecisionItem] = []
    ids: list[uuid.UUID] = []
    for d in state.requests.values():
        r = d.request
        options = tuple(DecisionOptionLine(o.label, o.consequence) for o in r.options)
        if d.taken is None:
            status = "overdue" if r.for_meeting_on <= q.last_day else "open"
            open_items.append(DecisionItem(str(r.decision_id), r.title, r.question,
                                           r.recommendation, options, r.requested_on,
                                           r.for_meeting_on, status))
            ids.append(d.requested.event_id)
        elif q.first_day <= d.taken.decided_on <= q.last_day:
            taken.append(DecisionItem(str(r.decision_id), r.title, r.question, r.recommendation,
                                      options, r.requested_on, r.for_meeting_on, "taken",
                                      d.taken.chosen, d.taken.decided_on, d.taken.note))
            ids.append(d.requested.event_id)
            if d.taken_fact is not None:
                ids.append(d.taken_fact.event_id)
    def key(i: DecisionItem) -> tuple[date, str, str]:
        return (i.for_meeting_on, i.title, i.decision_id)

    return Decisions(tuple(sorted(open_items, key=key)), tuple(sorted(taken, key=key))), ids


def _messages(nothing: bool, plan: PlanState | None, sections: list[InitiativeSection],
              goals: list[GoalLine], decisions: Decisions, budget: BudgetSection | None,
              differs: list[str]) -> tuple[KeyMessage, ...]:
    out: list[KeyMessage] = []
    if nothing:
        return (KeyMessage("nothing_to_report", ""),)
    if plan is None:
        return (KeyMessage("no_plan", ""),)
    if decisions.for_next_meeting:
        first = decisions.for_next_meeting[0]
        out.append(KeyMessage("decisions_for_meeting", first.for_meeting_on.isoformat(),
                              len(decisions.for_next_meeting)))
    red = [s.title for s in sections if Rag.RED in (s.rag, s.rag_computed)]
    amber = [s.title for s in sections if Rag.AMBER in (s.rag, s.rag_computed)
             and s.title not in red]
    if red:
        out.append(KeyMessage("initiatives_red", ", ".join(red), len(red)))
    if plan.approved is None:
        out.append(KeyMessage("plan_not_approved", plan.drafted.title if plan.drafted else ""))
    if budget is not None and budget.forecast is not None and budget.forecast > budget.total:
        out.append(KeyMessage("forecast_over_budget", str(budget.forecast - budget.total)))
    off = [g for g in goals if g.on_track is False]
    if off:
        out.append(KeyMessage("goals_off_track", ", ".join(g.title for g in off), len(off)))
    if amber:
        out.append(KeyMessage("initiatives_amber", ", ".join(amber), len(amber)))
    if differs:
        out.append(KeyMessage("rag_differs", ", ".join(differs), len(differs)))
    overdue = [m for s in sections for m in s.milestones_overdue]
    if overdue:
        out.append(KeyMessage("milestones_overdue", "", len(overdue)))
    if not out:
        out.append(KeyMessage("on_plan", ""))
    return tuple(out[:MAX_MESSAGES])


def compute(inputs: Inputs) -> Report:
    q = inputs.quarter
    by_id = {e.event_id: e for e in inputs.events}
    state = fold(inputs.events, q.last_day)
    prev = fold(inputs.events, q.first_day - timedelta(days=1))
    return _compute(inputs, state, prev, by_id)


def _compute(inputs: Inputs, state: World, prev: World,
             by_id: Mapping[uuid.UUID, Fact]) -> Report:
    q = inputs.quarter
    plan = _plan_for(state, q.year)
    tol = _tolerances(plan)
    current = _plan_initiatives(plan)
    tracks = _track_titles(plan)
    baselines = {i.definition.initiative_id: _baseline(i, plan, by_id) for i in current}
    sections = {i.definition.initiative_id: _initiative(
        i, prev.initiatives.get(i.definition.initiative_id), state, q,
        tracks.get(i.definition.track, i.definition.track),
        baselines[i.definition.initiative_id], tol) for i in current}
    ordered = [sections[i.definition.initiative_id] for i in current]
    figures = _figures(state, inputs.votes)
    goals = [g for i in current for g in _goal_lines(i, figures, q.last_day, tol)]
    rag = Counter(s.rag for s in ordered)
    appendix: list[Source] = []
    if plan is not None:
        appendix.append(_source("plan", _plan_title(plan), _types(by_id, plan.ids), plan.ids))
    for ini in current:
        s = sections[ini.definition.initiative_id]
        appendix.append(_source("progress", s.title, _types(by_id, ini.ids), ini.ids))
        if ini.milestone_ids:
            appendix.append(_source("milestones", s.title, _types(by_id, ini.milestone_ids),
                                    ini.milestone_ids))
        if ini.goal_ids:
            appendix.append(_source("goals", s.title, _types(by_id, ini.goal_ids), ini.goal_ids))

    campaigns: list[CampaignSection] = []
    active = sorted((c.created for c in state.campaigns.values()
                     if c.created.opens_at < q.end and c.created.closes_at > q.start),
                    key=lambda c: (c.opens_at, c.title, str(c.campaign_id)))
    for c in active:
        section, sources = _campaign(state, c.campaign_id,
                                     inputs.votes.get(str(c.campaign_id)), by_id)
        campaigns.append(section)
        appendix += sources

    moderation, decision_ids = _moderation(state, q)
    appendix.append(_source("moderation", "", _types(by_id, decision_ids), decision_ids))
    budget = _budget(plan, current, baselines, q)
    if budget is not None and plan is not None:
        # the budget as it stands: the current definition of each initiative, and its spend
        current_defs = [(i.revisions[-1].event_id if i.revisions else i.ids[0]) for i in current]
        spend_ids = [f.event_id for i in current for f in i.spend]
        ids = plan.budget_ids + current_defs + spend_ids
        appendix.append(_source("budget", _plan_title(plan), _types(by_id, ids), ids))
    changes = _baseline_changes(plan, current, by_id)
    if changes:
        ids = [f.event_id for _, f in changes]
        appendix.append(_source("baseline", "", _types(by_id, ids), ids))
    risks, risk_ids = _risks(current, q)
    if risk_ids:
        appendix.append(_source("risks", "", _types(by_id, risk_ids), risk_ids))
    decisions, item_ids = _decisions(state, q)
    appendix.append(_source("decisions", "", _types(by_id, item_ids), item_ids))

    fp, before = inputs.fingerprint, inputs.previous_fingerprint
    in_quarter = fp.event_count - (before.event_count if before else 0)
    nothing = in_quarter == 0
    differs = [s.title for s in ordered
               if Rag.NONE not in (s.rag, s.rag_computed) and s.rag != s.rag_computed]
    ratings = [r for s in ordered for r in (s.rag, s.rag_computed)]
    overall = max(ratings, key=lambda r: RAG_RANK[r], default=Rag.NONE)
    nxt = q.next()
    next_quarter = sorted(
        (MilestoneLine(m.title, m.due, None, m.original_due, m.initiative, m.owner)
         for s in ordered for m in s.milestones_due_next if nxt.first_day <= m.due),
        key=lambda m: (m.due, m.initiative, m.title))
    plan_version = 1 + len(changes)
    report = Report(
        executive_summary=Summary(
            overall=overall, overall_basis="overall_basis.worst", nothing_to_report=nothing,
            messages=_messages(nothing, plan, ordered, goals, decisions, budget, differs),
            rag=tuple(RagCount(r, rag[r]) for r in (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.NONE)),
            changes=_changes(current, state, prev, sections, q),
            tolerances=tol, rag_differs=tuple(differs)),
        decisions=decisions,
        initiatives=tuple(ordered),
        baseline_changes=tuple(c for c, _ in changes),
        economy=budget,
        risks=tuple(risks),
        goals=tuple(goals),
        campaigns=Campaigns(tuple(campaigns), moderation),
        milestones_next_quarter=tuple(next_quarter),
        document_control=Cover(
            plan_id=str(plan.year) if plan else "", plan_title=_plan_title(plan) if plan else "–",
            plan_year=plan.year if plan else None, plan_version=plan_version, quarter=str(q),
            period_start=q.first_day, period_end=q.last_day, cutoff=q.end,
            timezone="Europe/Copenhagen", fingerprint=fp,
            previous_quarter=str(q.previous()), previous_fingerprint=before,
            generated_by=REPORT_FORMAT, events_in_quarter=in_quarter),
        appendix=tuple(appendix),
    )
    return report.with_content_hash()
