"""Milestones of an initiative in the quarter: completed, overdue, due next quarter."""

from __future__ import annotations

from schemas.plan import InitiativeDefined, InitiativeRevised
from services.reporting.domain import InitiativeState
from services.reporting.report.model import MilestoneLine
from services.reporting.report.quarter import Quarter
from services.reporting.report.sections.common import title


def milestones(ini: InitiativeState, q: Quarter, owner: str,
               baseline: InitiativeDefined | InitiativeRevised | None = None
               ) -> tuple[tuple[MilestoneLine, ...], ...]:
    done, overdue, upcoming = [], [], []
    nxt = q.next()
    original = {m.milestone_id: m.due for m in baseline.milestones} if baseline else {}
    for m in sorted(ini.definition.milestones, key=lambda m: (m.due, m.title)):
        due = m.due
        done_event = ini.milestones_done.get(m.milestone_id)
        completed = done_event.completed_on if done_event else None
        was = original.get(m.milestone_id)
        line = MilestoneLine(m.title, due, completed, was if was and was != due else None,
                             title(ini), owner)
        if completed is not None:
            if q.first_day <= completed <= q.last_day:
                done.append(line)
        elif due <= q.last_day or (was is not None and was <= q.last_day):
            overdue.append(line)  # judged against its original date as well
        elif nxt.first_day <= due <= nxt.last_day:
            upcoming.append(line)
    return tuple(done), tuple(overdue), tuple(upcoming)


def next_step(ini: InitiativeState, after_day: object) -> tuple[str, object]:
    """The initiative's next milestone not yet reached: (title, due), or ("", None)."""
    open_ = sorted((m for m in ini.definition.milestones
                    if m.milestone_id not in ini.milestones_done),
                   key=lambda m: (m.due, m.title))
    return (open_[0].title, open_[0].due) if open_ else ("", None)
