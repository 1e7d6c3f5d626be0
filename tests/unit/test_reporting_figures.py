"""The report's formulas: signed deviations, phasing to the krone, goal target shapes."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.plan import Goal
from services.reporting.domain.figures import (
    goal_expected,
    goal_on_track,
    judge_rag,
    phased,
    status,
)

pytestmark = pytest.mark.unit

YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def test_a_stall_and_work_ahead_of_plan_show_as_they_are() -> None:
    # 90,000 spent of 198,356 phased: 55 % under, not "0 %"; ahead of plan is negative too
    st = status(start=YEAR[0], end=YEAR[1], budget=400_000, as_of=date(2025, 6, 30),
                done_percent=60, spent=90_000, forecast=400_000, amber=0.10, red=0.25)
    assert st.phased == 198_356 and st.cost == pytest.approx(-0.546, abs=0.001)
    assert st.schedule == pytest.approx(-0.21, abs=0.001)
    assert st.rag == "green"  # under budget and ahead of plan are not breaches


def test_only_a_shortfall_or_an_overspend_makes_the_status_worse() -> None:
    assert judge_rag([-0.9, 0.05], 0.10, 0.25) == "green"
    assert judge_rag([0.2, None], 0.10, 0.25) == "amber"
    assert judge_rag([0.3], 0.10, 0.25) == "red"
    assert judge_rag([None], 0.10, 0.25) == "none"


def test_a_forecast_over_budget_is_a_breach_of_its_own() -> None:
    st = status(start=YEAR[0], end=YEAR[1], budget=1_200_000, as_of=date(2025, 6, 30),
                done_percent=50, spent=500_000, forecast=1_440_000, amber=0.10, red=0.25)
    assert st.forecast == pytest.approx(0.2) and st.rag == "amber"


def test_phased_amounts_come_from_the_unrounded_share_of_the_period() -> None:
    # 181 of 365 days: 49.589... %, not 49.6 %
    assert phased(700_000, *YEAR, date(2025, 6, 30)) == 347_123


def goal(**extra: object) -> Goal:
    fields: dict[str, object] = dict(goal_id="g", title="Politikere", indicator="medlemmer",
                                     unit="politikere", baseline=0, target=25,
                                     due=date(2025, 12, 31))
    fields.update(extra)
    return Goal.model_validate(fields)


def test_counts_of_people_are_whole_numbers() -> None:
    assert goal_expected(goal(), YEAR[0], date(2025, 6, 30)) == 12  # not 12.4
    share = goal(unit="%", target=50)
    assert goal_expected(share, YEAR[0], date(2025, 6, 30)) == pytest.approx(24.79, abs=0.01)


def test_a_one_off_goal_is_expected_on_its_due_date_only() -> None:
    step = goal(shape="step")
    assert goal_expected(step, YEAR[0], date(2025, 6, 30)) == 0
    assert goal_expected(step, YEAR[0], date(2025, 12, 31)) == 25
    assert goal_on_track(step, 9, 0, 0.10) is True  # nothing was due yet


def test_a_goal_following_milestones_steps_at_each_checkpoint() -> None:
    g = goal(shape="milestones", checkpoints=[{"on": date(2025, 5, 31), "value": 15},
                                              {"on": date(2025, 9, 30), "value": 20}])
    assert goal_expected(g, YEAR[0], date(2025, 5, 30)) == 0
    assert goal_expected(g, YEAR[0], date(2025, 6, 30)) == 15
    assert goal_on_track(g, 9, 15, 0.10) is False
    with pytest.raises(ValueError, match="checkpoints"):
        goal(shape="milestones")
