"""The quarterly steering-group report as plain, typed, language-neutral data.

Renderers (`render_*.py`) turn a `Report` into JSON, Markdown, HTML and PDF; every label they print
comes from `i18n.py`, every figure from here. Text participants or staff wrote (idea titles,
narratives, reasons) is kept verbatim; the renderers escape it for their format.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any


class Rag(StrEnum):
    """Red / amber / green status of an initiative; `none` until the first report of it."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"


RAG_ORDER = (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.NONE)


@dataclass(frozen=True)
class Fingerprint:
    """Which events a report or a figure was computed from: their count and a hash of their ids."""

    event_count: int
    events_hash: str


@dataclass(frozen=True)
class HeadCited:
    """A signed head of the vote log in force at the cut-off (`GET /log/heads` lists it): the
    report's vote figures can be checked against the log it signs."""

    log: str
    partition: int
    tree_size: int
    root_hash: str
    signed_at: datetime


@dataclass(frozen=True)
class Cover:
    """Document control: what the report is about, what it was computed from, by what."""

    plan_id: str
    plan_title: str
    plan_year: int | None
    plan_version: int  # 1 + the number of revisions of the plan's initiatives known at cut-off
    quarter: str  # "2025Q2"
    period_start: date
    period_end: date  # last day of the quarter
    cutoff: datetime  # first instant after the quarter (Danish time): only events before count
    timezone: str
    fingerprint: Fingerprint
    previous_quarter: str
    previous_fingerprint: Fingerprint | None  # None when nothing happened before this quarter
    generated_by: str  # the report format and the pipeline version
    events_in_quarter: int
    dated: date | None = None  # the document's date: the last day its figures cover
    author: str = ""  # who asked for it, named from the plan ("Name, role"); "": the timer
    version: str = "1.0"  # "0.1" for a draft
    recipients: tuple[str, ...] = ()  # i18n keys
    approval: str = "approval.for_next_meeting"  # i18n key: draft / for a meeting / next one
    approval_meeting: date | None = None  # the meeting it is for, when one is planned
    draft: bool = False  # a marked draft ("foreløbig") of a quarter that has not ended
    log_heads: tuple[HeadCited, ...] = ()  # set after computing (handlers.cite_log_heads)


@dataclass(frozen=True)
class RagCount:
    rag: Rag
    count: int


@dataclass(frozen=True)
class Change:
    """Something that differs from the previous quarter's report."""

    kind: str  # i18n key: rag_changed, initiative_added, milestone_completed, goal_met, ...
    subject: str  # the initiative, milestone or goal it is about
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Tolerances:
    """RAG thresholds (fraction of deviation): green within `amber`, amber up to `red`."""

    amber: float
    red: float
    source: str  # i18n key: where the thresholds come from


@dataclass(frozen=True)
class KeyMessage:
    """One of at most three things the steering group should know first (`kind`: an i18n key,
    with `subject` and up to two figures to fill in)."""

    kind: str
    subject: str
    count: int | None = None


@dataclass(frozen=True)
class Summary:
    """Page one: the overall status, why, at most three key messages."""

    overall: Rag
    overall_basis: str  # i18n key: why the overall status is what it is
    nothing_to_report: bool  # no event at all in the quarter
    messages: tuple[KeyMessage, ...]
    rag: tuple[RagCount, ...]
    changes: tuple[Change, ...]
    tolerances: Tolerances
    rag_differs: tuple[str, ...]  # initiatives whose computed RAG differs from the owner's
    goals_not_measured: int = 0  # goals with no measurement by the cut-off
    goals_total: int = 0
    data_quality_issues: int = 0
    exceptions_missing: int = 0


@dataclass(frozen=True)
class MilestoneLine:
    title: str
    due: date
    completed_on: date | None = None
    original_due: date | None = None  # the due date in the plan as approved, if it moved
    initiative: str = ""
    owner: str = ""

    @property
    def slipped_days(self) -> int:
        return (self.due - self.original_due).days if self.original_due else 0


@dataclass(frozen=True)
class GoalLine:
    title: str
    indicator: str
    unit: str
    baseline: float | None
    target: float | None
    actual: float | None
    measured_on: date | None
    initiative: str = ""
    due: date | None = None
    source: str | None = None  # who measured it, or `system:<figure>` when the system computes it
    computed: bool = False  # bound to a figure the system computes itself
    expected: float | None = None  # where the goal's target shape says it should be by then
    on_track: bool | None = None  # None: nothing measured
    shape: str = "linear"  # linear / step / milestones
    ambition: str | None = None  # system / behaviour / knowledge
    whole: bool = False  # a count: expected and actual are whole numbers
    previous: float | None = None  # the actual at the previous quarter's end

    @property
    def met(self) -> bool:
        if self.target is None or self.actual is None:
            return False
        if self.baseline is not None and self.target < self.baseline:
            return self.actual <= self.target
        return self.actual >= self.target


@dataclass(frozen=True)
class Narrative:
    text: str
    reported_on: date
    author: str


@dataclass(frozen=True)
class InitiativeSection:
    initiative_id: str
    title: str
    track_id: str
    track_title: str
    owner: str  # named from the plan
    budget: int  # the approved baseline
    schedule_deviation: float | None  # (expected - done) / expected: behind (+), ahead (-)
    cost_deviation: float | None  # (spent - phased baseline) / phased baseline, signed
    rag_computed: Rag  # from the deviations against the stated tolerances
    percent_done: float | None
    percent_expected: float | None
    rag: Rag
    rag_previous: Rag
    narrative: Narrative | None
    milestones_completed: tuple[MilestoneLine, ...]
    milestones_overdue: tuple[MilestoneLine, ...]
    milestones_due_next: tuple[MilestoneLine, ...]
    adopted_ideas: tuple[str, ...]
    forecast_deviation: float | None = None  # full-year forecast against the baseline budget
    rag_computed_previous: Rag = Rag.NONE


@dataclass(frozen=True)
class SectorCount:
    sector: str  # state / municipality / region / private / citizen / unknown
    participants: int


@dataclass(frozen=True)
class RankedIdea:
    rank: int
    title: str
    votes: int
    status: str


@dataclass(frozen=True)
class AdoptedIdea:
    """What became of an idea taken into the plan."""

    idea_title: str
    initiative_title: str
    adopted_on: date
    owner: str = ""  # the initiative's owner, named from the plan
    next_step: str = ""  # the initiative's next milestone (title)
    next_step_due: date | None = None
    status: Rag = Rag.NONE  # the initiative's computed status


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class ScenarioLine:
    """One way of counting a closed campaign's votes, and the ideas it funds."""

    scenario: str  # "<rule>/<variation>"
    rule: str  # greedy / equal shares
    variation: str  # baseline / no_threshold / held_released / merges_undone / without_sector:<s>
    official: bool  # the campaign's own count
    selected: tuple[str, ...]  # the funded ideas by approved title, in the rule's order
    total_cost: int
    funded_voters: int  # voters with at least one supported idea funded
    voters: int


@dataclass(frozen=True)
class DependentIdea:
    """An idea funded under some scenarios but not all, and which (closest to stable first)."""

    title: str
    funded_in: tuple[str, ...]  # scenario names


@dataclass(frozen=True)
class Stability:
    """A campaign closed in the quarter, with a budget, counted again under other rules (the
    voting service's replay, `campaign.what_if_computed`): which ideas win under every rule and
    which depend on the choice. `status`: `computed`, or `not_yet_available` when no replay had
    occurred before the cut-off."""

    status: str
    settled_at: datetime | None = None  # when the replay's inputs were settled
    votes: int = 0  # votes replayed
    budget: int = 0
    min_votes: int = 0
    scenarios: tuple[ScenarioLine, ...] = ()
    stable: tuple[str, ...] = ()  # funded under every scenario, by approved title
    depends: tuple[DependentIdea, ...] = ()
    skipped: tuple[str, ...] = ()  # variations not run: they change nothing in this campaign


@dataclass(frozen=True)
class CampaignSection:
    campaign_id: str
    title: str
    opens_at: datetime
    closes_at: datetime
    participants: int
    participants_by_sector: tuple[SectorCount, ...]
    ideas_submitted: int
    ideas_published: int
    ideas_rejected: int
    votes: int
    top_ideas: tuple[RankedIdea, ...]
    adopted_ideas: tuple[AdoptedIdea, ...]
    votes_by_day: tuple[DayCount, ...]  # empty when the votes carry no real times
    first_day: date  # the window in Danish time, both days included
    last_day: date
    vote_times: str  # recorded / synthetic (imported without times: no per-day chart)
    question: str = ""
    imported_from: str | None = None  # the source of an imported campaign
    counts_for_goals: bool = True  # an imported campaign counts only for goals naming it
    stability: Stability | None = None  # closed in the quarter with a budget: other rules
    answers: AnswersSection | None = None  # official answers, where the quarter had any


@dataclass(frozen=True)
class AnswerCount:
    state: str  # under_consideration / taken_forward / taken_forward_into_initiative / ...
    count: int


@dataclass(frozen=True)
class OverdueAnswer:
    """An answer the campaign promised that was not given by its due date."""

    idea_title: str
    due: date  # Danish time
    answered_on: date | None  # the first answer after the due date, by the cut-off


@dataclass(frozen=True)
class AnswersSection:
    """A campaign's official answers in the quarter: those given, by state; how many ideas
    reached the support threshold (their answer became due); those that became overdue."""

    given: tuple[AnswerCount, ...]
    became_due: int
    overdue: tuple[OverdueAnswer, ...]
    threshold_supports: int | None = None  # the campaign's promise at the cut-off, if any
    threshold_days: int | None = None


@dataclass(frozen=True)
class DecisionCount:
    decision: str  # approve / reject / hide / restore / merge / keep
    count: int


@dataclass(frozen=True)
class ModerationSection:
    decisions: tuple[DecisionCount, ...]
    decisions_in_quarter: int
    queue_at_end: int
    median_hours_to_decision: float | None


@dataclass(frozen=True)
class FundingShare:
    party: str  # state / municipalities / regions
    amount: int  # DKK
    percent: float


@dataclass(frozen=True)
class BudgetLine:
    title: str
    amount: int  # DKK, the current budget
    spent: int | None = None  # reported spend to date
    phased: int | None = None  # the budget phased linearly over the period, to the cut-off
    forecast: int | None = None  # full-year forecast
    original: int | None = None  # the budget as first approved, when a decision changed it
    forecast_deviation: float | None = None  # forecast against the amount, signed
    kind: str = "initiative"  # initiative / other (a budget line that is not an initiative)


@dataclass(frozen=True)
class BudgetSection:
    total: int  # DKK
    spent: int | None
    shares: tuple[FundingShare, ...]
    lines: tuple[BudgetLine, ...]
    phased: int | None = None
    forecast: int | None = None
    spent_by_party: tuple[FundingShare, ...] = ()
    allocated: int = 0  # the lines' amounts together: equals `total` when it reconciles


@dataclass(frozen=True)
class FieldChange:
    field: str  # i18n key: owner, budget, period, milestone, goal, title, ...
    before: str
    after: str


@dataclass(frozen=True)
class BaselineChange:
    """A revision of an initiative since the plan was approved: who, when, why, what changed."""

    initiative: str
    revised_on: date
    revised_by: str
    reason: str
    changes: tuple[FieldChange, ...]
    event_id: str


@dataclass(frozen=True)
class RiskLine:
    risk_id: str
    initiative: str
    title: str
    owner: str
    likelihood: int  # 1-5
    impact: int  # 1-5
    mitigation: str
    raised_on: date
    status: str  # open / closed

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


@dataclass(frozen=True)
class DecisionOptionLine:
    label: str
    consequence: str


@dataclass(frozen=True)
class DecisionItem:
    """An item put to the steering group (`steering.decision_requested`), with its answer
    (`steering.decision_taken`) once given. `status`: `open` (to decide at `for_meeting_on`),
    `overdue` (its meeting has passed without an answer), `taken`."""

    decision_id: str
    title: str
    question: str
    recommendation: str
    options: tuple[DecisionOptionLine, ...]
    requested_on: date
    for_meeting_on: date
    status: str
    chosen: str | None = None
    decided_on: date | None = None
    note: str | None = None
    deferred_from: tuple[date, ...] = ()  # earlier meetings that had it on the agenda unanswered


@dataclass(frozen=True)
class Decisions:
    for_next_meeting: tuple[DecisionItem, ...]  # open at the cut-off
    taken_in_quarter: tuple[DecisionItem, ...]  # follow-up: answered during the quarter


@dataclass(frozen=True)
class Source:
    """Appendix row: which events a figure was computed from.

    `figure` is an i18n key (`progress`, `votes`, ...); `subject` names what it is about.
    `event_ids` lists the ids when there are few; the hash always covers all of them.
    """

    figure: str
    subject: str
    event_types: tuple[str, ...]
    fingerprint: Fingerprint
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class BenefitLine:
    """A goal as evidence of one of the strategy's ambitions: baseline, now, trend."""

    goal: str
    initiative: str
    unit: str
    baseline: float
    previous: float | None
    actual: float | None
    target: float
    trend: str  # up / down / flat / new / not_measured


@dataclass(frozen=True)
class Benefit:
    ambition: str  # system / behaviour / knowledge / none
    goals: tuple[BenefitLine, ...]


@dataclass(frozen=True)
class TrendLine:
    """One figure now against the previous quarter's end."""

    figure: str  # i18n key
    subject: str
    previous: str | None
    now: str | None
    direction: str  # better / worse / same / new


@dataclass(frozen=True)
class ExceptionLine:
    """A tolerance breach and its exception report, or `missing` when none was reported."""

    initiative: str
    breach: str  # schedule / cost / forecast
    deviation: float
    status: str  # reported / missing
    cause: str = ""
    recovery: str = ""
    owner: str = ""
    recover_by: date | None = None
    decision_needed: str | None = None
    reported_on: date | None = None


@dataclass(frozen=True)
class DataQualityIssue:
    """A consistency rule the report's inputs break: what, and what to correct where."""

    rule: str  # i18n key of the rule
    subject: str
    detail: str  # i18n key of the explanation ("detail.<rule>")
    values: tuple[str, ...]  # filled into the explanation, in order
    correct_in: str  # i18n key: where to correct it


@dataclass(frozen=True)
class Campaigns:
    items: tuple[CampaignSection, ...]
    moderation: ModerationSection


@dataclass(frozen=True)
class Report:
    """The report; its fields are the JSON contract's top-level keys (schemas/json/report.v3)."""

    executive_summary: Summary
    decisions: Decisions
    initiatives: tuple[InitiativeSection, ...]
    baseline_changes: tuple[BaselineChange, ...]
    economy: BudgetSection | None
    risks: tuple[RiskLine, ...]
    goals: tuple[GoalLine, ...]
    campaigns: Campaigns
    milestones_next_quarter: tuple[MilestoneLine, ...]
    document_control: Cover
    appendix: tuple[Source, ...]
    benefits: tuple[Benefit, ...] = ()
    trend: tuple[TrendLine, ...] = ()
    exceptions: tuple[ExceptionLine, ...] = ()
    data_quality: tuple[DataQualityIssue, ...] = ()
    content_hash: str = field(default="")

    @property
    def cover(self) -> Cover:
        return self.document_control

    @property
    def summary(self) -> Summary:
        return self.executive_summary

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-ready data: dates as ISO strings, enums as their values."""
        converted = _plain(dataclasses.asdict(self))
        assert isinstance(converted, dict)
        return converted

    def with_content_hash(self) -> Report:
        """This report with `content_hash` set to the SHA-256 of its figures (all but the hash
        and the author: the same figures asked for by another person are the same report, kept
        under the name of whoever asked first)."""
        data = self.to_data()
        data.pop("content_hash")
        data["document_control"].pop("author")
        digest = hashlib.sha256(canonical_json(data).encode()).hexdigest()
        return dataclasses.replace(self, content_hash=digest)


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def fingerprint_of(event_ids: list[str] | set[str] | tuple[str, ...]) -> Fingerprint:
    """Count and SHA-256 of the sorted, newline-joined ids: independent of arrival order."""
    ordered = sorted(set(event_ids))
    digest = hashlib.sha256("\n".join(ordered).encode()).hexdigest()
    return Fingerprint(event_count=len(ordered), events_hash=digest)


REPORT_FORMAT = "ideastorm reporting, report.v3"
