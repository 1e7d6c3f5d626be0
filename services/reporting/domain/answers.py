"""The report's figures of official answers, per campaign and period: the answers given by
state, and the answers that became overdue. Pure: from the folded facts (`World.answers`, in
order) and the period's bounds, so a past quarter regenerated later gives the same figures."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from schemas.participation import AnswerState, IdeaAnswerDue, IdeaAnswered, IdeaAnswerOverdue
from services.reporting.domain import Fact


@dataclass(frozen=True)
class Overdue:
    """An answer promised by `due` and not given by then; `answered_at`: the first answer given
    after it, by the end of the period (None while there is none)."""

    idea_id: uuid.UUID
    due: datetime
    answered_at: datetime | None
    event_id: uuid.UUID


def _of(facts: Iterable[Fact], campaign_id: uuid.UUID, kind: type) -> list[Fact]:
    return [f for f in facts if isinstance(f.payload, kind)
            and f.payload.campaign_id == campaign_id]  # type: ignore[attr-defined]


def in_period(f: Fact, start: datetime, end: datetime) -> bool:
    return start <= f.occurred_at < end


def answers_by_state(facts: Iterable[Fact], campaign_id: uuid.UUID, start: datetime,
                     end: datetime) -> list[tuple[AnswerState, int, list[uuid.UUID]]]:
    """Each state with the number of answers given in it in [start, end) (a later answer to the
    same idea counts too: each is a public statement) and their event ids; states none was
    given in are left out."""
    given: dict[AnswerState, list[uuid.UUID]] = {}
    for f in _of(facts, campaign_id, IdeaAnswered):
        if in_period(f, start, end):
            assert isinstance(f.payload, IdeaAnswered)
            given.setdefault(f.payload.state, []).append(f.event_id)
    return [(s, len(given[s]), given[s]) for s in AnswerState if s in given]


def answers_due(facts: Iterable[Fact], campaign_id: uuid.UUID, start: datetime,
                end: datetime) -> list[uuid.UUID]:
    """The ideas whose answer became due (reached the threshold) in [start, end)."""
    return [f.payload.idea_id for f in _of(facts, campaign_id, IdeaAnswerDue)  # type: ignore[attr-defined]
            if in_period(f, start, end)]


def overdue_answers(facts: Iterable[Fact], campaign_id: uuid.UUID, start: datetime,
                    end: datetime) -> list[Overdue]:
    """The answers that became overdue in [start, end), soonest due first, each with the first
    answer given after its due date and before `end`, if any."""
    facts = list(facts)
    answered: dict[uuid.UUID, list[datetime]] = {}
    for f in _of(facts, campaign_id, IdeaAnswered):
        if f.occurred_at < end:
            answered.setdefault(f.payload.idea_id, []).append(f.occurred_at)  # type: ignore[attr-defined]
    out = []
    for f in _of(facts, campaign_id, IdeaAnswerOverdue):
        p = f.payload
        assert isinstance(p, IdeaAnswerOverdue)
        if not in_period(f, start, end):
            continue
        late = sorted(at for at in answered.get(p.idea_id, []) if at > p.due)
        out.append(Overdue(p.idea_id, p.due, late[0] if late else None, f.event_id))
    return sorted(out, key=lambda o: (o.due, str(o.idea_id)))
