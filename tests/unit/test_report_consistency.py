"""The consistency rules the report runs before rendering: each can fail, and a breach is listed
in the report's data-quality section with where to correct it; nothing is smoothed away."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.reporting.domain import fold
from services.reporting.domain.consistency import (
    RULES,
    breach_has_exception,
    budget_reconciles,
    check,
    decision_matches_plan_dates,
    goal_measured_when_due,
    milestone_before_evidence,
    one_cost_basis,
)
from services.reporting.report.compute import compute
from tests.unit.test_report_compute import Q2, World

pytestmark = pytest.mark.unit


def plan_of(w: World, day: Any = Q2.last_day) -> Any:
    state = fold(w.events, day)
    return state, state.plans[2025]


def definition(w: World, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        initiative_id=w.ini, year=2025, track="FINDE", code="F1", title="Indsats F1",
        description="...", owner="staff-1", period={"start": "2025-01-01", "end": "2025-12-31"},
        budget_dkk=1_000_000,
        milestones=[{"milestone_id": "storm", "title": "Første idéstorm afholdt",
                     "due": "2025-06-01", "evidence": "campaign_closed"}])
    fields.update(changes)
    return fields


def small_plan() -> World:
    w = World()
    w.add("plan.drafted", "2025-01-05T09:00", year=2025, title="Plan",
          tracks=[{"code": "FINDE", "title": "Finde"}])
    w.add("plan.approved", "2025-01-20T12:00", year=2025, meeting_id=str(uuid.uuid4()),
          approved_on="2025-01-20")
    w.add("initiative.defined", "2025-01-06T09:00", **definition(w))
    return w


def campaign(w: World, closes: str, imported: str | None = None) -> None:
    w.add("campaign.created", "2025-05-20T12:00", campaign_id=str(uuid.uuid4()),
          title="Storm", question="Hvad?", opens_at="2025-06-01T00:00:00+02:00",
          closes_at=closes, imported_from=imported)


def test_a_milestone_is_not_done_before_the_ideastorm_it_names_has_closed() -> None:
    w = small_plan()
    campaign(w, "2025-06-16T00:00:00+02:00", imported="Pabulib, pabulib.org (Warszawa)")
    w.add("progress.milestone_completed", "2025-05-29T12:00", initiative_id=w.ini,
          milestone_id="storm", completed_on="2025-05-29")
    (issue,) = milestone_before_evidence(*plan_of(w), Q2.last_day)
    # the imported campaign is not the centre's ideastorm: nothing shows one was held
    assert issue.subject == "F1 Indsats F1: Første idéstorm afholdt"
    assert issue.values == ("2025-05-29", "") and issue.correct_in == "plan_file"
    campaign(w, "2025-06-16T00:00:00+02:00")
    (issue,) = milestone_before_evidence(*plan_of(w), Q2.last_day)
    assert issue.values == ("2025-05-29", "2025-06-15")  # the storm's last day


def test_a_milestone_done_after_its_ideastorm_closed_breaks_no_rule() -> None:
    w = small_plan()
    campaign(w, "2025-06-16T00:00:00+02:00")
    w.add("progress.milestone_completed", "2025-06-16T12:00", initiative_id=w.ini,
          milestone_id="storm", completed_on="2025-06-16")
    assert milestone_before_evidence(*plan_of(w), Q2.last_day) == []


def test_every_krone_of_the_budget_is_on_a_line() -> None:
    w = small_plan()
    w.add("plan.budget_approved", "2025-01-20T12:00", year=2025, amount_dkk=1_500_000,
          shares={"state": 600_000, "municipalities": 600_000, "regions": 300_000})
    (issue,) = budget_reconciles(*plan_of(w), Q2.last_day)
    assert issue.values == ("1000000", "1500000", "500000")
    assert issue.correct_in == "budget_approval"
    w.add("plan.budget_approved", "2025-01-21T12:00", year=2025, amount_dkk=1_500_000,
          shares={"state": 600_000, "municipalities": 600_000, "regions": 300_000},
          other_lines=[{"title": "Sekretariat", "amount_dkk": 500_000}])
    assert budget_reconciles(*plan_of(w), Q2.last_day) == []


def test_one_cost_basis_a_budget_changed_without_a_decision_is_listed() -> None:
    w = small_plan()
    w.add("initiative.revised", "2025-04-02T12:00",
          **definition(w, budget_dkk=1_300_000), reason="Mere til kommunikation")
    (issue,) = one_cost_basis(*plan_of(w), Q2.last_day)
    assert issue.values == ("1300000", "1000000")
    # approved by a decision of the steering group, the revision is the new baseline
    decision = str(uuid.uuid4())
    w.add("steering.decision_requested", "2025-04-03T12:00", decision_id=decision, year=2025,
          title="Budget", question="Mere?", recommendation="Ja.",
          options=[{"label": "Ja", "consequence": "Mere"}, {"label": "Nej", "consequence": "-"}],
          requested_on="2025-04-03", for_meeting_on="2025-04-20", requested_by="staff-1")
    w.add("steering.decision_taken", "2025-04-20T12:00", decision_id=decision,
          meeting_id=str(uuid.uuid4()), decided_on="2025-04-20", chosen="Ja")
    w.add("initiative.revised", "2025-04-21T12:00",
          **definition(w, budget_dkk=1_300_000), reason="Styregruppens beslutning",
          decision_id=decision)
    assert one_cost_basis(*plan_of(w), Q2.last_day) == []
    report = compute(w.inputs())
    assert report.initiatives[0].budget == 1_300_000  # the deviations use the same basis


def test_every_tolerance_breach_has_an_exception_report() -> None:
    w = small_plan()
    w.add("progress.reported", "2025-06-20T12:00", initiative_id=w.ini, as_of="2025-06-20",
          percent=20, rag="green", narrative="...", reported_by="staff-1")
    (issue,) = breach_has_exception(*plan_of(w), Q2.last_day)
    assert issue.values[0] == "schedule" and issue.correct_in == "exception_report"
    report = compute(w.inputs())
    (line,) = report.exceptions
    assert (line.breach, line.status) == ("schedule", "missing")
    w.add("exception.reported", "2025-06-25T12:00", initiative_id=w.ini, breach="schedule",
          cause="Nøglemedarbejder syg", recovery="Ekstern konsulent hyres", owner="staff-1",
          recover_by="2025-09-30", decision_needed="Godkend 0,1 mio. kr. til konsulent",
          reported_on="2025-06-25", reported_by="staff-1")
    assert breach_has_exception(*plan_of(w), Q2.last_day) == []
    (line,) = compute(w.inputs()).exceptions
    assert (line.status, line.recovery) == ("reported", "Ekstern konsulent hyres")


def test_a_goal_past_its_due_date_has_a_measurement() -> None:
    w = small_plan()
    w.add("initiative.revised", "2025-01-10T12:00", reason="Mål tilføjet", **definition(
        w, goals=[{"goal_id": "g", "title": "Svar", "indicator": "svar", "unit": "svar",
                   "baseline": 0, "target": 100, "due": "2025-05-31"}]))
    (issue,) = goal_measured_when_due(*plan_of(w), Q2.last_day)
    assert issue.subject == "F1 Indsats F1: Svar" and issue.correct_in == "progress_report"
    w.add("progress.goal_measured", "2025-06-02T12:00", initiative_id=w.ini, goal_id="g",
          value=80, measured_on="2025-05-31", source="Spørgeskema")
    assert goal_measured_when_due(*plan_of(w), Q2.last_day) == []


def request(w: World, recommendation: str, moved: str, on: str = "2025-05-20") -> str:
    decision = str(uuid.uuid4())
    w.add("steering.decision_requested", f"{on}T12:00", decision_id=decision, year=2025,
          title="Idéstormen udskydes", question="Skal idéstormen holdes senere?",
          recommendation=recommendation,
          options=[{"label": "Udskyd", "consequence": moved},
                   {"label": "Hold fast", "consequence": "Idéstormen holdes som planlagt."}],
          requested_on=on, for_meeting_on="2025-06-18", requested_by="staff-1")
    return decision


def test_an_open_decision_item_stating_a_date_the_milestone_does_not_have_is_listed() -> None:
    w = small_plan()  # 'Første idéstorm afholdt' is due 2025-06-01
    request(w, "Udskyd. Milepælen 'Første idéstorm afholdt' flyttes fra 15. maj til 30. juni "
               "2025.", "Første idéstorm afholdt 30. juni 2025 i stedet for 15. maj.")
    (issue,) = decision_matches_plan_dates(*plan_of(w), Q2.last_day)
    assert issue.subject == "Idéstormen udskydes: F1 Indsats F1: Første idéstorm afholdt"
    # the date it is moved from is the plan's claim; the one it is moved to is only proposed
    assert issue.values == ("2025-05-15", "2025-06-01")
    assert issue.correct_in == "decision_item"
    assert [i.rule for i in compute(w.inputs()).data_quality] == ["decision_matches_plan_dates"]


def test_a_decision_item_that_agrees_with_the_plan_breaks_no_rule() -> None:
    w = small_plan()
    request(w, "Udskyd. Milepælen 'Første idéstorm afholdt' flyttes fra 1. juni til 30. juni "
               "2025.", "The milestone Første idéstorm afholdt moves from 1 June 2025 to "
               "30 June 2025; no extra cost.")
    assert decision_matches_plan_dates(*plan_of(w), Q2.last_day) == []


def test_an_answered_item_states_the_date_of_the_revision_made_on_it() -> None:
    w = small_plan()
    decision = request(w, "Udskyd.", "Første idéstorm afholdt flyttes til 2025-06-30.")
    w.add("steering.decision_taken", "2025-06-18T12:00", decision_id=decision,
          meeting_id=str(uuid.uuid4()), decided_on="2025-06-18", chosen="Udskyd")
    revised = definition(w, milestones=[{"milestone_id": "storm", "due": "2025-07-31",
                                         "title": "Første idéstorm afholdt"}])
    w.add("initiative.revised", "2025-06-19T12:00", **revised, reason="Styregruppens beslutning",
          decision_id=decision)
    (issue,) = decision_matches_plan_dates(*plan_of(w), Q2.last_day)
    assert issue.values == ("2025-06-30", "2025-07-31")
    revised["milestones"][0]["due"] = "2025-06-30"
    w.add("initiative.revised", "2025-06-20T12:00", **revised, reason="Rettet til beslutningen",
          decision_id=decision)
    assert decision_matches_plan_dates(*plan_of(w), Q2.last_day) == []


def test_the_report_lists_every_breach_in_data_quality_and_none_when_the_inputs_agree() -> None:
    w = small_plan()
    assert compute(w.inputs()).data_quality == ()
    w.add("plan.budget_approved", "2025-01-20T12:00", year=2025, amount_dkk=1_500_000,
          shares={"state": 600_000, "municipalities": 600_000, "regions": 300_000})
    w.add("progress.milestone_completed", "2025-05-29T12:00", initiative_id=w.ini,
          milestone_id="storm", completed_on="2025-05-29")
    report = compute(w.inputs())
    assert [i.rule for i in report.data_quality] == ["milestone_before_evidence",
                                                     "budget_reconciles"]
    assert report.executive_summary.data_quality_issues == 2
    assert len(check(*plan_of(w), Q2.last_day)) == 2 and len(RULES) == 6
