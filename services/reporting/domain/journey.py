"""One idea's journey ("Hvor er min idé nu?"): from its submission through moderation, revisions,
the vote, its place at the campaign's close and the selection, to the official answer, the
action-plan initiative it was adopted into and that initiative's milestones and progress since.

Pure: it reads facts the reporting read model already holds, folded by the one `fold`, ranked by
the report's one `ranking`, with the votes counted the report's way (each voter's latest vote on
the idea; the database sums them, `journey/queries.py`). Who sees what is decided here too:
`visible` (the idea) and `initiative_shown` (the plan's part of it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from schemas.campaigns import VoteTimes
from schemas.ideas import IdeaSubmitted
from schemas.moderation import (
    IdeaRevisionPublished,
    IdeaStatus,
    IdeaStatusChanged,
    ModerationDecided,
)
from schemas.participation import IdeaAnswered
from schemas.plan import IdeaAdopted, MilestoneCompleted, ProgressReported
from schemas.votes import WhatIfComputed
from services.reporting.domain import (
    Fact,
    IdeaState,
    InitiativeState,
    World,
    fold,
    local_day,
    shown_title,
)
from services.reporting.domain.ranking import ranking


@dataclass(frozen=True)
class Viewer:
    """Who asks: `sub` (None: anonymous); `staff` see ideas that are not published (moderators,
    planners, the steering group, admins); `plan_reader` read the action plan whole."""

    sub: str | None
    staff: bool
    plan_reader: bool


@dataclass(frozen=True)
class VoteDay:
    """The idea's votes on one day with votes (Danish time): how many were cast that day, and
    the counted votes at its end (each voter's latest vote; a withdrawal counts nothing)."""

    day: date
    cast: int
    total: int


@dataclass(frozen=True)
class Replay:
    """The campaign's latest replay under other rules (`campaign.what_if_computed`)."""

    event_id: uuid.UUID
    occurred_at: datetime
    what_if: WhatIfComputed


@dataclass(frozen=True)
class JourneyInputs:
    """What the journey is assembled from (`queries.journey_inputs`)."""

    idea_id: uuid.UUID
    # the idea's campaign with all its ideas' events, the idea's answers and adoptions, and
    # the plan facts of the years of the initiatives it was adopted into
    facts: tuple[Fact, ...]
    votes_at_close: Mapping[str, int]  # the campaign's counted votes per idea at its close
    vote_days: tuple[VoteDay, ...]  # the idea's, before the close (none without vote times)
    replay: Replay | None
    now: datetime


def idea_of(inputs: JourneyInputs) -> IdeaState | None:
    return fold(inputs.facts, local_day(inputs.now)).ideas.get(inputs.idea_id)


def named_author(inputs: JourneyInputs) -> str | None:
    """The author whose shown name the journey may carry: only in a campaign that shows
    authors' names (the identity service then names only those who agreed to be shown)."""
    world = fold(inputs.facts, local_day(inputs.now))
    idea = world.ideas.get(inputs.idea_id)
    campaign = world.campaigns.get(idea.campaign_id) if idea is not None else None
    if idea is None or campaign is None or not campaign.created.shows_author_names:
        return None
    return idea.author


def visible(idea: IdeaState | None, viewer: Viewer) -> bool:
    """The one rule of what is public (`IdeaStatus.public`): an idea's journey is shown to
    anyone while the idea is published, otherwise only to its author and staff; an idea nobody
    submitted is shown to no one."""
    if idea is None or (idea.submitted_at is None and idea.status is None):
        return False
    if idea.status is not None and IdeaStatus(idea.status).public:
        return True
    return viewer.staff or (viewer.sub is not None and viewer.sub == idea.author)


def initiative_shown(world: World, ini: InitiativeState, viewer: Viewer) -> bool:
    """The plan's part of the journey (the initiative's title, period, milestones and percent
    done): to those who read the plan always, to everyone else once the steering group has
    approved the initiative's plan year (a draft plan is not shown to participants)."""
    if viewer.plan_reader:
        return True
    plan = world.plans.get(ini.definition.year)
    return plan is not None and plan.approved is not None


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _title(world: World, idea_id: uuid.UUID) -> str:
    return shown_title(world.ideas.get(idea_id)) or f"#{str(idea_id)[:8]}"


def rank_at_close(inputs: JourneyInputs, campaign_id: uuid.UUID, closes_at: datetime
                  ) -> dict[str, Any] | None:
    """The idea's place among its campaign's ideas at the close, by the report's ranking."""
    then = fold([f for f in inputs.facts if f.occurred_at < closes_at], local_day(closes_at))
    ideas = [i for i in then.ideas.values() if i.campaign_id == campaign_id]
    ranked = ranking(ideas, inputs.votes_at_close, lambda i: _title(then, i))
    place = next((n for n, i in enumerate(ranked, start=1) if i.idea_id == inputs.idea_id), None)
    if place is None:
        return None
    return {"position": place, "of": len(ranked),
            "votes": inputs.votes_at_close.get(str(inputs.idea_id), 0)}


def votes_over_time(days: tuple[VoteDay, ...]) -> list[dict[str, Any]]:
    """Per day with votes: cast that day, and the counted votes at the end of it."""
    return [{"day": d.day.isoformat(), "cast": d.cast, "total": d.total} for d in days]


def selection(replay: Replay, idea_id: uuid.UUID) -> dict[str, Any]:
    """Whether the campaign's own count funds the idea, and under which other rules it would."""
    w = replay.what_if
    funded = [sc for sc in w.scenarios if idea_id in sc.selected]
    return {"kind": "selection", "at": _at(replay.occurred_at),
            "selected": any(sc.name == w.official for sc in funded),
            "official": w.official, "stable": idea_id in w.stable,
            "funded_in": [{"name": sc.name, "rule": sc.rule, "variation": sc.variation,
                           "official": sc.name == w.official} for sc in funded],
            "scenarios": len(w.scenarios)}


def _initiative(world: World, ini: InitiativeState, viewer: Viewer) -> dict[str, Any]:
    d = ini.definition
    out: dict[str, Any] = {"initiative_id": str(d.initiative_id),
                           "shown": initiative_shown(world, ini, viewer)}
    if not out["shown"]:
        return out
    report = ini.latest_report()
    out.update({
        "code": d.code, "title": d.title, "year": d.year,
        "period": {"start": d.period.start.isoformat(), "end": d.period.end.isoformat()},
        "closed": ini.closed is not None,
        "milestones": [{"milestone_id": m.milestone_id, "title": m.title,
                        "due": m.due.isoformat(),
                        "completed_on": done.completed_on.isoformat()
                        if (done := ini.milestones_done.get(m.milestone_id)) else None}
                       for m in sorted(d.milestones, key=lambda m: (m.due, m.milestone_id))],
        "percent": float(report.percent) if report else None,
        "percent_as_of": report.as_of.isoformat() if report else None,
    })
    return out


def _plan_step(f: Fact, ini: InitiativeState, viewer: Viewer) -> dict[str, Any] | None:
    p = f.payload
    at = _at(f.occurred_at)
    iid = str(ini.definition.initiative_id)
    if isinstance(p, MilestoneCompleted):
        titles = {m.milestone_id: m.title for m in ini.definition.milestones}
        return {"kind": "milestone_completed", "at": at, "initiative_id": iid,
                "milestone_id": p.milestone_id, "title": titles.get(p.milestone_id),
                "completed_on": p.completed_on.isoformat()}
    if isinstance(p, ProgressReported):
        step = {"kind": "progress_reported", "at": at, "initiative_id": iid,
                "as_of": p.as_of.isoformat(), "percent": float(p.percent)}
        if viewer.plan_reader:  # the owner's judgement and words are for the plan's readers
            step.update(rag=p.rag.value, narrative=p.narrative)
        return step
    return None


def _idea_steps(inputs: JourneyInputs, world: World, viewer: Viewer) -> list[dict[str, Any]]:
    own = [f for f in sorted(inputs.facts, key=lambda f: f.order)
           if getattr(f.payload, "idea_id", None) == inputs.idea_id]
    # a decision and the status change it caused share their instant (whichever was recorded
    # first): one step says both
    decided: dict[datetime, dict[str, Any]] = {
        f.occurred_at: {"kind": "moderated", "at": _at(f.occurred_at),
                        "decision": p.decision.value, "reason": p.reason, "status": None}
        for f in own if isinstance(p := f.payload, ModerationDecided)}
    steps: list[dict[str, Any]] = []
    for f in own:
        p = f.payload
        at = _at(f.occurred_at)
        if isinstance(p, IdeaSubmitted):
            steps.append({"kind": "submitted", "at": at})
        elif isinstance(p, ModerationDecided):
            steps.append(decided[f.occurred_at])
        elif isinstance(p, IdeaStatusChanged):
            if p.previous is None and p.status is IdeaStatus.PENDING:
                continue  # the submission itself, waiting for moderation
            if f.occurred_at in decided:
                decided[f.occurred_at]["status"] = p.status.value  # what the decision made
                continue
            steps.append({"kind": "status", "at": at, "status": p.status.value,
                          "reason": p.reason if p.status is not IdeaStatus.WITHDRAWN else None})
        elif isinstance(p, IdeaRevisionPublished) and p.revision > 1:
            steps.append({"kind": "revised", "at": at, "revision": p.revision})
        elif isinstance(p, IdeaAnswered):
            steps.append({"kind": "answered", "at": at, "state": p.state.value,
                          "reason": p.reason,
                          "initiative_id": str(p.initiative_id) if p.initiative_id else None})
        elif isinstance(p, IdeaAdopted) and (ini := world.initiatives.get(p.initiative_id)):
            shown = initiative_shown(world, ini, viewer)
            steps.append({"kind": "adopted", "at": at, "initiative_id": str(p.initiative_id),
                          "title": ini.definition.title if shown else None})
    return steps


def assemble(inputs: JourneyInputs, viewer: Viewer, shown_names: Mapping[str, str]
             ) -> dict[str, Any] | None:
    """The journey as the viewer may see it, steps in time order; None when they may not.
    `shown_names`: the identity service's names of those who agreed to be shown."""
    world = fold(inputs.facts, local_day(inputs.now))
    idea = world.ideas.get(inputs.idea_id)
    if idea is None or not visible(idea, viewer):
        return None
    campaign = world.campaigns.get(idea.campaign_id)
    steps = _idea_steps(inputs, world, viewer)
    initiatives = []
    adopted = sorted((f for ini in world.initiatives.values() for f in ini.ideas
                      if isinstance(f.payload, IdeaAdopted)
                      and f.payload.idea_id == inputs.idea_id), key=lambda f: f.order)
    seen: set[uuid.UUID] = set()
    for first in adopted:
        ini = world.initiatives[first.payload.initiative_id]  # type: ignore[attr-defined]
        if ini.definition.initiative_id in seen:
            continue  # each initiative once, from the first adoption into it
        seen.add(ini.definition.initiative_id)
        initiatives.append(_initiative(world, ini, viewer))
        if not initiative_shown(world, ini, viewer):
            continue
        for f in [*ini.reports, *_milestone_facts(inputs, ini)]:
            if f.order >= first.order and (step := _plan_step(f, ini, viewer)) is not None:
                steps.append(step)
    rank = None
    if campaign is not None and campaign.created.closes_at <= inputs.now:
        closes = campaign.created.closes_at
        rank = rank_at_close(inputs, idea.campaign_id, closes)
        steps.append({"kind": "voting_closed", "at": _at(closes), "rank": rank,
                      "votes": inputs.votes_at_close.get(str(inputs.idea_id), 0)})
    if inputs.replay is not None:
        steps.append(selection(inputs.replay, inputs.idea_id))
    steps.sort(key=lambda s: datetime.fromisoformat(s["at"]))  # stable: facts of one instant keep their order
    answers = [s for s in steps if s["kind"] == "answered"]
    created = campaign.created if campaign else None
    public = idea.status is not None and IdeaStatus(idea.status).public
    return {
        "idea_id": str(idea.idea_id), "campaign_id": str(idea.campaign_id),
        "campaign_title": created.title if created else None,
        "title": shown_title(idea) or (None if public else idea.title),
        "status": idea.status or IdeaStatus.PENDING.value, "published": public,
        "submitted_at": _at(idea.submitted_at) if idea.submitted_at else None,
        "author_name": shown_names.get(author) if (author := named_author(inputs)) else None,
        "campaign_closes_at": _at(created.closes_at) if created else None,
        "votes": {"at_close": rank["votes"] if rank else None,
                  # by the close, or by now while the campaign is open
                  "counted": inputs.votes_at_close.get(str(inputs.idea_id), 0),
                  "vote_times": created.vote_times.value if created else None,
                  # votes imported without times have no days to count them on
                  "by_day": votes_over_time(inputs.vote_days)
                  if created is not None and created.vote_times is VoteTimes.RECORDED else []},
        "rank": rank,
        "selection": next((s for s in steps if s["kind"] == "selection"), None),
        "answer": answers[-1] if answers else None,
        "initiatives": initiatives,
        "steps": steps,
    }


def _milestone_facts(inputs: JourneyInputs, ini: InitiativeState) -> list[Fact]:
    # the fold keeps a milestone's first completion only, without when it became known
    iid = ini.definition.initiative_id
    return [f for f in inputs.facts if isinstance(f.payload, MilestoneCompleted)
            and f.payload.initiative_id == iid
            and ini.milestones_done.get(f.payload.milestone_id) is f.payload]
