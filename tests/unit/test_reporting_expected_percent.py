"""One figure, one number: the progress views and the quarterly report expect the same percent."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from schemas.plan import ActionPlanDrafted, InitiativeDefined
from services.reporting import views
from services.reporting.domain import Fact, expected_percent, fold_plan
from services.reporting.report.compute import Inputs, compute
from services.reporting.report.model import fingerprint_of
from services.reporting.report.quarter import Quarter

pytestmark = pytest.mark.unit


def test_half_of_april_has_passed_at_the_end_of_15_april() -> None:
    # 1-30 April, both days included: 15 of 30 days have passed by the end of 15 April
    assert expected_percent(date(2025, 4, 1), date(2025, 4, 30), date(2025, 4, 15)) == 50.0
    assert expected_percent(date(2025, 4, 1), date(2025, 4, 30), date(2025, 3, 31)) == 0.0
    assert expected_percent(date(2025, 4, 1), date(2025, 4, 30), date(2025, 4, 1)) == 3.3
    assert expected_percent(date(2025, 4, 1), date(2025, 4, 30), date(2025, 4, 30)) == 100.0


def _plan_and_initiative(start: str, end: str) -> list[tuple[str, dict[str, Any]]]:
    iid = str(uuid.uuid4())
    return [
        ("plan.drafted", {"year": 2025, "title": "Plan 2025",
                          "tracks": [{"code": "FINDE", "title": "Finde"}]}),
        ("initiative.defined", {
            "initiative_id": iid, "year": 2025, "track": "FINDE", "code": "F1",
            "title": "Idéstorm", "description": "d", "owner": "staff-1",
            "period": {"start": start, "end": end}, "budget_dkk": 100_000,
            "goals": [], "milestones": []}),
    ]


@pytest.mark.parametrize(("start", "end", "expected"), [
    # the quarter ends on the 15th of a 30-day period: the April example moved to 16/6-15/7
    ("2025-06-16", "2025-07-15", 50.0),
    ("2025-01-01", "2025-12-31", 49.6),
    ("2025-04-01", "2025-06-30", 100.0),
])
def test_the_plan_view_and_the_quarterly_report_expect_the_same_percent(
        start: str, end: str, expected: float) -> None:
    q = Quarter(2025, 2)  # its last day, 30 June, is the as-of day of both
    events = _plan_and_initiative(start, end)
    when = datetime(2025, 1, 2, 12, tzinfo=UTC)

    facts = [Fact(uuid.uuid4(), when, when, "planner-1",
                  (ActionPlanDrafted if t == "plan.drafted" else InitiativeDefined)(**p))
             for t, p in events]
    plan_view = views.plan_view(fold_plan(2025, facts, q.last_day))
    shown_in_plans = plan_view["tracks"][0]["initiatives"][0]["expected_percent"]

    # the report reads the same facts and folds them with the same fold
    report = compute(Inputs(q, tuple(facts), {}, fingerprint_of([str(f.event_id) for f in facts]),
                            None))
    shown_in_report = report.initiatives[0].percent_expected

    assert shown_in_plans == shown_in_report == expected
