"""Build the quarter's `Report` from recorded events and vote aggregates (pure: no I/O).

As-of: only events with `occurred_at` before the quarter's end count, so a past quarter's report
does not change when later events arrive. "Since the previous quarter" compares against the same
computation at the previous quarter's end.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.reporting.domain import expected_percent
from services.reporting.report.fold import (
    EventRecord,
    InitiativeState,
    PlanState,
    WorldState,
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
    events: tuple[EventRecord, ...]  # every recorded event before the quarter's end
    votes: Mapping[str, CampaignVotes]
    fingerprint: Fingerprint  # of every event read, votes included
    previous_fingerprint: Fingerprint | None


def _source(figure: str, subject: str, types: set[str], ids: list[str]) -> Source:
    fp = fingerprint_of(ids)
    shown = tuple(sorted(set(ids))) if fp.event_count <= LIST_IDS_UP_TO else ()
    return Source(figure, subject, tuple(sorted(types)), fp, shown)


def _types(events: Mapping[str, EventRecord], ids: list[str]) -> set[str]:
    return {events[i].type for i in ids if i in events}


def _plan_for(state: WorldState, year: int) -> PlanState | None:
    years = sorted(y for y, p in state.plans.items() if p.title and y <= year)
    return state.plans[years[-1]] if years else None


def _rag(ini: InitiativeState | None) -> Rag:
    if ini is None or ini.progress is None:
        return Rag.NONE
    return Rag(str(ini.progress["rag"]))


def _goal_lines(ini: InitiativeState) -> tuple[GoalLine, ...]:
    lines = []
    for g in ini.definition.get("goals", []):
        measured = ini.measurements.get(str(g["goal_id"]))
        lines.append(GoalLine(str(g["title"]), str(g["indicator"]), str(g["unit"]),
                              float(g["baseline"]), float(g["target"]),
                              measured[0] if measured else None,
                              measured[1] if measured else None))
    return tuple(lines)


def _milestones(ini: InitiativeState, q: Quarter) -> tuple[tuple[MilestoneLine, ...], ...]:
    done, overdue, upcoming = [], [], []
    nxt = q.next()
    for m in sorted(ini.definition.get("milestones", []), key=lambda m: (m["due"], m["title"])):
        due = date.fromisoformat(str(m["due"]))
        completed = ini.milestones_done.get(str(m["milestone_id"]))
        line = MilestoneLine(str(m["title"]), due, completed)
        if completed is not None:
            if q.first_day <= completed <= q.last_day:
                done.append(line)
        elif due <= q.last_day:
            overdue.append(line)
        elif nxt.first_day <= due <= nxt.last_day:
            upcoming.append(line)
    return tuple(done), tuple(overdue), tuple(upcoming)


def _idea_title(state: WorldState, idea_id: str) -> str:
    idea = state.ideas.get(idea_id)
    return idea.title if idea and idea.title else f"#{idea_id[:8]}"


def _initiative(ini: InitiativeState, prev: InitiativeState | None, state: WorldState,
                q: Quarter) -> InitiativeSection:
    period = ini.definition["period"]
    start, end = date.fromisoformat(str(period["start"])), date.fromisoformat(str(period["end"]))
    done, overdue, upcoming = _milestones(ini, q)
    p = ini.progress
    narrative = (Narrative(str(p["narrative"]), date.fromisoformat(str(p["as_of"])),
                           str(p["reported_by"])) if p else None)
    return InitiativeSection(
        initiative_id=ini.initiative_id, title=ini.title,
        percent_done=float(p["percent"]) if p else None,
        percent_expected=expected_percent(start, end, q.last_day),
        rag=_rag(ini), rag_previous=_rag(prev), narrative=narrative,
        milestones_completed=done, milestones_overdue=overdue, milestones_due_next=upcoming,
        goals=_goal_lines(ini),
        adopted_ideas=tuple(_idea_title(state, idea) for idea, _, _ in ini.adopted),
    )


def _plan_initiatives(state: WorldState, plan: PlanState | None) -> list[InitiativeState]:
    if plan is None:
        return []
    found = [i for i in state.initiatives.values() if int(i.definition["year"]) == plan.year]
    return sorted(found, key=lambda i: (str(i.definition.get("code") or ""), i.title,
                                        i.initiative_id))


def _tracks(plan: PlanState | None, sections: list[tuple[str, InitiativeSection]]
            ) -> tuple[TrackSection, ...]:
    order = list(plan.tracks) if plan else []
    known = {code for code, _ in order}
    order += sorted({(code, code) for code, _ in sections if code not in known})
    return tuple(TrackSection(code, title, tuple(s for c, s in sections if c == code))
                 for code, title in order)


def _changes(cur: list[InitiativeState], state: WorldState, prev_state: WorldState,
             sections: dict[str, InitiativeSection], q: Quarter) -> tuple[Change, ...]:
    out: list[Change] = []
    prev_q = q.previous()
    for ini in cur:
        s = sections[ini.initiative_id]
        before = prev_state.initiatives.get(ini.initiative_id)
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
        for idea_id, day, _ in ini.adopted:
            if q.first_day <= day <= q.last_day:
                out.append(Change("idea_adopted", f"{s.title}: {_idea_title(state, idea_id)}"))
    return tuple(out)


def _campaign(state: WorldState, cid: str, votes: CampaignVotes | None,
              by_id: Mapping[str, EventRecord]) -> tuple[CampaignSection, list[Source]]:
    c = state.campaigns[cid]
    ideas = [i for i in state.ideas.values() if i.campaign_id == cid]
    by_idea = dict(votes.by_idea) if votes else {}
    sectors: dict[str, str | None] = dict(votes.voters) if votes else {}
    for idea in ideas:
        # ideas the campaign's own staff seeded it with (an import, say) are not participation
        if idea.author and idea.submitted_at is not None and idea.author != c.created_by:
            sectors[idea.author] = sectors.get(idea.author) or idea.sector
    counts = Counter(s or "unknown" for s in sectors.values())
    ranked = sorted((i for i in ideas if i.status not in NOT_IN_RANKING),
                    key=lambda i: (-by_idea.get(i.idea_id, 0), i.title or "", i.idea_id))
    adopted = []
    adoption_ids = []
    titles = {i.idea_id for i in ideas}
    for ini in state.initiatives.values():
        for idea_id, day, event_id in ini.adopted:
            if idea_id in titles:
                adopted.append(AdoptedIdea(_idea_title(state, idea_id), ini.title, day))
                adoption_ids.append(event_id)
    section = CampaignSection(
        campaign_id=cid, title=c.title, opens_at=c.opens_at, closes_at=c.closes_at,
        participants=len(sectors),
        participants_by_sector=tuple(SectorCount(s, counts[s]) for s in SECTOR_ORDER if counts[s]),
        ideas_submitted=len(ideas),
        ideas_published=sum(1 for i in ideas if i.ever_published),
        ideas_rejected=sum(1 for i in ideas if i.status == "rejected"),
        votes=sum(by_idea.values()),
        top_ideas=tuple(RankedIdea(n, i.title or f"#{i.idea_id[:8]}", by_idea.get(i.idea_id, 0),
                                   i.status or "pending")
                        for n, i in enumerate(ranked[:10], start=1)),
        adopted_ideas=tuple(sorted(adopted, key=lambda a: (a.adopted_on, a.idea_title))),
        votes_by_day=votes.cast_by_day if votes else (),
    )
    idea_ids = [e for i in ideas for e in i.ids] + c.ids
    sources = [_source("campaign", c.title, _types(by_id, idea_ids), idea_ids)]
    if votes:
        sources.append(Source("votes", c.title, ("vote.cast", "vote.withdrawn"),
                              votes.fingerprint))
    if adoption_ids:
        sources.append(_source("adoptions", c.title, {"progress.idea_adopted"}, adoption_ids))
    return section, sources


def _moderation(state: WorldState, q: Quarter) -> tuple[ModerationSection, list[str]]:
    in_quarter = [d for d in state.decisions if q.contains(d.occurred_at)]
    counts = Counter(d.decision for d in in_quarter)
    waits = []
    for d in in_quarter:
        idea = state.ideas.get(d.idea_id)
        if (idea and idea.submitted_at and idea.first_decision_at == d.occurred_at):
            waits.append((d.occurred_at - idea.submitted_at).total_seconds() / 3600)
    queue = 0
    for idea in state.ideas.values():
        campaign = state.campaigns.get(idea.campaign_id)
        if idea.status == "pending" or (
                idea.status is None and idea.first_decision_at is None
                and idea.submitted_at is not None and campaign is not None
                and campaign.moderation == "pre"):
            queue += 1
    section = ModerationSection(
        decisions=tuple(DecisionCount(k, counts[k]) for k in DECISION_ORDER if counts[k]),
        decisions_in_quarter=len(in_quarter), queue_at_end=queue,
        median_hours_to_decision=round(statistics.median(waits), 2) if waits else None)
    return section, [d.event_id for d in in_quarter]


def _budget(plan: PlanState | None, initiatives: list[InitiativeState]) -> BudgetSection | None:
    if plan is None or plan.budget is None:
        return None
    total = int(plan.budget["amount_dkk"])
    shares = plan.budget["shares"]
    return BudgetSection(
        total=total, spent=None,
        shares=tuple(FundingShare(party, int(shares[party]),
                                  round(100.0 * int(shares[party]) / total, 1) if total else 0.0)
                     for party in ("state", "municipalities", "regions")),
        lines=tuple(BudgetLine(i.title, int(i.definition["budget_dkk"])) for i in initiatives))


def _decided(item: str, decisions: list[str]) -> bool:
    wanted = item.casefold().rstrip(".")
    return any(wanted in d.casefold() for d in decisions)


def _decision_items(state: WorldState, plan: PlanState | None, sections:
                    list[InitiativeSection], q: Quarter) -> tuple[list[DecisionItem], list[str]]:
    items: list[DecisionItem] = []
    ids: list[str] = []
    # items put to the quarter's meetings that no meeting has recorded a decision on since
    for n, (event_id, meeting) in enumerate(state.meetings):
        held = date.fromisoformat(str(meeting["held_on"]))
        if not q.first_day <= held <= q.last_day:
            continue
        later = [str(d) for _, m in state.meetings[n:] for d in m.get("decisions", [])]
        for text in meeting.get("items_for_decision", []):
            if not _decided(str(text), later):
                items.append(DecisionItem("open_item", str(text), None, held))
                ids.append(event_id)
    if plan is not None and plan.approved_on is None:
        items.append(DecisionItem("plan_not_approved", plan.title, None, None))
        ids += plan.ids
    if plan is not None and plan.budget is None:
        items.append(DecisionItem("budget_not_approved", plan.title, None, None))
    for s in sections:
        if s.rag is Rag.RED:
            items.append(DecisionItem("red_initiative", s.title,
                                      s.narrative.text if s.narrative else None,
                                      s.narrative.reported_on if s.narrative else None))
    for ini in state.initiatives.values():
        if _rag(ini) is Rag.RED and ini.progress_event:
            ids.append(ini.progress_event)
    return items, ids


def compute(inputs: Inputs) -> Report:
    q = inputs.quarter
    by_id = {e.event_id: e for e in inputs.events}
    state = fold(inputs.events, q.end)
    prev = fold(inputs.events, q.start)
    return _compute(inputs, state, prev, by_id)


def _compute(inputs: Inputs, state: WorldState, prev: WorldState,
             by_id: Mapping[str, EventRecord]) -> Report:
    q = inputs.quarter
    plan = _plan_for(state, q.year)
    current = _plan_initiatives(state, plan)
    sections = {i.initiative_id: _initiative(i, prev.initiatives.get(i.initiative_id), state, q)
                for i in current}
    tracks = _tracks(plan, [(str(i.definition["track"]), sections[i.initiative_id])
                            for i in current])
    rag = Counter(s.rag for s in sections.values())
    appendix: list[Source] = []
    if plan is not None:
        appendix.append(_source("plan", plan.title, _types(by_id, plan.ids), plan.ids))
    for ini in current:
        s = sections[ini.initiative_id]
        appendix.append(_source("progress", s.title, _types(by_id, ini.ids), ini.ids))
        if ini.milestone_ids:
            appendix.append(_source("milestones", s.title, _types(by_id, ini.milestone_ids),
                                    ini.milestone_ids))
        if ini.goal_ids:
            appendix.append(_source("goals", s.title, _types(by_id, ini.goal_ids), ini.goal_ids))

    campaigns: list[CampaignSection] = []
    active = sorted((c for c in state.campaigns.values()
                     if c.opens_at < q.end and c.closes_at > q.start),
                    key=lambda c: (c.opens_at, c.title, c.campaign_id))
    for c in active:
        section, sources = _campaign(state, c.campaign_id, inputs.votes.get(c.campaign_id),
                                     by_id)
        campaigns.append(section)
        appendix += sources

    moderation, decision_ids = _moderation(state, q)
    appendix.append(_source("moderation", "", _types(by_id, decision_ids), decision_ids))
    budget = _budget(plan, current)
    if budget is not None and plan is not None:
        appendix.append(_source("budget", plan.title, _types(by_id, plan.budget_ids),
                                plan.budget_ids + [i for ini in current for i in ini.ids[:1]]))
    items, item_ids = _decision_items(state, plan, [sections[i.initiative_id] for i in current],
                                      q)
    appendix.append(_source("decisions", "", _types(by_id, item_ids), item_ids))

    report = Report(
        cover=Cover(
            plan_id=str(plan.year) if plan else "", plan_title=plan.title if plan else "–",
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
