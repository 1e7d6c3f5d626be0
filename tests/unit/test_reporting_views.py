"""The progress views as pure functions: as-of cut-off, revisions, roll-up arithmetic."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from schemas.base import Payload
from schemas.governance import DecisionRequested, DecisionTaken
from schemas.plan import (
    ActionPlanDrafted,
    GoalMeasured,
    InitiativeDefined,
    InitiativeRevised,
    MilestoneCompleted,
    ProgressReported,
    SteeringMeetingHeld,
)
from services.reporting import views
from services.reporting.domain import Fact, expected_percent
from services.reporting.domain import fold as fold_world
from services.reporting.domain import fold_plan as fold

pytestmark = pytest.mark.unit

YEAR = 2031


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def fact(payload: Payload, when: datetime, actor: str = "planner-1") -> Fact:
    return Fact(uuid.uuid4(), when, when, actor, payload)


def plan() -> Fact:
    return fact(ActionPlanDrafted(year=YEAR, title="Plan", tracks=[
        {"code": "FINDE", "title": "Finde"}, {"code": "SPREDE", "title": "Sprede"}]),
        at("2031-01-02"))


def definition(iid: uuid.UUID, *, track: str = "FINDE", budget: int = 100,
               cls: type[Any] = InitiativeDefined, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        initiative_id=iid, year=YEAR, track=track, title=f"Initiative {track}",
        description="d", owner="staff-1", period={"start": "2031-01-01", "end": "2031-12-31"},
        budget_dkk=budget,
        goals=[{"goal_id": "g", "title": "Goal", "indicator": "cases", "unit": "cases",
                "baseline": 10, "target": 110, "due": "2031-12-31"}],
        milestones=[{"milestone_id": "m1", "title": "First", "due": "2031-03-31"},
                    {"milestone_id": "m2", "title": "Second", "due": "2031-09-30"}])
    fields.update(extra)
    return fields


def report(iid: uuid.UUID, as_of: str, percent: int, rag: str = "green") -> ProgressReported:
    return ProgressReported(initiative_id=iid, as_of=date.fromisoformat(as_of), percent=percent,
                            rag=rag, narrative="n", reported_by="staff-1")


def test_a_report_made_after_the_as_of_date_is_invisible() -> None:
    iid = uuid.uuid4()
    facts = [plan(), fact(InitiativeDefined(**definition(iid)), at("2031-01-05")),
             fact(report(iid, "2031-03-31", 20), at("2031-03-31")),
             fact(report(iid, "2031-06-30", 45, "amber"), at("2031-07-02"))]
    on_june_30 = fold(YEAR, facts, date(2031, 6, 30)).initiatives[iid]
    on_july_2 = fold(YEAR, facts, date(2031, 7, 2)).initiatives[iid]
    assert views.initiative_summary(on_june_30, date(2031, 6, 30))["percent"] == 20
    summary = views.initiative_summary(on_july_2, date(2031, 7, 2))
    assert (summary["percent"], summary["rag"]) == (45, "amber")
    assert fold(YEAR, facts, date(2031, 1, 4)).initiatives == {}


def test_a_late_report_about_an_earlier_day_does_not_replace_the_newest() -> None:
    iid = uuid.uuid4()
    facts = [plan(), fact(InitiativeDefined(**definition(iid)), at("2031-01-05")),
             fact(report(iid, "2031-06-30", 50), at("2031-06-30")),
             fact(report(iid, "2031-03-31", 25), at("2031-07-01"))]
    state = fold(YEAR, facts, date(2031, 7, 1)).initiatives[iid]
    assert views.initiative_summary(state, date(2031, 7, 1))["percent"] == 50


def test_a_revision_replaces_the_definition_only_from_its_own_date() -> None:
    iid = uuid.uuid4()
    revised = definition(iid, budget=300, cls=InitiativeRevised, title="Bigger")
    facts = [plan(), fact(InitiativeDefined(**definition(iid)), at("2031-01-05")),
             fact(InitiativeRevised(**revised, reason="steering group widened it"),
                  at("2031-05-01"), actor="lead-1")]
    before = fold(YEAR, facts, date(2031, 4, 30)).initiatives[iid]
    after = fold(YEAR, facts, date(2031, 5, 1)).initiatives[iid]
    assert (before.definition.title, before.definition.budget_dkk) == ("Initiative FINDE", 100)
    assert (after.definition.title, after.definition.budget_dkk) == ("Bigger", 300)
    view = views.initiative_view(after, date(2031, 5, 1), {})
    assert view["revisions"] == [{"at": "2031-05-01T12:00:00+00:00", "by": "lead-1",
                                  "reason": "steering group widened it"}]


def test_milestones_split_into_done_overdue_and_upcoming_on_the_date() -> None:
    iid = uuid.uuid4()
    facts = [plan(), fact(InitiativeDefined(**definition(iid)), at("2031-01-05")),
             fact(MilestoneCompleted(initiative_id=iid, milestone_id="m2",
                                     completed_on=date(2031, 8, 1)), at("2031-08-01"))]
    april = views.initiative_view(fold(YEAR, facts, date(2031, 4, 1)).initiatives[iid],
                                  date(2031, 4, 1), {})["milestones"]
    assert [m["milestone_id"] for m in april["overdue"]] == ["m1"]
    assert [m["milestone_id"] for m in april["upcoming"]] == ["m2"] and april["done"] == []
    august = views.initiative_view(fold(YEAR, facts, date(2031, 8, 2)).initiatives[iid],
                                   date(2031, 8, 2), {})["milestones"]
    assert august["done"][0]["completed_on"] == "2031-08-01"


def test_a_goal_shows_its_latest_value_against_baseline_and_target() -> None:
    iid = uuid.uuid4()
    facts = [plan(), fact(InitiativeDefined(**definition(iid)), at("2031-01-05"))]
    for value, day in ((40, "2031-06-01"), (35, "2031-03-01")):  # the second is about earlier
        facts.append(fact(GoalMeasured(initiative_id=iid, goal_id="g", value=value,
                                       measured_on=date.fromisoformat(day), source="survey"),
                          at("2031-06-02")))
    goal = views.initiative_view(fold(YEAR, facts, date(2031, 6, 2)).initiatives[iid],
                                 date(2031, 6, 2), {})["goals"][0]
    assert goal["latest"]["value"] == 40
    assert goal["share_of_target_reached"] == 0.3  # (40 - 10) / (110 - 10)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2030, 12, 1), 0.0), (date(2031, 1, 1), 0.3), (date(2031, 7, 2), 50.1),
    (date(2031, 12, 31), 100.0), (date(2032, 3, 1), 100.0)])
def test_expected_percent_follows_time_elapsed(day: date, expected: float) -> None:
    assert expected_percent(date(2031, 1, 1), date(2031, 12, 31), day) == expected


def test_roll_ups_are_weighted_by_budget_per_track_and_for_the_plan() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    facts = [plan(),
             fact(InitiativeDefined(**definition(a, budget=300_000)), at("2031-01-05")),
             fact(InitiativeDefined(**definition(b, budget=100_000)), at("2031-01-05")),
             fact(InitiativeDefined(**definition(c, track="SPREDE", budget=600_000)),
                  at("2031-01-05")),
             fact(report(a, "2031-03-31", 80), at("2031-03-31")),
             fact(report(b, "2031-03-31", 20, "red"), at("2031-03-31"))]
    sums = views.rollups(fold(YEAR, facts, date(2031, 4, 1)))
    # FINDE: (300k * 80 + 100k * 20) / 400k = 65
    assert sums["FINDE"]["percent"] == 65.0 and sums["FINDE"]["budget_dkk"] == 400_000
    # SPREDE has no report yet: it counts as 0 %
    assert sums["SPREDE"]["percent"] == 0.0 and sums["SPREDE"]["rag"]["unreported"] == 1
    # the plan: (300k * 80 + 100k * 20 + 600k * 0) / 1m = 26
    assert sums[""]["percent"] == 26.0
    # counted by the computed status, the report's: b's owner says red, but 20 % done where
    # about a quarter was expected is amber (within 25 %)
    assert sums[""]["rag"] == {"green": 1, "amber": 1, "red": 0, "unreported": 1}
    assert sums[""]["rag_budget_dkk"]["amber"] == 100_000
    # expected from time elapsed by the end of April 1st (91 of 365 days), the same for all
    assert sums[""]["expected_percent"] == 24.9


def test_without_budgets_the_roll_up_weighs_initiatives_equally() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    facts = [plan(), fact(InitiativeDefined(**definition(a, budget=0)), at("2031-01-05")),
             fact(InitiativeDefined(**definition(b, budget=0)), at("2031-01-05")),
             fact(report(a, "2031-03-31", 50), at("2031-03-31"))]
    assert views.rollups(fold(YEAR, facts, date(2031, 4, 1)))[""]["percent"] == 25.0


def test_roll_up_history_has_one_point_per_day_something_became_known() -> None:
    a = uuid.uuid4()
    facts = [plan(), fact(InitiativeDefined(**definition(a)), at("2031-01-05")),
             fact(report(a, "2031-03-31", 30), at("2031-03-31")),
             fact(report(a, "2031-06-30", 60), at("2031-06-30"))]
    history = [(day, r["percent"]) for day, track, r in views.rollup_history(YEAR, facts)
               if track == ""]
    assert history == [(date(2031, 1, 2), None), (date(2031, 1, 5), 0.0),
                       (date(2031, 3, 31), 30.0), (date(2031, 6, 30), 60.0)]


INITIATIVE = uuid.uuid4()


def asked(title: str, *, year: int = YEAR, for_meeting_on: str = "2031-03-10",
          initiative_id: uuid.UUID | None = None) -> DecisionRequested:
    return DecisionRequested(
        decision_id=uuid.uuid4(), year=year, title=title, question="Nu?",
        initiative_id=initiative_id,
        recommendation="Nu.", options=[{"label": "Nu", "consequence": "Hurtigt."},
                                       {"label": "Senere", "consequence": "Langsomt."}],
        requested_on=date(2031, 2, 1), for_meeting_on=date.fromisoformat(for_meeting_on),
        requested_by="planner-1")


def meeting(held_on: str, *items: str) -> SteeringMeetingHeld:
    return SteeringMeetingHeld(meeting_id=uuid.uuid4(), held_on=date.fromisoformat(held_on),
                               members_present={"state": 3, "municipalities": 2, "regions": 1},
                               items_for_decision=list(items))


def test_the_decisions_view_shows_agendas_deferrals_and_answers_as_known_on_the_date() -> None:
    hire = asked("Rekruttering", initiative_id=INITIATIVE)
    move = asked("Flytning", for_meeting_on="2031-06-01")
    other_year = asked("Rekruttering", year=YEAR + 1)
    first = meeting("2031-03-10", "Rekruttering", "Flytning")
    second = meeting("2031-04-20", "Rekruttering")
    answer = DecisionTaken(decision_id=hire.decision_id, meeting_id=second.meeting_id,
                           decided_on=date(2031, 4, 20), chosen="Senere", note="Efter sommer.")
    facts = [fact(hire, at("2031-02-01")), fact(move, at("2031-02-01")),
             fact(other_year, at("2031-02-01")), fact(first, at("2031-03-10")),
             fact(second, at("2031-04-20")),
             fact(answer, at("2031-04-21"), actor="chair-1")]

    before = views.decisions_view(fold_world(facts, date(2031, 4, 20)), YEAR)
    assert [d["title"] for d in before["decisions"]] == ["Rekruttering", "Flytning"]
    assert all(d["answer"] is None for d in before["decisions"])  # recorded the day after
    assert [m["held_on"] for m in before["meetings"]] == ["2031-04-20", "2031-03-10"]
    # another year's meeting is shown only with one of the year's items on its agenda
    late = meeting("2032-01-10")
    assert [m["held_on"] for m in views.decisions_view(
        fold_world([*facts, fact(late, at("2032-01-10"))], date(2032, 1, 10)), YEAR
    )["meetings"]] == ["2031-04-20", "2031-03-10"]
    early = meeting("2030-12-10", "Rekruttering")
    assert [m["held_on"] for m in views.decisions_view(
        fold_world([*facts, fact(early, at("2031-02-02"))], date(2031, 2, 2)), YEAR
    )["meetings"]] == ["2030-12-10"]

    after = views.decisions_view(fold_world(facts, date(2031, 4, 21)), YEAR,
                                 {INITIATIVE: "Kortlægning"})
    hired, moved = after["decisions"]
    assert (hired["initiative_id"], hired["initiative_title"]) == (str(INITIATIVE), "Kortlægning")
    assert (moved["initiative_id"], moved["initiative_title"]) == (None, None)
    assert hired["status"] == "answered"
    assert hired["answer"] == {
        "meeting_id": str(second.meeting_id), "meeting_held_on": "2031-04-20",
        "decided_on": "2031-04-20", "chosen": "Senere", "note": "Efter sommer.",
        "recorded_by": "chair-1", "recorded_at": at("2031-04-21").isoformat()}
    assert [m["held_on"] for m in hired["agenda"]] == ["2031-03-10", "2031-04-20"]
    # the report's rule: a meeting that had it on its agenda and did not answer it deferred
    # it, at the meeting it was meant for too (hire: meant for 10 March, answered 20 April);
    # the meeting that answered it did not
    assert hired["deferred_from"] == ["2031-03-10"]
    assert moved["status"] == "open" and moved["deferred_from"] == ["2031-03-10"]
    assert [o["label"] for o in moved["options"]] == ["Nu", "Senere"]
