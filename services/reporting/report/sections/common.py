"""What every section reads: the report's inputs, the fold at the cut-off and at the previous
quarter's end, and small helpers for titles and the appendix."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from schemas.plan import IdeaAdopted, InitiativeDefined, InitiativeRevised
from schemas.votes import WhatIfComputed
from services.reporting.domain import (
    Fact,
    InitiativeState,
    PlanState,
    World,
    approved_baseline,
    fold,
    initiative_status,
    local_day,
    shown_title,
)
from services.reporting.domain.figures import Status
from services.reporting.report.model import (
    DayCount,
    Fingerprint,
    Rag,
    Source,
    Tolerances,
    fingerprint_of,
)
from services.reporting.report.quarter import Quarter

LIST_IDS_UP_TO = 12


@dataclass(frozen=True)
class CampaignVotes:
    """A campaign's votes as of the cut-off, aggregated by the database."""

    campaign_id: str
    by_idea: Mapping[str, int]  # net active votes per idea
    voters: Mapping[str, str | None]  # participants with an active vote -> their sector
    cast_by_day: tuple[DayCount, ...]  # votes cast per day (Danish time)
    fingerprint: Fingerprint


@dataclass(frozen=True)
class CampaignWhatIf:
    """A campaign's replay under other rules (`campaign.what_if_computed`): the latest that
    occurred before the cut-off."""

    event_id: uuid.UUID
    occurred_at: datetime  # when the replay's inputs were settled
    what_if: WhatIfComputed


@dataclass(frozen=True)
class Inputs:
    quarter: Quarter
    events: tuple[Fact, ...]  # every recorded fact before the quarter's end
    votes: Mapping[str, CampaignVotes]
    fingerprint: Fingerprint  # of every event read, votes included
    previous_fingerprint: Fingerprint | None
    draft_as_of: date | None = None  # a marked draft of a quarter not yet ended: data to this day
    author: str = ""  # who asked for the report (an id the plan may name)
    what_ifs: Mapping[str, CampaignWhatIf] = field(default_factory=dict)  # by campaign id


@dataclass
class Ctx:
    """The shared reading of the inputs, made once per report."""

    inputs: Inputs
    day: date  # the last day the figures cover
    state: World
    prev: World  # at the previous quarter's end
    by_id: dict[uuid.UUID, Fact]
    plan: PlanState | None
    prev_plan: PlanState | None
    current: list[InitiativeState]
    tolerances: Tolerances
    statuses: dict[uuid.UUID, Status] = field(default_factory=dict)

    @property
    def q(self) -> Quarter:
        return self.inputs.quarter

    @property
    def prev_day(self) -> date:
        return self.q.first_day - timedelta(days=1)

    def status(self, ini: InitiativeState) -> Status:
        key = ini.definition.initiative_id
        if key not in self.statuses:
            self.statuses[key] = initiative_status(ini, self.plan, self.day)
        return self.statuses[key]

    def baseline(self, ini: InitiativeState) -> InitiativeDefined | InitiativeRevised:
        return approved_baseline(ini, self.plan)

    def name(self, staff_id: str) -> str:
        return self.plan.staff_name(staff_id) if self.plan is not None else staff_id


def make_ctx(inputs: Inputs) -> Ctx:
    q = inputs.quarter
    day = inputs.draft_as_of or q.last_day
    state = fold(inputs.events, day)
    prev = fold(inputs.events, q.first_day - timedelta(days=1))
    plan = plan_for(state, q.year)
    prev_plan = plan_for(prev, q.year)
    amber, red, stated = plan.tolerances() if plan is not None else (0.10, 0.25, False)
    tol = Tolerances(amber, red,
                     "tolerance_source.plan" if stated else "tolerance_source.default")
    return Ctx(inputs, day, state, prev, {e.event_id: e for e in inputs.events}, plan,
               prev_plan, plan_initiatives(plan), tol)


def plan_for(state: World, year: int) -> PlanState | None:
    years = sorted(y for y, p in state.plans.items() if p.drafted and y <= year)
    return state.plans[years[-1]] if years else None


def plan_title(plan: PlanState) -> str:
    assert plan.drafted is not None
    return plan.drafted.title


def title(ini: InitiativeState) -> str:
    d = ini.definition
    return f"{d.code} {d.title}" if d.code else d.title


def plan_initiatives(plan: PlanState | None) -> list[InitiativeState]:
    if plan is None:
        return []
    order = {t.code: n for n, t in enumerate(plan.drafted.tracks)} if plan.drafted else {}
    return sorted(plan.initiatives.values(), key=lambda i: (
        order.get(i.definition.track, len(order)), i.definition.track,
        i.definition.code or "", title(i), str(i.definition.initiative_id)))


def owner_rag(ini: InitiativeState | None) -> Rag:
    report = ini.latest_report() if ini is not None else None
    return Rag.NONE if report is None else Rag(report.rag.value)


def idea_title(state: World, idea_id: uuid.UUID) -> str:
    # an idea not published at the cut-off is named by its number only
    return shown_title(state.ideas.get(idea_id)) or f"#{str(idea_id)[:8]}"


def adoptions(ini: InitiativeState) -> list[tuple[uuid.UUID, date, uuid.UUID]]:
    """(idea, day, event) of each idea taken into the initiative, once per idea (the first
    adoption; a repeat recorded before adoptions were refused twice is not shown again)."""
    out, seen = [], set()
    for f in sorted(ini.ideas, key=lambda f: (f.occurred_at, str(f.event_id))):
        assert isinstance(f.payload, IdeaAdopted)
        if f.payload.idea_id in seen:
            continue
        seen.add(f.payload.idea_id)
        out.append((f.payload.idea_id, local_day(f.occurred_at), f.event_id))
    return out


def source(figure: str, subject: str, types: set[str], event_ids: list[uuid.UUID]) -> Source:
    ids = [str(i) for i in event_ids]
    fp = fingerprint_of(ids)
    shown = tuple(sorted(set(ids))) if fp.event_count <= LIST_IDS_UP_TO else ()
    return Source(figure, subject, tuple(sorted(types)), fp, shown)


def types(facts: Mapping[uuid.UUID, Fact], ids: list[uuid.UUID]) -> set[str]:
    return {type(facts[i].payload).__event_type__ for i in ids if i in facts}
