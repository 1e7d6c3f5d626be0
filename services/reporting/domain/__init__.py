"""Rules for accepting plan and progress events, shared by the HTTP edge, the plan importer and
the consumer (which must not trust the broker).

The consumer judges each event only against facts about the same aggregate, which reach it in
order on the same partition: an initiative's own definition, a plan year's own draft. That keeps
a replay of `status` from offset 0 deterministic. The edge checks more (that an initiative's plan
and track exist) because it can read every view.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from schemas.base import Payload
from schemas.campaigns import CampaignChanged, CampaignClosed, CampaignCreated, CampaignOpened
from schemas.governance import DecisionRequested, DecisionTaken
from schemas.ideas import IdeaRevised, IdeaSubmitted, IdeaWithdrawn
from schemas.moderation import (
    IdeaRevisionPublished,
    IdeaStatus,
    IdeaStatusChanged,
    ModerationDecided,
)
from schemas.participation import IdeaAnswerDue, IdeaAnswered, IdeaAnswerOverdue
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
from services.reporting.domain import figures

PLAN_EVENTS = (ActionPlanDrafted, ActionPlanApproved, BudgetApproved)
INITIATIVE_EVENTS = (InitiativeDefined, InitiativeRevised, InitiativeClosed, ProgressReported,
                     MilestoneCompleted, GoalMeasured, IdeaAdopted, SpendReported, RiskRaised,
                     RiskAssessed, RiskClosed, ExceptionReported)
DECISION_EVENTS = (DecisionRequested, DecisionTaken)
PLAN_FACTS = (*PLAN_EVENTS, *INITIATIVE_EVENTS, SteeringMeetingHeld, *DECISION_EVENTS)
# what else reporting records: campaigns, ideas, their statuses and moderation decisions
CAMPAIGN_EVENTS = (CampaignCreated, CampaignChanged, CampaignOpened, CampaignClosed)
# official answers to ideas, and the answers a campaign's support threshold made due
ANSWER_EVENTS = (IdeaAnswered, IdeaAnswerDue, IdeaAnswerOverdue)
IDEA_EVENTS = (IdeaSubmitted, IdeaRevised, IdeaWithdrawn, IdeaStatusChanged, IdeaRevisionPublished,
               ModerationDecided)


# the days a plan fact may be about or occur on (date arithmetic must not overflow)
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


# the centre works in Danish time: days, quarters and cut-offs are Copenhagen's
LOCAL = ZoneInfo("Europe/Copenhagen")


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in Danish time (midnight in Copenhagen, which is 22:00 or
    23:00 UTC): a view as of `day` sees facts before this."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=LOCAL)


def local_day(moment: datetime) -> date:
    """The day an instant falls on in Copenhagen."""
    return moment.astimezone(LOCAL).date()


def expected_percent(start: date, end: date, as_of: date) -> float:
    """Where a linear plan from `start` to `end` would be at the end of day `as_of`: the share
    of the period's days (both `start` and `end` included) that have passed by the end of that
    day, to 0.1 %. The one formula for this figure, in every view and in the quarterly report:
    for 1-30 April, at the end of 15 April 15 of 30 days have passed, 50.0 %."""
    return round(100 * figures.elapsed_fraction(start, end, as_of), 1)


@dataclass
class InitiativeInfo:
    """What the rules need to know about an initiative already defined."""

    year: int
    defined_on: date
    milestones: set[str] = field(default_factory=set)
    goals: set[str] = field(default_factory=set)
    closed: bool = False
    risks: set[str] = field(default_factory=set)
    completed: set[str] = field(default_factory=set)  # milestones reached
    adopted: set[uuid.UUID] = field(default_factory=set)  # ideas taken into it


@dataclass
class Known:
    """Plans and initiatives already accepted (loaded for one batch or one request)."""

    plans: dict[int, date] = field(default_factory=dict)  # year -> drafted on
    tracks: dict[int, set[str]] = field(default_factory=dict)  # year -> track codes
    initiatives: dict[uuid.UUID, InitiativeInfo] = field(default_factory=dict)
    # decision id -> (plan year, option labels, answered)
    decisions: dict[uuid.UUID, tuple[int, frozenset[str], bool]] = field(default_factory=dict)
    # ideas named by adoptions at the edge, as they stand now (None: never heard of)
    ideas: dict[uuid.UUID, IdeaState | None] = field(default_factory=dict)

    def note(self, payload: Payload, occurred_at: datetime) -> None:
        """Remember an accepted event, so later events in the same batch are judged with it."""
        if isinstance(payload, ActionPlanDrafted):
            self.plans[payload.year] = local_day(occurred_at)
            self.tracks[payload.year] = {t.code for t in payload.tracks}
        elif isinstance(payload, InitiativeDefined | InitiativeRevised):
            old = self.initiatives.get(payload.initiative_id)
            self.initiatives[payload.initiative_id] = InitiativeInfo(
                year=payload.year,
                defined_on=old.defined_on if old else local_day(occurred_at),
                milestones={m.milestone_id for m in payload.milestones},
                goals={g.goal_id for g in payload.goals},
                risks=old.risks if old else set(),
                completed=old.completed if old else set(),
                adopted=old.adopted if old else set(),
            )
        elif isinstance(payload, MilestoneCompleted):
            if (info := self.initiatives.get(payload.initiative_id)) is not None:
                info.completed.add(payload.milestone_id)
        elif isinstance(payload, RiskRaised):
            self.initiatives[payload.initiative_id].risks.add(payload.risk_id)
        elif isinstance(payload, IdeaAdopted):
            if (info := self.initiatives.get(payload.initiative_id)) is not None:
                info.adopted.add(payload.idea_id)
        elif isinstance(payload, InitiativeClosed):
            self.initiatives[payload.initiative_id].closed = True
        elif isinstance(payload, DecisionRequested):
            self.decisions[payload.decision_id] = (
                payload.year, frozenset(o.label for o in payload.options), False)
        elif isinstance(payload, DecisionTaken) and payload.decision_id in self.decisions:
            year, labels, _ = self.decisions[payload.decision_id]
            self.decisions[payload.decision_id] = (year, labels, True)


@dataclass(frozen=True)
class Refusal:
    """Why an event is refused: a short code (the dead-letter reason) and a sentence."""

    reason: str
    detail: str


def _day_of(payload: Payload) -> date | None:
    for name in ("as_of", "completed_on", "measured_on", "closed_on", "approved_on", "held_on",
                 "requested_on", "decided_on", "raised_on", "assessed_on", "reported_on"):
        value = getattr(payload, name, None)
        if isinstance(value, date):
            return value
    return None


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def judge(known: Known, payload: Payload, occurred_at: datetime) -> Refusal | None:
    """Refuse an event that breaks a rule, or return None to accept it."""
    if _has_nul(payload.model_dump(mode="json")):
        # valid JSON and a valid model, but PostgreSQL cannot store U+0000 in text or jsonb
        return Refusal("malformed", "text contains a NUL character")
    day = _day_of(payload)
    for when in (local_day(occurred_at), day):
        if when is not None and not EARLIEST <= when <= LATEST:
            return Refusal("implausible_date",
                           f"{type(payload).__name__} is dated {when}, outside {EARLIEST}..{LATEST}")
    if day is not None and day > local_day(occurred_at):
        return Refusal("dated_in_future",
                       f"{type(payload).__name__} is dated {day}, after it was reported "
                       f"({local_day(occurred_at)})")
    if isinstance(payload, ActionPlanDrafted):
        if payload.year in known.plans:
            return Refusal("already_drafted", f"the plan for {payload.year} is already drafted")
        return None
    if isinstance(payload, ActionPlanApproved | BudgetApproved):
        if payload.year not in known.plans:
            return Refusal("unknown_plan", f"no plan for {payload.year} has been drafted")
        return None
    if isinstance(payload, DecisionRequested):
        if payload.decision_id in known.decisions:
            return Refusal("already_requested",
                           f"decision {payload.decision_id} has already been requested")
        return None
    if isinstance(payload, DecisionTaken):
        asked = known.decisions.get(payload.decision_id)
        if asked is None:
            return Refusal("unknown_decision",
                           f"no decision {payload.decision_id} has been requested")
        if asked[2]:
            return Refusal("already_decided", f"decision {payload.decision_id} is already taken")
        if payload.chosen not in asked[1]:
            return Refusal("unknown_option",
                           f"decision {payload.decision_id} has no option {payload.chosen!r}; "
                           f"it has {sorted(asked[1])}")
        return None
    if isinstance(payload, InitiativeDefined):
        if payload.initiative_id in known.initiatives:
            return Refusal("already_defined",
                           f"initiative {payload.initiative_id} is already defined; "
                           "send a revision instead")
        return None
    if not isinstance(payload, INITIATIVE_EVENTS):
        return None
    info = known.initiatives.get(payload.initiative_id)
    if info is None:
        return Refusal("unknown_initiative", f"initiative {payload.initiative_id} is not defined")
    when = day if day is not None else local_day(occurred_at)
    if when < info.defined_on:
        return Refusal("before_plan",
                       f"{type(payload).__name__} is dated {when}, before initiative "
                       f"{payload.initiative_id} was defined ({info.defined_on})")
    if info.closed and isinstance(payload, InitiativeRevised | InitiativeClosed | ProgressReported
                                  | MilestoneCompleted | IdeaAdopted):
        return Refusal("initiative_closed", f"initiative {payload.initiative_id} is closed"
                       + (": no idea can be adopted into it" if isinstance(payload, IdeaAdopted)
                          else ""))
    if isinstance(payload, IdeaAdopted) and payload.idea_id in info.adopted:
        return Refusal("already_adopted", f"idea {payload.idea_id} is already adopted into "
                                          f"initiative {payload.initiative_id}")
    if isinstance(payload, InitiativeRevised):
        dropped = info.completed - {m.milestone_id for m in payload.milestones}
        if dropped:
            return Refusal("completed_milestone_removed",
                           f"milestone {sorted(dropped)[0]!r} of initiative "
                           f"{payload.initiative_id} is completed and cannot be removed")
    if isinstance(payload, InitiativeRevised) and payload.year != info.year:
        return Refusal("year_changed",
                       f"initiative {payload.initiative_id} belongs to {info.year}; "
                       "a revision cannot move it to another plan year")
    if isinstance(payload, MilestoneCompleted) and payload.milestone_id not in info.milestones:
        return Refusal("unknown_milestone",
                       f"initiative {payload.initiative_id} has no milestone "
                       f"{payload.milestone_id!r}")
    if isinstance(payload, RiskRaised) and payload.risk_id in info.risks:
        return Refusal("already_raised", f"initiative {payload.initiative_id} already has a risk "
                                         f"{payload.risk_id!r}; assess it instead")
    if isinstance(payload, RiskAssessed | RiskClosed) and payload.risk_id not in info.risks:
        return Refusal("unknown_risk",
                       f"initiative {payload.initiative_id} has no risk {payload.risk_id!r}")
    if isinstance(payload, GoalMeasured) and payload.goal_id not in info.goals:
        return Refusal("unknown_goal",
                       f"initiative {payload.initiative_id} has no goal {payload.goal_id!r}")
    return None


_SCALARS = ("track", "code", "title", "description", "owner", "period", "budget_dkk")


def merge_revision(current: InitiativeDefined | InitiativeRevised, changes: dict[str, object],
                   remove_goals: list[str], remove_milestones: list[str]
                   ) -> dict[str, object] | Refusal:
    """A revision changes what it names and keeps the rest: a field left out (None) keeps its
    value; goals and milestones given replace the ones with the same id or are added; a goal or
    milestone goes only when named in `remove_*` (an unknown id is refused). Returns the new
    definition's fields (without the reason)."""
    fields: dict[str, object] = current.model_dump(include={"initiative_id", "year", *_SCALARS})
    for name in _SCALARS:
        if changes.get(name) is not None:
            fields[name] = changes[name]
    out: dict[str, list[dict[str, object]]] = {}
    for kind, key, removed in (("goals", "goal_id", remove_goals),
                               ("milestones", "milestone_id", remove_milestones)):
        items = {str(i[key]): i for i in current.model_dump(mode="json")[kind]}
        for gone in removed:
            if items.pop(gone, None) is None:
                return Refusal(f"unknown_{kind[:-1]}",
                               f"initiative {current.initiative_id} has no {kind[:-1]} "
                               f"{gone!r} to remove")
        given = changes.get(kind)
        for item in given if isinstance(given, list) else []:
            items[str(item[key])] = item
        out[kind] = list(items.values())
    return {**fields, **out}


def aggregate_year(payload: Payload, known: Known) -> int | None:
    """The plan year a fact belongs to (meetings: the year they were held)."""
    if isinstance(payload, SteeringMeetingHeld):
        return payload.held_on.year
    if isinstance(payload, DecisionTaken):
        asked = known.decisions.get(payload.decision_id)
        return asked[0] if asked else payload.decided_on.year
    year = getattr(payload, "year", None)
    if isinstance(year, int):
        return year
    initiative_id = getattr(payload, "initiative_id", None)
    info = known.initiatives.get(initiative_id) if isinstance(initiative_id, uuid.UUID) else None
    return info.year if info else None


_NOT_PUBLISHED = {
    IdeaStatus.PENDING: "is pending moderation",
    IdeaStatus.HIDDEN: "is hidden by moderation",
    IdeaStatus.REJECTED: "was rejected by moderation",
    IdeaStatus.MERGED: "was merged into another idea",
    IdeaStatus.WITHDRAWN: "was withdrawn by its author",
}


def adoptable(idea_id: uuid.UUID, idea: IdeaState | None) -> Refusal | None:
    """Only a published idea can be adopted into an initiative: one nobody submitted is
    `unknown_idea`, one that is not published now is `idea_not_published`, saying its status.

    Checked at the edge only, against the idea as it stands when the planner adopts it. The
    consumer does not repeat it: the idea's events arrive on other topics than the adoption, so
    in a replay an adoption can come before its idea is known; the views and the report name an
    adopted idea only while it is published (`shown_title`)."""
    if idea is None or (idea.submitted_at is None and idea.status is None):
        return Refusal("unknown_idea", f"idea {idea_id} does not exist in any ideastorm")
    status = IdeaStatus(idea.status) if idea.status else IdeaStatus.PENDING
    if not status.public:
        return Refusal("idea_not_published",
                       f"idea {idea_id} {_NOT_PUBLISHED.get(status, f'is {status.value}')}, "
                       "only published ideas can be adopted")
    return None


def judge_at_edge(known: Known, payload: Payload, occurred_at: datetime,
                  path_year: int | None = None) -> Refusal | None:
    """`judge` plus what only the edge can check: the initiative belongs to the plan year in
    the request, that plan exists and has the initiative's track, an adopted idea is published
    now, the initiative an item for the steering group names is in the item's plan year."""
    if isinstance(payload, INITIATIVE_EVENTS) and path_year is not None:
        info = known.initiatives.get(payload.initiative_id)
        if info is not None and info.year != path_year:
            return Refusal("unknown_initiative", f"initiative {payload.initiative_id} is not "
                                                 f"in the plan for {path_year}")
    if isinstance(payload, InitiativeDefined | InitiativeRevised):
        if payload.year not in known.plans:
            return Refusal("unknown_plan", f"no plan for {payload.year} has been drafted")
        if payload.track not in known.tracks.get(payload.year, set()):
            return Refusal("unknown_track",
                           f"the plan for {payload.year} has no track {payload.track!r}; it has "
                           f"{sorted(known.tracks.get(payload.year, set()))}")
    if isinstance(payload, DecisionRequested) and payload.initiative_id is not None:
        # at the edge only, like an adoption's idea: the item and the initiative are keyed
        # apart, so a replay may meet the item before the initiative's definition
        info = known.initiatives.get(payload.initiative_id)
        if info is None or info.year != payload.year:
            return Refusal("unknown_initiative", f"initiative {payload.initiative_id} is not "
                                                 f"in the plan for {payload.year}")
    refusal = judge(known, payload, occurred_at)
    if refusal is None and isinstance(payload, IdeaAdopted):
        return adoptable(payload.idea_id, known.ideas.get(payload.idea_id))
    return refusal


# ---- the fold: what was known at the end of a day -------------------------------------------
#
# One fold serves every view: the live and as-of progress views (one plan year) and the
# quarterly report (every plan year, campaign and idea). Facts are applied in the order they
# became known (`occurred_at`, then `recorded_at`, then id); only facts that occurred before the
# end of the as-of day (Danish time) count. Every piece of state keeps the ids of the facts it came from,
# for the report's appendix.


@dataclass(frozen=True)
class Fact:
    """One accepted event, as the views and the report need it."""

    event_id: uuid.UUID
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    payload: Payload

    @property
    def order(self) -> tuple[datetime, datetime, str]:
        # when it became known; events known at the same instant in the order they were recorded
        return (self.occurred_at, self.recorded_at, str(self.event_id))


@dataclass
class InitiativeState:
    definition: InitiativeDefined | InitiativeRevised
    defined_at: datetime
    original: InitiativeDefined | None = None  # the first definition
    revisions: list[Fact] = field(default_factory=list)
    reports: list[Fact] = field(default_factory=list)
    milestones_done: dict[str, MilestoneCompleted] = field(default_factory=dict)
    measurements: dict[str, list[GoalMeasured]] = field(default_factory=dict)
    ideas: list[Fact] = field(default_factory=list)  # adoptions
    spend: list[Fact] = field(default_factory=list)
    risks: dict[str, list[Fact]] = field(default_factory=dict)  # raised, assessed, closed
    exceptions: list[Fact] = field(default_factory=list)  # exception reports
    closed: InitiativeClosed | None = None
    ids: list[uuid.UUID] = field(default_factory=list)  # definition, revisions, closure, reports
    milestone_ids: list[uuid.UUID] = field(default_factory=list)
    goal_ids: list[uuid.UUID] = field(default_factory=list)

    def latest_report_fact(self) -> Fact | None:
        """The report about the latest date (a late report about an earlier day does not win)."""
        best: tuple[date, tuple[datetime, datetime, str]] | None = None
        found: Fact | None = None
        for f in self.reports:
            assert isinstance(f.payload, ProgressReported)
            key = (f.payload.as_of, f.order)
            if best is None or key > best:
                best, found = key, f
        return found

    def latest_report(self) -> ProgressReported | None:
        f = self.latest_report_fact()
        return f.payload if f is not None else None  # type: ignore[return-value]

    def latest_spend(self) -> SpendReported | None:
        """The spend report about the latest day; of two about one day, the one known last."""
        best: SpendReported | None = None
        for f in sorted(self.spend, key=lambda f: f.order):
            assert isinstance(f.payload, SpendReported)
            if best is None or f.payload.as_of >= best.as_of:
                best = f.payload
        return best

    def latest_measurement(self, goal_id: str) -> GoalMeasured | None:
        """The measurement of the latest day; of two about one day, the one known last."""
        return max(reversed(self.measurements.get(goal_id, [])), key=lambda m: m.measured_on,
                   default=None)


@dataclass
class PlanState:
    year: int
    as_of: date
    drafted: ActionPlanDrafted | None = None
    drafted_at: datetime | None = None
    approved: ActionPlanApproved | None = None
    budget: BudgetApproved | None = None
    meetings: list[SteeringMeetingHeld] = field(default_factory=list)  # held that year
    initiatives: dict[uuid.UUID, InitiativeState] = field(default_factory=dict)
    ids: list[uuid.UUID] = field(default_factory=list)  # draft and approval
    budget_ids: list[uuid.UUID] = field(default_factory=list)
    decisions_taken: dict[uuid.UUID, date] = field(default_factory=dict)  # steering answers

    def tolerances(self) -> tuple[float, float, bool]:
        """(amber, red, stated by the plan): the plan's own, else the state's default."""
        stated = self.drafted.rag_tolerances if self.drafted else None
        if stated is None:
            return figures.DEFAULT_AMBER, figures.DEFAULT_RED, False
        return stated.amber_percent / 100, stated.red_percent / 100, True

    def staff_name(self, staff_id: str) -> str:
        """A person as the plan names them ("Name, role"), else by id."""
        for m in self.drafted.staff if self.drafted else []:
            if m.staff_id == staff_id:
                return m.name
        return staff_id


@dataclass
class CampaignState:
    # as created, with every change made by the view's date applied (`campaign.changed`)
    created: CampaignCreated
    created_by: str
    ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class IdeaState:
    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    title: str | None = None
    author: str | None = None
    sector: str | None = None
    submitted_at: datetime | None = None
    status: str | None = None
    ever_published: bool = False
    published_title: str | None = None  # the title moderation approved last
    first_decision_at: datetime | None = None
    ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class DecisionState:
    """An item put to the steering group, and its answer once a meeting has given one."""

    request: DecisionRequested
    requested: Fact
    taken: DecisionTaken | None = None
    taken_fact: Fact | None = None


@dataclass
class World:
    """Everything known at the end of `as_of`: plan years, initiatives, meetings, campaigns,
    ideas and moderation decisions."""

    as_of: date
    plans: dict[int, PlanState] = field(default_factory=dict)
    initiatives: dict[uuid.UUID, InitiativeState] = field(default_factory=dict)
    meetings: list[Fact] = field(default_factory=list)
    campaigns: dict[uuid.UUID, CampaignState] = field(default_factory=dict)
    ideas: dict[uuid.UUID, IdeaState] = field(default_factory=dict)
    decisions: list[Fact] = field(default_factory=list)  # moderation decisions
    requests: dict[uuid.UUID, DecisionState] = field(default_factory=dict)  # steering items
    answers: list[Fact] = field(default_factory=list)  # `ANSWER_EVENTS`, in order

    def plan(self, year: int) -> PlanState:
        return self.plans.setdefault(year, PlanState(year=year, as_of=self.as_of))


def shown_title(idea: IdeaState | None, now: IdeaState | None = None) -> str | None:
    """The title an idea is named by in the plan's views and the report: its approved title
    while it is published (`IdeaStatus.public`), otherwise none. `now`: the idea as it stands
    today, when `idea` is how it stood on an earlier day: one hidden or rejected since is not
    named in an old view either."""
    for state in (idea, idea if now is None else now):
        if state is None or state.status is None or not IdeaStatus(state.status).public:
            return None
    assert idea is not None
    return idea.published_title


def fold(facts: Iterable[Fact], as_of: date) -> World:
    """What was known at the end of `as_of` (Danish time), from facts in any order."""
    cutoff = end_of_day(as_of)
    world = World(as_of)
    for f in sorted((f for f in facts if f.occurred_at < cutoff), key=lambda f: f.order):
        p = f.payload
        if isinstance(p, PLAN_EVENTS):
            _apply_plan(world.plan(p.year), f)
        elif isinstance(p, SteeringMeetingHeld):
            world.plan(p.held_on.year).meetings.append(p)
            world.meetings.append(f)
        elif isinstance(p, DecisionRequested):
            world.requests.setdefault(p.decision_id, DecisionState(p, f))
        elif isinstance(p, DecisionTaken):
            if (asked := world.requests.get(p.decision_id)) is not None and asked.taken is None:
                asked.taken, asked.taken_fact = p, f
                world.plan(asked.request.year).decisions_taken[p.decision_id] = p.decided_on
        elif isinstance(p, InitiativeDefined):
            ini = world.initiatives[p.initiative_id] = InitiativeState(p, f.occurred_at, p)
            ini.ids.append(f.event_id)
            world.plan(p.year).initiatives[p.initiative_id] = ini
        elif isinstance(p, INITIATIVE_EVENTS):
            if (known := world.initiatives.get(p.initiative_id)) is not None:
                _apply_initiative(known, f)
        elif isinstance(p, (*CAMPAIGN_EVENTS, *IDEA_EVENTS)):
            _apply_campaign_or_idea(world, f)
        elif isinstance(p, ANSWER_EVENTS):
            world.answers.append(f)
    return world


def fold_plan(year: int, facts: Iterable[Fact], as_of: date) -> PlanState:
    """One plan year as known at the end of `as_of`."""
    return fold(facts, as_of).plan(year)


def _apply_plan(plan: PlanState, f: Fact) -> None:
    p = f.payload
    if isinstance(p, ActionPlanDrafted):
        plan.drafted, plan.drafted_at = p, f.occurred_at
        plan.ids.append(f.event_id)
    elif isinstance(p, ActionPlanApproved):
        plan.approved = p
        plan.ids.append(f.event_id)
    elif isinstance(p, BudgetApproved):
        plan.budget = p
        plan.budget_ids.append(f.event_id)


def _apply_initiative(ini: InitiativeState, f: Fact) -> None:
    p = f.payload
    if isinstance(p, InitiativeRevised):
        ini.definition = p
        ini.revisions.append(f)
        ini.ids.append(f.event_id)
    elif isinstance(p, InitiativeClosed):
        ini.closed = p
        ini.ids.append(f.event_id)
    elif isinstance(p, ProgressReported):
        ini.reports.append(f)
        ini.ids.append(f.event_id)
    elif isinstance(p, MilestoneCompleted):
        ini.milestones_done.setdefault(p.milestone_id, p)  # reached once, on its first date
        ini.milestone_ids.append(f.event_id)
    elif isinstance(p, GoalMeasured):
        ini.measurements.setdefault(p.goal_id, []).append(p)
        ini.goal_ids.append(f.event_id)
    elif isinstance(p, IdeaAdopted):
        ini.ideas.append(f)
    elif isinstance(p, SpendReported):
        ini.spend.append(f)
    elif isinstance(p, RiskRaised | RiskAssessed | RiskClosed):
        ini.risks.setdefault(p.risk_id, []).append(f)
    elif isinstance(p, ExceptionReported):
        ini.exceptions.append(f)


def _apply_campaign_or_idea(world: World, f: Fact) -> None:
    p = f.payload
    if isinstance(p, CampaignCreated):
        c = world.campaigns.setdefault(p.campaign_id, CampaignState(p, f.actor))
        c.ids.append(f.event_id)
        return
    if isinstance(p, CampaignChanged):
        if (campaign := world.campaigns.get(p.campaign_id)) is not None:
            campaign.created = campaign.created.model_copy(
                update={name: getattr(p, name) for name in p.changed})
            campaign.ids.append(f.event_id)
        return
    if isinstance(p, CampaignOpened | CampaignClosed):
        if (campaign := world.campaigns.get(p.campaign_id)) is not None:
            campaign.ids.append(f.event_id)
        return
    assert isinstance(p, IDEA_EVENTS)
    idea = world.ideas.get(p.idea_id)
    if idea is None:
        idea = world.ideas[p.idea_id] = IdeaState(p.idea_id, p.campaign_id)
    idea.ids.append(f.event_id)
    if isinstance(p, IdeaSubmitted):
        idea.title, idea.author, idea.submitted_at = p.title, f.actor, f.occurred_at
        idea.sector = p.sector.value if p.sector else None
    elif isinstance(p, IdeaRevised):
        idea.title = p.title
    elif isinstance(p, IdeaWithdrawn):
        idea.status = "withdrawn"
    elif isinstance(p, IdeaStatusChanged):
        idea.status = p.status.value
        idea.ever_published = idea.ever_published or p.status.value == "published"
        if p.title and idea.title is None:
            idea.title = p.title
        if p.status.public:
            # the title the ideas service published it with; a revision waiting for moderation
            # (`IdeaRevised`) is not it
            idea.published_title = p.title or idea.published_title or idea.title
    elif isinstance(p, IdeaRevisionPublished):
        idea.published_title = p.title
    elif isinstance(p, ModerationDecided):
        if idea.first_decision_at is None:
            idea.first_decision_at = f.occurred_at
        world.decisions.append(f)


# ---- the approved baseline and the one computed status ----------------------------------------


def approved_baseline(ini: InitiativeState, plan: PlanState | None
                      ) -> InitiativeDefined | InitiativeRevised:
    """The definition the steering group approved: the latest known by the end of the plan's
    approval day, then each later revision made on a decision the steering group has taken
    (`decision_id`). A revision without one is the owner's change: the baseline stays. The one
    cost and schedule basis of the views and the report."""
    best: InitiativeDefined | InitiativeRevised = ini.original or ini.definition
    approved = (end_of_day(plan.approved.approved_on)
                if plan is not None and plan.approved is not None else None)
    taken = plan.decisions_taken if plan is not None else {}
    for f in ini.revisions:
        p = f.payload
        assert isinstance(p, InitiativeRevised)
        if (approved is not None and f.occurred_at < approved) or (
                p.decision_id is not None and p.decision_id in taken):
            best = p
    return best


def initiative_status(ini: InitiativeState, plan: PlanState | None, as_of: date
                      ) -> figures.Status:
    """The computed status of an initiative at the end of `as_of`, against its approved
    baseline and the plan's tolerances: the one status every view and the report show."""
    base = approved_baseline(ini, plan)
    amber, red, _ = plan.tolerances() if plan is not None else (
        figures.DEFAULT_AMBER, figures.DEFAULT_RED, False)
    report = ini.latest_report()
    spend = ini.latest_spend()
    return figures.status(start=base.period.start, end=base.period.end, budget=base.budget_dkk,
                          as_of=as_of, done_percent=float(report.percent) if report else None,
                          spent=spend.spent_dkk if spend else None,
                          forecast=spend.forecast_dkk if spend else None, amber=amber, red=red)
