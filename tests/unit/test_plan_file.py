"""Loading a whole plan from YAML: the example loads, ids are stable, bad files say where."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from clients.plan_import import PlanFileError, build_events, check, load
from schemas.plan import ActionPlanDrafted, InitiativeDefined, ProgressReported

pytestmark = pytest.mark.unit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "coi-action-plan-2014-2016.yaml"
TODAY = date(2026, 11, 1)


def test_the_example_plan_loads_with_ten_activities_in_three_tracks_per_year() -> None:
    envelopes = load(EXAMPLE, today=TODAY)
    plans = [e.model() for e in envelopes if e.type == "plan.drafted"]
    assert sorted(p.year for p in plans if isinstance(p, ActionPlanDrafted)) == [2015, 2025]
    for plan in plans:
        assert isinstance(plan, ActionPlanDrafted)
        assert [t.code for t in plan.tracks] == ["FINDE", "KVALIFICERE", "SPREDE"]
    defined = [m for e in envelopes if isinstance(m := e.model(), InitiativeDefined)]
    titles_2015 = {d.title for d in defined if d.year == 2015}
    assert len(titles_2015) == 10
    assert {"Kortlægning af innovationslandskabet", "Dialog om innovative løsninger",
            "Innovationswiki"} <= titles_2015
    reports_2025 = {m.as_of for e in envelopes if isinstance(m := e.model(), ProgressReported)
                    and m.as_of.year == 2025}
    assert {date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30)} <= reports_2025


def test_loading_twice_gives_the_same_event_ids_and_times() -> None:
    first = load(EXAMPLE, today=TODAY)
    second = load(EXAMPLE, today=TODAY)
    assert [(e.event_id, e.occurred_at) for e in first] == \
        [(e.event_id, e.occurred_at) for e in second]
    assert len({e.event_id for e in first}) == len(first)


def _doc() -> dict[str, object]:
    return yaml.safe_load("""
plans:
- year: 2034
  title: Plan
  drafted_on: 2034-01-02
  tracks: [{code: FINDE, title: Finde}]
  initiatives:
  - key: a
    track: FINDE
    title: A
    description: d
    owner: staff-1
    period: {start: 2034-01-01, end: 2034-12-31}
    budget_dkk: 100
    defined_on: 2034-01-10
    progress:
    - {as_of: 2034-03-31, percent: 30, rag: green, narrative: ok}
""")


def _initiative(doc: dict[str, object]) -> dict[str, object]:
    return doc["plans"][0]["initiatives"][0]  # type: ignore[index,no-any-return]


@pytest.mark.parametrize(("change", "says"), [
    ({"percent": 130}, "progress[0]: percent"),
    ({"rag": "purple"}, "progress[0]: rag"),
    ({"as_of": date(2033, 12, 1)}, "before_plan"),
])
def test_a_bad_progress_entry_is_refused_naming_where_it_is(
        change: dict[str, object], says: str) -> None:
    doc = _doc()
    _initiative(doc)["progress"][0].update(change)  # type: ignore[index]
    with pytest.raises(PlanFileError) as caught:
        check(build_events(doc), date(2035, 1, 1))
    assert any("plans[0].initiatives[0]" in p and says in p for p in caught.value.problems), \
        caught.value.problems


def test_a_file_with_reports_in_the_future_is_refused() -> None:
    with pytest.raises(PlanFileError) as caught:
        check(build_events(_doc()), date(2034, 3, 1))
    assert any("in the future" in p for p in caught.value.problems)


def test_an_unknown_track_is_refused() -> None:
    doc = _doc()
    _initiative(doc)["track"] = "SPREDE"
    with pytest.raises(PlanFileError) as caught:
        check(build_events(doc), date(2035, 1, 1))
    assert any("unknown_track" in p for p in caught.value.problems)
