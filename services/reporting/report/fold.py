"""The state of the world as of a cut-off, folded from recorded events (pure: no I/O).

Events are applied in (`occurred_at`, `event_id`) order, so the same events give the same state
whatever order they arrived in. Every piece of state remembers the ids of the events it came
from, for the report's appendix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class EventRecord:
    """One recorded event: what the report computation reads."""

    event_id: str
    type: str
    occurred_at: datetime
    actor: str
    payload: Mapping[str, Any]


@dataclass
class PlanState:
    year: int
    title: str = ""
    tracks: list[tuple[str, str]] = field(default_factory=list)  # (code, title)
    approved_on: date | None = None
    budget: Mapping[str, Any] | None = None
    ids: list[str] = field(default_factory=list)
    budget_ids: list[str] = field(default_factory=list)


@dataclass
class InitiativeState:
    initiative_id: str
    definition: Mapping[str, Any]
    defined_at: datetime
    closed_on: date | None = None
    progress: Mapping[str, Any] | None = None  # the latest progress.reported payload
    progress_event: str | None = None
    milestones_done: dict[str, date] = field(default_factory=dict)
    measurements: dict[str, tuple[float, date]] = field(default_factory=dict)
    adopted: list[tuple[str, date, str]] = field(default_factory=list)  # idea, day, event
    ids: list[str] = field(default_factory=list)
    milestone_ids: list[str] = field(default_factory=list)
    goal_ids: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        code = self.definition.get("code")
        title = str(self.definition.get("title", ""))
        return f"{code} {title}" if code else title


@dataclass
class CampaignState:
    campaign_id: str
    title: str
    opens_at: datetime
    closes_at: datetime
    moderation: str
    created_by: str = ""
    ids: list[str] = field(default_factory=list)


@dataclass
class IdeaState:
    idea_id: str
    campaign_id: str
    title: str | None = None
    author: str | None = None
    sector: str | None = None
    submitted_at: datetime | None = None
    status: str | None = None
    ever_published: bool = False
    first_decision_at: datetime | None = None
    ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionMade:
    event_id: str
    idea_id: str
    decision: str
    occurred_at: datetime


@dataclass
class WorldState:
    cutoff: datetime
    plans: dict[int, PlanState] = field(default_factory=dict)
    initiatives: dict[str, InitiativeState] = field(default_factory=dict)
    campaigns: dict[str, CampaignState] = field(default_factory=dict)
    ideas: dict[str, IdeaState] = field(default_factory=dict)
    decisions: list[DecisionMade] = field(default_factory=list)
    meetings: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)  # (id, payload)


def _dt(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _d(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def fold(events: Iterable[EventRecord], cutoff: datetime) -> WorldState:
    """The state from every event with `occurred_at` before `cutoff`."""
    state = WorldState(cutoff)
    for ev in sorted((e for e in events if e.occurred_at < cutoff),
                     key=lambda e: (e.occurred_at, e.event_id)):
        handler = _HANDLERS.get(ev.type)
        if handler is not None:
            handler(state, ev)
    return state


def _plan(state: WorldState, year: int) -> PlanState:
    return state.plans.setdefault(year, PlanState(year))


def _plan_drafted(state: WorldState, ev: EventRecord) -> None:
    plan = _plan(state, int(ev.payload["year"]))
    plan.title = str(ev.payload["title"])
    plan.tracks = [(str(t["code"]), str(t["title"])) for t in ev.payload["tracks"]]
    plan.ids.append(ev.event_id)


def _plan_approved(state: WorldState, ev: EventRecord) -> None:
    plan = _plan(state, int(ev.payload["year"]))
    plan.approved_on = _d(ev.payload["approved_on"])
    plan.ids.append(ev.event_id)


def _budget_approved(state: WorldState, ev: EventRecord) -> None:
    plan = _plan(state, int(ev.payload["year"]))
    plan.budget = ev.payload
    plan.budget_ids.append(ev.event_id)


def _initiative_defined(state: WorldState, ev: EventRecord) -> None:
    key = str(ev.payload["initiative_id"])
    ini = state.initiatives.get(key)
    if ini is None:
        ini = state.initiatives[key] = InitiativeState(key, ev.payload, ev.occurred_at)
    else:
        ini.definition = ev.payload
    ini.ids.append(ev.event_id)


def _initiative(state: WorldState, ev: EventRecord) -> InitiativeState | None:
    return state.initiatives.get(str(ev.payload["initiative_id"]))


def _initiative_closed(state: WorldState, ev: EventRecord) -> None:
    if ini := _initiative(state, ev):
        ini.closed_on = _d(ev.payload["closed_on"])
        ini.ids.append(ev.event_id)


def _progress(state: WorldState, ev: EventRecord) -> None:
    ini = _initiative(state, ev)
    if ini is None:
        return
    latest = ini.progress
    # the newest as_of wins; among equal as_of, the later event
    if latest is None or _d(ev.payload["as_of"]) >= _d(latest["as_of"]):
        ini.progress = ev.payload
        ini.progress_event = ev.event_id
    ini.ids.append(ev.event_id)


def _milestone(state: WorldState, ev: EventRecord) -> None:
    if ini := _initiative(state, ev):
        ini.milestones_done[str(ev.payload["milestone_id"])] = _d(ev.payload["completed_on"])
        ini.milestone_ids.append(ev.event_id)


def _goal(state: WorldState, ev: EventRecord) -> None:
    ini = _initiative(state, ev)
    if ini is None:
        return
    goal, when = str(ev.payload["goal_id"]), _d(ev.payload["measured_on"])
    known = ini.measurements.get(goal)
    if known is None or when >= known[1]:
        ini.measurements[goal] = (float(ev.payload["value"]), when)
    ini.goal_ids.append(ev.event_id)


def _adopted(state: WorldState, ev: EventRecord) -> None:
    if ini := _initiative(state, ev):
        ini.adopted.append((str(ev.payload["idea_id"]), ev.occurred_at.date(), ev.event_id))


def _meeting(state: WorldState, ev: EventRecord) -> None:
    state.meetings.append((ev.event_id, ev.payload))


def _campaign_created(state: WorldState, ev: EventRecord) -> None:
    key = str(ev.payload["campaign_id"])
    c = state.campaigns.get(key)
    if c is None:
        c = state.campaigns[key] = CampaignState(
            key, str(ev.payload["title"]), _dt(ev.payload["opens_at"]),
            _dt(ev.payload["closes_at"]), str(ev.payload.get("moderation", "pre")), ev.actor)
    c.ids.append(ev.event_id)


def _campaign_event(state: WorldState, ev: EventRecord) -> None:
    if c := state.campaigns.get(str(ev.payload["campaign_id"])):
        c.ids.append(ev.event_id)


def _idea(state: WorldState, ev: EventRecord) -> IdeaState:
    key = str(ev.payload["idea_id"])
    idea = state.ideas.get(key)
    if idea is None:
        idea = state.ideas[key] = IdeaState(key, str(ev.payload["campaign_id"]))
    idea.ids.append(ev.event_id)
    return idea


def _idea_submitted(state: WorldState, ev: EventRecord) -> None:
    idea = _idea(state, ev)
    idea.title = str(ev.payload["title"])
    idea.author = ev.actor
    idea.sector = ev.payload.get("sector")
    idea.submitted_at = ev.occurred_at


def _idea_revised(state: WorldState, ev: EventRecord) -> None:
    _idea(state, ev).title = str(ev.payload["title"])


def _idea_withdrawn(state: WorldState, ev: EventRecord) -> None:
    _idea(state, ev).status = "withdrawn"


def _status_changed(state: WorldState, ev: EventRecord) -> None:
    idea = _idea(state, ev)
    idea.status = str(ev.payload["status"])
    if idea.status == "published":
        idea.ever_published = True
    if ev.payload.get("title") and idea.title is None:
        idea.title = str(ev.payload["title"])


def _moderation(state: WorldState, ev: EventRecord) -> None:
    idea = _idea(state, ev)
    if idea.first_decision_at is None:
        idea.first_decision_at = ev.occurred_at
    state.decisions.append(DecisionMade(ev.event_id, idea.idea_id, str(ev.payload["decision"]),
                                        ev.occurred_at))


_HANDLERS = {
    "plan.drafted": _plan_drafted,
    "plan.approved": _plan_approved,
    "plan.budget_approved": _budget_approved,
    "initiative.defined": _initiative_defined,
    "initiative.revised": _initiative_defined,
    "initiative.closed": _initiative_closed,
    "progress.reported": _progress,
    "progress.milestone_completed": _milestone,
    "progress.goal_measured": _goal,
    "progress.idea_adopted": _adopted,
    "steering.meeting_held": _meeting,
    "campaign.created": _campaign_created,
    "campaign.opened": _campaign_event,
    "campaign.closed": _campaign_event,
    "idea.submitted": _idea_submitted,
    "idea.revised": _idea_revised,
    "idea.withdrawn": _idea_withdrawn,
    "idea.status_changed": _status_changed,
    "moderation.decided": _moderation,
}

RECORDED_TYPES: frozenset[str] = frozenset(_HANDLERS)
