"""Who may ask for which quarterly report, and when: a quarter that has not ended can only be
reported as a marked draft ("foreløbig"); an ended one only as the report itself."""

from __future__ import annotations

from datetime import datetime

from services.reporting.domain import Refusal


def report_request_refusal(label: str, end: datetime, now: datetime, draft: bool
                           ) -> Refusal | None:
    """Refuse a report request for the quarter `label` ending at `end`, asked at `now`."""
    if end > now and not draft:
        return Refusal("quarter_not_ended",
                       f"{label} has not ended (it ends {end.isoformat()}): ask for a marked "
                       "draft with \"draft\": true, or wait until the quarter is over")
    if end <= now and draft:
        return Refusal("quarter_ended",
                       f"{label} has ended: ask for its report without \"draft\"")
    return None


def request_kind(end: datetime, now: datetime) -> str:
    """What a planner can ask for about a quarter: its report (`final`) once it has ended,
    otherwise only a marked draft (`draft`)."""
    return "final" if end <= now else "draft"
