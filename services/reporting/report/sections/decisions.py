"""Items for the steering group: open ones (with the meetings that already deferred them) and
the follow-up of those answered in the quarter."""

from __future__ import annotations

import uuid
from datetime import date

from schemas.governance import DecisionRequested, DecisionTaken
from schemas.plan import SteeringMeetingHeld
from services.reporting.domain import World
from services.reporting.report.model import DecisionItem, DecisionOptionLine, Decisions
from services.reporting.report.quarter import Quarter


def deferred_from(state: World, request: DecisionRequested, taken: DecisionTaken | None,
                  as_of: date) -> tuple[date, ...]:
    """Meetings of the item's plan year or after it was asked (and by `as_of`; an agenda names
    items by title) that had it on their agenda and did not answer it: it was deferred, whether
    at an earlier meeting than the one it was meant for (asked again after), at that meeting, or
    later. The meeting whose answer is recorded, and any from the answer's day on, did not."""
    days = set()
    for f in state.meetings:
        m = f.payload
        if not isinstance(m, SteeringMeetingHeld) or request.title not in m.items_for_decision:
            continue
        held = m.held_on
        answered_here = taken is not None and (
            m.meeting_id == taken.meeting_id or held >= taken.decided_on)
        if ((held.year == request.year or held >= request.requested_on) and held <= as_of
                and not answered_here):
            days.add(held)
    return tuple(sorted(days))


def decisions(state: World, q: Quarter, as_of: date) -> tuple[Decisions, list[uuid.UUID]]:
    open_items: list[DecisionItem] = []
    taken: list[DecisionItem] = []
    ids: list[uuid.UUID] = []
    for d in state.requests.values():
        r = d.request
        options = tuple(DecisionOptionLine(o.label, o.consequence) for o in r.options)
        deferred = deferred_from(state, r, d.taken, as_of)
        if d.taken is None:
            status = "overdue" if r.for_meeting_on <= as_of else "open"
            open_items.append(DecisionItem(str(r.decision_id), r.title, r.question,
                                           r.recommendation, options, r.requested_on,
                                           r.for_meeting_on, status, deferred_from=deferred))
            ids.append(d.requested.event_id)
        elif q.first_day <= d.taken.decided_on <= q.last_day:
            taken.append(DecisionItem(str(r.decision_id), r.title, r.question, r.recommendation,
                                      options, r.requested_on, r.for_meeting_on, "taken",
                                      d.taken.chosen, d.taken.decided_on, d.taken.note,
                                      deferred_from=deferred))
            ids.append(d.requested.event_id)
            if d.taken_fact is not None:
                ids.append(d.taken_fact.event_id)

    def key(i: DecisionItem) -> tuple[date, str, str]:
        return (i.for_meeting_on, i.title, i.decision_id)

    return Decisions(tuple(sorted(open_items, key=key)), tuple(sorted(taken, key=key))), ids
