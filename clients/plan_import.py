"""The plan importer: a whole action plan with its progress history in one YAML file, turned
into events, published to `status`, and waited for through the reporting API.

Shape (see examples/coi-action-plan-2014-2016.yaml):

    meetings:   [{id, held_on, members_present: {state, municipalities, regions},
                  decisions: [..], items_for_decision: [..], by}]
    decisions:  [{id, year, title, question, recommendation, options: [{label, consequence}],
                  requested_on, for_meeting_on, by,
                  taken: {meeting, on, chosen, note, by}}]     # taken: the meeting's answer
    plans:
      - year, title, drafted_on, by, tracks: [{code, title}],
        rag_tolerances: {amber_percent, red_percent}          # optional
        staff: [{staff_id, name, role}]                       # optional: the people it names
        approved: {meeting, on, by}
        budget:   {amount_dkk, shares: {state, municipalities, regions},
                   other_lines: [{title, amount_dkk}], meeting, on, by}
        budget_changes: [<as budget>]                         # later approvals replace it
        initiatives:
          - key, code, track, title, description, owner, period: {start, end}, budget_dkk,
            defined_on, by, goals: [{goal_id, title, indicator, unit, baseline, target, due,
                                     computed_from: {figure, year | campaign_id}}],
            milestones: [{milestone_id, title, due}]
            revisions:   [{on, by, reason, decision (a decision's id), <any definition field
                           that changed>}]
            progress:    [{as_of, percent, rag, narrative, by, reported_on (default as_of)}]
            milestones_completed: [{milestone_id, completed_on, note, by}]
            measurements:         [{goal_id, value, measured_on, source, by}]
            ideas_adopted:        [{idea_id, on, decided_by, note}]
            spend:       [{as_of, spent_dkk, forecast_dkk, by, reported_on (default as_of)}]
            exceptions:  [{breach, cause, recovery, owner, recover_by, decision_needed,
                           reported_on, by}]
            risks:       [{risk_id, title, owner, likelihood, impact, mitigation, raised_on,
                           by, assessments: [{likelihood, impact, mitigation, assessed_on}],
                           closed: {on, note}}]
            closed:      {on, outcome, by}

Every event gets an id derived from what it is (plan year, initiative key, date...), so loading
the same file twice publishes the same ids and changes nothing. Each event occurs at noon UTC of
its date, a second apart in file order, so the order of a day's events is the file's order.
"""

from __future__ import annotations

import asyncio
import time as clock
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.base import Payload
from schemas.envelope import Envelope, derived_id, utcnow
from schemas.governance import DecisionRequested, DecisionTaken
from schemas.plan import (
    ActionPlanApproved,
    ActionPlanDrafted,
    BudgetApproved,
    ExceptionReported,
    GoalMeasured,
    IdeaAdopted,
    InitiativeClosed,
    InitiativeDefined,
    InitiativeRevised,
    MilestoneCompleted,
    ProgressReported,
    RiskAssessed,
    RiskClosed,
    RiskRaised,
    SpendReported,
    SteeringMeetingHeld,
)
from services.infra.kafka import archiving_producer, ensure_topics

# the reporting rules are pure (no I/O): the whole file is judged before anything is published
from services.reporting.domain import Known, judge_at_edge

DEFAULT_ACTOR = "plan-import"


class PlanFileError(Exception):
    """The file cannot be loaded; `problems` says where and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:10]))
        self.problems = problems


class _Entry(BaseModel):
    # the file's own structure; field values are checked by the event models
    model_config = ConfigDict(extra="forbid")


class _Dated(_Entry):
    by: str | None = None


class MeetingEntry(_Dated):
    id: str
    held_on: date
    members_present: dict[str, int]
    decisions: list[str] = []
    items_for_decision: list[str] = []


class InitiativeEntry(_Dated):
    key: str
    defined_on: date
    definition: dict[str, Any] = Field(default_factory=dict)
    revisions: list[dict[str, Any]] = []
    progress: list[dict[str, Any]] = []
    milestones_completed: list[dict[str, Any]] = []
    measurements: list[dict[str, Any]] = []
    ideas_adopted: list[dict[str, Any]] = []
    spend: list[dict[str, Any]] = []
    risks: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    closed: dict[str, Any] | None = None


class PlanEntry(_Dated):
    year: int
    title: str
    drafted_on: date
    tracks: list[dict[str, Any]]
    approved: dict[str, Any] | None = None
    budget: dict[str, Any] | None = None
    budget_changes: list[dict[str, Any]] = []
    rag_tolerances: dict[str, Any] | None = None
    staff: list[dict[str, Any]] = []
    initiatives: list[InitiativeEntry] = []


class DecisionEntry(_Dated):
    id: str
    year: int
    title: str
    question: str
    recommendation: str
    options: list[dict[str, Any]]
    requested_on: date
    for_meeting_on: date
    taken: dict[str, Any] | None = None


class PlanFile(_Entry):
    meetings: list[MeetingEntry] = []
    plans: list[PlanEntry] = []
    decisions: list[DecisionEntry] = []


_INITIATIVE_KEYS = {"key", "defined_on", "by", "revisions", "progress", "milestones_completed",
                    "measurements", "ideas_adopted", "spend", "risks", "exceptions", "closed"}


def meeting_id(slug: str) -> uuid.UUID:
    return derived_id("plan-file", "meeting", slug)


def decision_id(slug: str) -> uuid.UUID:
    return derived_id("plan-file", "decision", slug)


def initiative_id(year: int, key: str) -> uuid.UUID:
    return derived_id("plan-file", "initiative", year, key)


@dataclass
class _Builder:
    default_actor: str
    events: list[tuple[str, Envelope]]
    counter: int = 0

    def add(self, where: str, day: date, actor: str | None, payload: Payload,
            *identity: object) -> None:
        self.counter += 1
        at = datetime.combine(day, time(12), tzinfo=UTC) + timedelta(seconds=self.counter)
        env = Envelope.wrap(payload, actor=actor or self.default_actor, occurred_at=at,
                            event_id=derived_id("plan-file", *identity))
        self.events.append((where, env))


def _pop(d: dict[str, Any], name: str) -> Any:
    return d.pop(name, None)


def build_events(doc: Any, *, default_actor: str = DEFAULT_ACTOR) -> list[tuple[str, Envelope]]:
    """The events a parsed plan file stands for, each with where it came from in the file."""
    try:
        spec = PlanFile.model_validate(_normalise(doc))
    except ValidationError as exc:
        raise PlanFileError([_where(e) for e in exc.errors()]) from exc
    b = _Builder(default_actor, [])
    problems: list[str] = []

    def attempt(where: str, day: date, actor: str | None, model: type[Payload],
                fields: dict[str, Any], *identity: object) -> None:
        try:
            b.add(where, day, actor, model(**fields), *identity)
        except (ValidationError, TypeError) as exc:
            detail = ("; ".join(_where(e) for e in exc.errors())
                      if isinstance(exc, ValidationError) else str(exc))
            problems.append(f"{where}: {detail}")

    for i, m in enumerate(spec.meetings):
        attempt(f"meetings[{i}]", m.held_on, m.by, SteeringMeetingHeld, {
            "meeting_id": meeting_id(m.id), "held_on": m.held_on,
            "members_present": m.members_present, "decisions": m.decisions,
            "items_for_decision": m.items_for_decision}, "meeting", m.id)
    for p_i, plan in enumerate(spec.plans):
        here, year = f"plans[{p_i}]", plan.year
        drafted: dict[str, Any] = {"year": year, "title": plan.title, "tracks": plan.tracks}
        if plan.rag_tolerances is not None:
            drafted["rag_tolerances"] = plan.rag_tolerances
        if plan.staff:
            drafted["staff"] = plan.staff
        attempt(here, plan.drafted_on, plan.by, ActionPlanDrafted, drafted, "plan", year)
        if plan.approved is not None:
            a = dict(plan.approved)
            day, by = _pop(a, "on"), _pop(a, "by")
            attempt(f"{here}.approved", day, by, ActionPlanApproved,
                    {"year": year, "meeting_id": meeting_id(str(_pop(a, "meeting"))),
                     "approved_on": day, **a}, "approval", year)
        budgets: list[tuple[str, tuple[object, ...], dict[str, Any]]] = (
            [(f"{here}.budget", ("budget", year), plan.budget)] if plan.budget else [])
        budgets += [(f"{here}.budget_changes[{n}]", ("budget-change", year, n), b)
                    for n, b in enumerate(plan.budget_changes)]
        for where, identity, budget in budgets:
            a = dict(budget)
            day, by, meeting = _pop(a, "on"), _pop(a, "by"), _pop(a, "meeting")
            attempt(where, day, by, BudgetApproved,
                    {"year": year, "meeting_id": meeting_id(str(meeting)) if meeting else None,
                     **a}, *identity)
        for i_i, ini in enumerate(plan.initiatives):
            _initiative(attempt, f"{here}.initiatives[{i_i}]", year, ini)
    for i, d in enumerate(spec.decisions):
        did = decision_id(d.id)
        attempt(f"decisions[{i}]", d.requested_on, d.by, DecisionRequested, {
            "decision_id": did, "year": d.year, "title": d.title, "question": d.question,
            "recommendation": d.recommendation, "options": d.options,
            "requested_on": d.requested_on, "for_meeting_on": d.for_meeting_on,
            "requested_by": d.by or default_actor}, "decision", d.id)
        if d.taken is not None:
            r = dict(d.taken)
            day, by, meeting = _pop(r, "on"), _pop(r, "by"), _pop(r, "meeting")
            attempt(f"decisions[{i}].taken", day, by, DecisionTaken, {
                "decision_id": did, "meeting_id": meeting_id(str(meeting)), "decided_on": day,
                **r}, "decision-taken", d.id)
    if problems:
        raise PlanFileError(problems)
    return b.events


def _initiative(attempt: Any, here: str, year: int, ini: InitiativeEntry) -> None:
    iid = initiative_id(year, ini.key)
    base = {"initiative_id": iid, "year": year, **ini.definition}
    attempt(here, ini.defined_on, ini.by, InitiativeDefined, base, "initiative", year, ini.key)
    current = dict(base)
    for n, r in enumerate(ini.revisions):
        r = dict(r)
        day, by = _pop(r, "on"), _pop(r, "by")
        reason, decision = _pop(r, "reason"), _pop(r, "decision")
        current.update(r)
        attempt(f"{here}.revisions[{n}]", day, by, InitiativeRevised,
                {**current, "reason": reason,
                 "decision_id": decision_id(str(decision)) if decision else None},
                "revision", year, ini.key, n)
    for n, r in enumerate(ini.progress):
        r = dict(r)
        by, reported_on = _pop(r, "by"), _pop(r, "reported_on")
        attempt(f"{here}.progress[{n}]", reported_on or r.get("as_of"), by, ProgressReported,
                {"initiative_id": iid, "reported_by": by or ini.definition.get("owner"), **r},
                "progress", year, ini.key, r.get("as_of"))
    for n, r in enumerate(ini.milestones_completed):
        r = dict(r)
        by = _pop(r, "by")
        attempt(f"{here}.milestones_completed[{n}]", r.get("completed_on"), by,
                MilestoneCompleted, {"initiative_id": iid, **r},
                "milestone", year, ini.key, r.get("milestone_id"))
    for n, r in enumerate(ini.measurements):
        r = dict(r)
        by = _pop(r, "by")
        attempt(f"{here}.measurements[{n}]", r.get("measured_on"), by, GoalMeasured,
                {"initiative_id": iid, **r},
                "measurement", year, ini.key, r.get("goal_id"), r.get("measured_on"))
    for n, r in enumerate(ini.ideas_adopted):
        r = dict(r)
        day = _pop(r, "on")
        attempt(f"{here}.ideas_adopted[{n}]", day, r.get("decided_by"), IdeaAdopted,
                {"initiative_id": iid, **r}, "idea", year, ini.key, r.get("idea_id"))
    for n, r in enumerate(ini.spend):
        r = dict(r)
        by, reported_on = _pop(r, "by"), _pop(r, "reported_on")
        attempt(f"{here}.spend[{n}]", reported_on or r.get("as_of"), by, SpendReported,
                {"initiative_id": iid, "reported_by": by or ini.definition.get("owner"), **r},
                "spend", year, ini.key, r.get("as_of"))
    for n, r in enumerate(ini.risks):
        r = dict(r)
        by, assessments, closed = _pop(r, "by"), _pop(r, "assessments") or [], _pop(r, "closed")
        rid = r.get("risk_id")
        attempt(f"{here}.risks[{n}]", r.get("raised_on"), by, RiskRaised,
                {"initiative_id": iid, **r}, "risk", year, ini.key, rid)
        for k, a in enumerate(assessments):
            attempt(f"{here}.risks[{n}].assessments[{k}]", a.get("assessed_on"), by,
                    RiskAssessed, {"initiative_id": iid, "risk_id": rid, **a},
                    "risk-assessed", year, ini.key, rid, a.get("assessed_on"))
        if closed is not None:
            c = dict(closed)
            day = _pop(c, "on")
            attempt(f"{here}.risks[{n}].closed", day, by, RiskClosed,
                    {"initiative_id": iid, "risk_id": rid, "closed_on": day, **c},
                    "risk-closed", year, ini.key, rid)
    for n, r in enumerate(ini.exceptions):
        r = dict(r)
        by = _pop(r, "by")
        attempt(f"{here}.exceptions[{n}]", r.get("reported_on"), by, ExceptionReported,
                {"initiative_id": iid, "reported_by": by or ini.definition.get("owner"), **r},
                "exception", year, ini.key, r.get("breach"), r.get("reported_on"))
    if ini.closed is not None:
        r = dict(ini.closed)
        day, by = _pop(r, "on"), _pop(r, "by")
        attempt(f"{here}.closed", day, by, InitiativeClosed,
                {"initiative_id": iid, "closed_on": day, **r}, "closed", year, ini.key)


def _normalise(doc: Any) -> Any:
    """Move an initiative's definition fields under `definition` (the file keeps them flat)."""
    if not isinstance(doc, dict):
        return doc
    for plan in doc.get("plans") or []:
        if not isinstance(plan, dict):
            continue
        for i, ini in enumerate(plan.get("initiatives") or []):
            if isinstance(ini, dict):
                kept = {k: v for k, v in ini.items() if k in _INITIATIVE_KEYS}
                kept["definition"] = {k: v for k, v in ini.items() if k not in _INITIATIVE_KEYS}
                plan["initiatives"][i] = kept
    return doc


def _where(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"])


def check(events: list[tuple[str, Envelope]], today: date) -> None:
    """Apply the edge rules to the file's events in file order (the order they are published,
    so the order the consumer judges them in); raise on any refusal."""
    known, problems = Known(), []
    for where, env in events:
        payload = env.model()
        if env.occurred_at.date() > today:
            problems.append(f"{where}: dated {env.occurred_at.date()}, which is in the future")
            continue
        refusal = judge_at_edge(known, payload, env.occurred_at, getattr(payload, "year", None))
        if refusal is not None:
            problems.append(f"{where}: {refusal.reason}: {refusal.detail}")
            continue
        known.note(payload, env.occurred_at)
    if problems:
        raise PlanFileError(problems)


def load(path: Path, *, today: date, default_actor: str = DEFAULT_ACTOR) -> list[Envelope]:
    """Read, validate and check a plan file; the events in the order to publish them (file
    order: each plan before its initiatives, each initiative's definition before its progress)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlanFileError([f"{path}: {exc}"]) from exc
    events = build_events(doc, default_actor=default_actor)
    check(events, today)
    return [env for _, env in events]


# ---- publishing ----------------------------------------------------------------------------


@dataclass
class ImportResult:
    events: int
    applied: int | None  # events the reporting service has processed (None: not waited for)


async def import_plan(bootstrap: str, base_url: str, token: str, path: Path, *,
                      database_url: str | None, wait_s: float = 0,
                      actor: str = DEFAULT_ACTOR) -> ImportResult:
    """Publish the plan file's events to `status`; with `wait_s`, wait (through the reporting
    API's `?wait_for=`) until the reporting service has processed them. `token`: a bearer token
    with the planner or steering role; `database_url`: where the event archive is (every event
    is archived before the broker has it). Raises `PlanFileError` for a bad file."""
    envelopes = load(path, today=utcnow().date(), default_actor=actor)
    await ensure_topics(bootstrap)
    async with archiving_producer(bootstrap, database_url) as producer:
        await producer.publish_many(envelopes)
    if not wait_s:
        return ImportResult(len(envelopes), None)
    applied = await wait_applied(base_url, token, [e.event_id for e in envelopes], wait_s)
    return ImportResult(len(envelopes), applied)


async def wait_applied(base_url: str, token: str, event_ids: list[uuid.UUID], wait_s: float, *,
                       concurrency: int = 8) -> int:
    """How many of `event_ids` the reporting service has processed, waiting up to `wait_s`."""
    deadline = clock.monotonic() + wait_s
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}"}

    async def applied(http: httpx.AsyncClient, event_id: uuid.UUID) -> bool:
        async with gate:
            while True:
                # the plans as of a day before any plan: the cheapest read that honours wait_for
                r = await http.get("/plans", params={"as_of": "1900-01-01",
                                                     "wait_for": str(event_id)})
                if r.status_code == 200:
                    return True
                if r.status_code == 404 and r.json()["detail"]["code"] == "unknown_event":
                    await asyncio.sleep(0.2)  # published, not yet seen by any service
                elif r.status_code != 504:
                    raise PlanImportError(f"GET /plans answered {r.status_code}: {r.text}")
                if clock.monotonic() > deadline:
                    return False

    async with httpx.AsyncClient(base_url=base_url, headers=headers,
                                 timeout=max(30.0, wait_s)) as http:
        done = await asyncio.gather(*(applied(http, i) for i in event_ids))
    return sum(done)


class PlanImportError(RuntimeError):
    """The reporting API refused to answer (wrong token, wrong address)."""
