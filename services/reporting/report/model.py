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
    expected: float | None = None  # where a linear path from baseline to target is by then
    on_track: bool | None = None  # None: nothing measured

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
    owner: str
    budget: int
    schedule_deviation: float | None  # (expected - done) / expected, 0.0 when on plan
    cost_deviation: float | None  # (spent - phased budget) / phased budget
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
    idea_title: str
    initiative_title: str
    adopted_on: date


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


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


@dataclass(frozen=True)
class DecisionCount:
    decision: str  # approve / reject / hide / restore / merge
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
    original: int | None = None  # the budget as approved, when it changed


@dataclass(frozen=True)
class BudgetSection:
    total: int  # DKK
    spent: int | None
    shares: tuple[FundingShare, ...]
    lines: tuple[BudgetLine, ...]
    phased: int | None = None
    forecast: int | None = None
    spent_by_party: tuple[FundingShare, ...] = ()


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
class Campaigns:
    items: tuple[CampaignSection, ...]
    moderation: ModerationSection


@dataclass(frozen=True)
class Report:
    """The report; its fields are the JSON contract's top-level keys (schemas/json/report.v2)."""

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
        """This report with `content_hash` set to the SHA-256 of its figures (all but the hash)."""
        data = self.to_data()
        data.pop("content_hash")
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


REPORT_FORMAT = "ideastorm reporting, report.v2"
