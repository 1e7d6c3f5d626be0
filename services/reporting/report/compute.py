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
from datetime import date, timedelta

from schemas.plan import IdeaAdopted, SteeringMeetingHeld
from services.reporting.domain import (
    Fact,
    InitiativeState,
    PlanState,
    World,
    expected_percent,
    fold,
)
from services.reporting.report.model import (
    AdoptedIdea,
    BudgetLine,
    BudgetSection,
    CampaignSection,
    Change,
    Cover,
    DayCount,
    DecisionCount,
    DecisionItem,
    Fingerprint,
    FundingShare,
    GoalLine,
    InitiativeSection,
    MilestoneLine,
    ModerationSection,
    Narrative,
    Rag,
    RagCount,
    RankedIdea,
    Report,
    SectorCount,
    Source,
    Summary,
    TrackSection,
    fingerprint_of,
)
from services.reporting.report.quarter import Quarter

DECISION_ORDER = ("approve", "reject", "hide", "restore", "merge")
SECTOR_ORDER = ("state", "municipality", "region", "private", "citizen", "unknown")
NOT_IN_RANKING = {"rejected", "withdrawn", "merged", "hidden"}
LIST_IDS_UP_TO = 12


@dataclass(frozen=True)
class CampaignVotes:
    """A campaign's votes as of the cut-off, aggregated by the database."""

    campaign_id: str
    by_idea: Mapping[str, int]  # net active votes per idea
    voters: Mapping[str, str | None]  # participants with an active vote -> their sector
    cast_by_day: tuple[DayCount, ...]  # votes cast per UTC day
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


def _goal_lines(ini: InitiativeState) -> tuple[GoalLine, ...]:
    lines = []
    for g in ini.definition.goals:
        measured = ini.latest_measurement(g.goal_id)
        lines.append(GoalLine(g.title, g.indicator, g.unit, float(g.baseline), float(g.target),
                              float(measured.value) if measured else None,
                              measured.measured_on if measured else None))
    return tuple(lines)


def _milestones(ini: InitiativeState, q: Quarter) -> tuple[tuple[MilestoneLine, ...], ...]:
    done, overdue, upcoming = [], [], []
    nxt = q.next()
    for m in sorted(ini.definition.milestones, key=lambda m: (m.due, m.title)):
        due = m.due
        done_event = ini.milestones_done.get(m.milestone_id)
        completed = done_event.completed_on if done_event else None
        line = MilestoneLine(m.title, due, completed)
        if completed is not None:
            if q.first_day <= completed <= q.last_day:
                done.append(line)
        elif due <= q.last_day:
            overdue.append(line)
        elif nxt.first_day <= due <= nxt.last_day:
            upcoming.append(line)
    return tuple(done), tuple(overdue), tuple(upcoming)


def _idea_title(state: World, idea_id: uuid.UUID) -> str:
    idea = state.ideas.get(idea_id)
    return idea.title if idea and idea.title else f"#{str(idea_id)[:8]}"


def _adoptions(ini: InitiativeState) -> list[tuple[uuid.UUID, date, uuid.UUID]]:
    """(idea, day, event) of each adoption, by when it occurred (ties: by event id)."""
    out = []
    for f in sorted(ini.ideas, key=lambda f: (f.occurred_at, str(f.event_id))):
        assert isinstance(f.payload, IdeaAdopted)
        out.append((f.payload.idea_id, f.occurred_at.date(), f.event_id))
    return out


def _initiative(ini: InitiativeState, prev: InitiativeState | None, state: World,
                q: Quarter) -> InitiativeSection:
    period = ini.definition.period
    done, overdue, upcoming = _milestones(ini, q)
    p = ini.latest_report()
    narrative = Narrative(p.narrative, p.as_of, p.reported_by) if p else None
    return InitiativeSection(
        initiative_id=str(ini.definition.initiative_id), title=_title(ini),
        percent_done=float(p.percent) if p else None,
        percent_expected=expected_percent(period.start, period.end, q.last_day),
        rag=_rag(ini), rag_previous=_rag(prev), narrative=narrative,
        milestones_completed=done, milestones_overdue=overdue, milestones_due_next=upcoming,
        goals=_goal_lines(ini),
        adopted_ideas=tuple(_idea_title(state, idea) for idea, _, _ in _adoptions(ini)),
    )


def _plan_initiatives(plan: PlanState | None) -> list[InitiativeState]:
    if plan is None:
        return []
    return sorted(plan.initiatives.values(), key=lambda i: (
        i.definition.code or "", _title(i), str(i.definition.initiative_id)))


def _tracks(plan: PlanState | None, sections: list[tuple[str, InitiativeSection]]
            ) -> tuple[TrackSection, ...]:
    order = [(t.code, t.title) for t in plan.drafted.tracks] if plan and plan.drafted else []
    known = {code for code, _ in order}
    order += sorted({(code, code) for code, _ in sections if code not in known})
    return tuple(TrackSection(code, title, tuple(s for c, s in sections if c == code))
                 for code, title in order)


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
        for g in s.goals:
            if g.met and g.title not in prev_met:
                out.append(Change("goal_met", f"{s.title}: {g.title}"))
        for idea_id, day, _ in _adoptions(ini):
            if q.first_day <= day <= q.last_day:
                out.append(Change("idea_adopted", f"{s.title}: {_idea_title(state, idea_id)}"))
    return tuple(out)


def _campaign(state: World, cid: uuid.UUID, votes: CampaignVotes | None,
              by_id: Mapping[uuid.UUID, Fact]) -> tuple[CampaignSection, list[Source]]:
    c = state.campaigns[cid]
    created = c.created
    ideas = [i for i in state.ideas.values() if i.campaign_id == cid]
    by_idea = dict(votes.by_idea) if votes else {}
    sectors: dict[str, str | None] = dict(votes.voters) if votes else {}
    for idea in ideas:
        # ideas the campaign's own staff seeded it with (an import, say) are not participation
        if idea.author and idea.submitted_at is not None and idea.author != c.created_by:
            sectors[idea.author] = sectors.get(idea.author) or idea.sector
    counts = Counter(s or "unknown" for s in sectors.values())
    ranked = sorted((i for i in ideas if i.status not in NOT_IN_RANKING),
                    key=lambda i: (-by_idea.get(str(i.idea_id), 0), i.title or "",
                                   str(i.idea_id)))
    adopted = []
    adoption_ids = []
    titles = {i.idea_id for i in ideas}
    for ini in state.initiatives.values():
        for idea_id, day, event_id in _adoptions(ini):
            if idea_id in titles:
                adopted.append(AdoptedIdea(_idea_title(state, idea_id), _title(ini), day))
                adoption_ids.append(event_id)
    section = CampaignSection(
        campaign_id=str(cid), title=created.title, opens_at=created.opens_at,
        closes_at=created.closes_at,
        participants=len(sectors),
        participants_by_sector=tuple(SectorCount(s, counts[s]) for s in SECTOR_ORDER if counts[s]),
        ideas_submitted=len(ideas),
        ideas_published=sum(1 for i in ideas if i.ever_published),
        ideas_rejected=sum(1 for i in ideas if i.status == "rejected"),
        votes=sum(by_idea.values()),
        top_ideas=tuple(RankedIdea(n, i.title or f"#{str(i.idea_id)[:8]}",
                                   by_idea.get(str(i.idea_id), 0), i.status or "pending")
                        for n, i in enumerate(ranked[:10], start=1)),
        adopted_ideas=tuple(sorted(adopted, key=lambda a: (a.adopted_on, a.idea_title))),
        votes_by_day=votes.cast_by_day if votes else (),
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


def _budget(plan: PlanState | None, initiatives: list[InitiativeState]) -> BudgetSection | None:
    if plan is None or plan.budget is None:
        return None
    total = plan.budget.amount_dkk
    shares = plan.budget.shares.model_dump()
    return BudgetSection(
        total=total, spent=None,
        shares=tuple(FundingShare(party, int(shares[party]),
                                  round(100.0 * int(shares[party]) / total, 1) if total else 0.0)
                     for party in ("state", "municipalities", "regions")),
        lines=tuple(BudgetLine(_title(i), i.definition.budget_dkk) for i in initiatives))


def _decided(item: str, decisions: list[str]) -> bool:
    wanted = item.casefold().rstrip(".")
    return any(wanted in d.casefold() for d in decisions)


def _decision_items(state: World, plan: PlanState | None, sections:
                    list[InitiativeSection], q: Quarter
                    ) -> tuple[list[DecisionItem], list[uuid.UUID]]:
    items: list[DecisionItem] = []
    ids: list[uuid.UUID] = []
    meetings = [(f.event_id, f.payload) for f in state.meetings]
    # items put to the quarter's meetings that no meeting has recorded a decision on since
    for n, (event_id, meeting) in enumerate(meetings):
        assert isinstance(meeting, SteeringMeetingHeld)
        held = meeting.held_on
        if not q.first_day <= held <= q.last_day:
            continue
        later = [d for _, m in meetings[n:] for d in m.decisions]  # type: ignore[attr-defined]
        for text in meeting.items_for_decision:
            if not _decided(text, later):
                items.append(DecisionItem("open_item", text, None, held))
                ids.append(event_id)
    if plan is not None and plan.approved is None:
        items.append(DecisionItem("plan_not_approved", _plan_title(plan), None, None))
        ids += plan.ids
    if plan is not None and plan.budget is None:
        items.append(DecisionItem("budget_not_approved", _plan_title(plan), None, None))
    for s in sections:
        if s.rag is Rag.RED:
            items.append(DecisionItem("red_initiative", s.title,
                                      s.narrative.text if s.narrative else None,
                                      s.narrative.reported_on if s.narrative else None))
    for ini in state.initiatives.values():
        latest = ini.latest_report_fact()
        if _rag(ini) is Rag.RED and latest is not None:
            ids.append(latest.event_id)
    return items, ids


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
    current = _plan_initiatives(plan)
    sections = {i.definition.initiative_id: _initiative(
        i, prev.initiatives.get(i.definition.initiative_id), state, q) for i in current}
    tracks = _tracks(plan, [(i.definition.track, sections[i.definition.initiative_id])
                            for i in current])
    rag = Counter(s.rag for s in sections.values())
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
    budget = _budget(plan, current)
    if budget is not None and plan is not None:
        appendix.append(_source("budget", _plan_title(plan), _types(by_id, plan.budget_ids),
                                plan.budget_ids + [i for ini in current for i in ini.ids[:1]]))
    items, item_ids = _decision_items(
        state, plan, [sections[i.definition.initiative_id] for i in current], q)
    appendix.append(_source("decisions", "", _types(by_id, item_ids), item_ids))

    report = Report(
        cover=Cover(
            plan_id=str(plan.year) if plan else "", plan_title=_plan_title(plan) if plan else "–",
            plan_year=plan.year if plan else None, quarter=str(q), period_start=q.first_day,
            period_end=q.last_day, cutoff=q.end, fingerprint=inputs.fingerprint,
            previous_quarter=str(q.previous()),
            previous_fingerprint=inputs.previous_fingerprint),
        summary=Summary(
            rag=tuple(RagCount(r, rag[r]) for r in (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.NONE)),
            changes=_changes(current, state, prev, sections, q)),
        tracks=tracks,
        campaigns=tuple(campaigns),
        moderation=moderation,
        budget=budget,
        decisions=tuple(items),
        appendix=tuple(appendix),
    )
    return report.with_content_hash()
