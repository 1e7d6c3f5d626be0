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
class Cover:
    plan_id: str
    plan_title: str
    plan_year: int | None
    quarter: str  # "2025Q2"
    period_start: date
    period_end: date  # last day of the quarter
    cutoff: datetime  # first instant after the quarter: only events before it count
    fingerprint: Fingerprint
    previous_quarter: str
    previous_fingerprint: Fingerprint | None  # None when nothing happened before this quarter


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
class Summary:
    rag: tuple[RagCount, ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class MilestoneLine:
    title: str
    due: date
    completed_on: date | None = None


@dataclass(frozen=True)
class GoalLine:
    title: str
    indicator: str
    unit: str
    baseline: float | None
    target: float | None
    actual: float | None
    measured_on: date | None

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
    percent_done: float | None
    percent_expected: float | None
    rag: Rag
    rag_previous: Rag
    narrative: Narrative | None
    milestones_completed: tuple[MilestoneLine, ...]
    milestones_overdue: tuple[MilestoneLine, ...]
    milestones_due_next: tuple[MilestoneLine, ...]
    goals: tuple[GoalLine, ...]
    adopted_ideas: tuple[str, ...]


@dataclass(frozen=True)
class TrackSection:
    track_id: str
    title: str
    initiatives: tuple[InitiativeSection, ...]


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
    votes_by_day: tuple[DayCount, ...]


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
    amount: int  # DKK


@dataclass(frozen=True)
class BudgetSection:
    total: int  # DKK
    spent: int | None
    shares: tuple[FundingShare, ...]
    lines: tuple[BudgetLine, ...]


@dataclass(frozen=True)
class DecisionItem:
    """Something the steering group is asked to decide.

    `kind` (an i18n key): `open_item` (asked at a meeting and not yet decided; `subject` is the
    item's text), `red_initiative`, `plan_not_approved`, `budget_not_approved`.
    """

    kind: str
    subject: str
    detail: str | None
    since: date | None


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
class Report:
    cover: Cover
    summary: Summary
    tracks: tuple[TrackSection, ...]
    campaigns: tuple[CampaignSection, ...]
    moderation: ModerationSection
    budget: BudgetSection | None
    decisions: tuple[DecisionItem, ...]
    appendix: tuple[Source, ...]
    content_hash: str = field(default="")

    @property
    def initiatives(self) -> tuple[InitiativeSection, ...]:
        return tuple(i for t in self.tracks for i in t.initiatives)

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
