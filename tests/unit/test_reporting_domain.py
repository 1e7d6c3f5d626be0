"""The acceptance rules for plan and progress events (used by the edge, the importer and the
consumer): each kind of bad input is refused with its reason."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.ideas import IdeaRevised, IdeaSubmitted
from schemas.moderation import IdeaRevisionPublished, IdeaStatus, IdeaStatusChanged
from schemas.plan import (
    ActionPlanApproved,
    ActionPlanDrafted,
    GoalMeasured,
    IdeaAdopted,
    InitiativeClosed,
    InitiativeDefined,
    InitiativeRevised,
    MilestoneCompleted,
    ProgressReported,
)
from services.reporting.domain import (
    Fact,
    IdeaState,
    Known,
    end_of_day,
    fold,
    judge,
    judge_at_edge,
    local_day,
    shown_title,
)

pytestmark = pytest.mark.unit

YEAR = 2032
DEFINED = datetime(2032, 2, 1, 12, tzinfo=UTC)


def definition(iid: uuid.UUID, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        initiative_id=iid, year=YEAR, track="FINDE", title="T", description="d",
        owner="staff-1", period={"start": "2032-01-01", "end": "2032-12-31"}, budget_dkk=1,
        goals=[{"goal_id": "g", "title": "G", "indicator": "i", "unit": "u", "baseline": 0,
                "target": 1, "due": "2032-12-31"}],
        milestones=[{"milestone_id": "m", "title": "M", "due": "2032-06-30"}])
    fields.update(extra)
    return fields


def known_with(iid: uuid.UUID) -> Known:
    known = Known()
    known.note(ActionPlanDrafted(year=YEAR, title="P", tracks=[{"code": "FINDE", "title": "F"}]),
               datetime(2032, 1, 10, tzinfo=UTC))
    known.note(InitiativeDefined(**definition(iid)), DEFINED)
    return known


def report(iid: uuid.UUID, as_of: date, **extra: Any) -> ProgressReported:
    fields: dict[str, Any] = dict(initiative_id=iid, as_of=as_of, percent=50, rag="green",
                                  narrative="n", reported_by="staff-1")
    fields.update(extra)
    return ProgressReported(**fields)


def reason(known: Known, payload: Any, when: datetime) -> str | None:
    refusal = judge(known, payload, when)
    return refusal.reason if refusal else None


LATER = datetime(2032, 5, 1, 9, tzinfo=UTC)


def test_a_good_report_is_accepted() -> None:
    iid = uuid.uuid4()
    assert reason(known_with(iid), report(iid, date(2032, 4, 30)), LATER) is None


@pytest.mark.parametrize(("field", "value"), [("percent", 101), ("percent", -1),
                                              ("rag", "blue"), ("rag", "")])
def test_out_of_range_percent_and_unknown_rag_are_refused_by_the_contract(
        field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        report(uuid.uuid4(), date(2032, 4, 30), **{field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_progress_for_an_unknown_initiative_is_refused() -> None:
    assert reason(known_with(uuid.uuid4()), report(uuid.uuid4(), date(2032, 4, 30)),
                  LATER) == "unknown_initiative"


def test_progress_dated_after_it_was_reported_is_refused() -> None:
    iid = uuid.uuid4()
    assert reason(known_with(iid), report(iid, date(2032, 5, 2)), LATER) == "dated_in_future"


def test_progress_dated_before_the_initiative_existed_is_refused() -> None:
    iid = uuid.uuid4()
    assert reason(known_with(iid), report(iid, date(2032, 1, 31)), LATER) == "before_plan"


def test_unknown_milestone_and_goal_are_refused() -> None:
    iid = uuid.uuid4()
    known = known_with(iid)
    done = MilestoneCompleted(initiative_id=iid, milestone_id="nope",
                              completed_on=date(2032, 4, 1))
    measured = GoalMeasured(initiative_id=iid, goal_id="nope", value=1,
                            measured_on=date(2032, 4, 1), source="s")
    assert reason(known, done, LATER) == "unknown_milestone"
    assert reason(known, measured, LATER) == "unknown_goal"


def test_a_revision_knows_the_milestones_it_added() -> None:
    iid = uuid.uuid4()
    known = known_with(iid)
    revised = InitiativeRevised(**definition(iid, milestones=[
        {"milestone_id": "new", "title": "N", "due": "2032-09-30"}]), reason="r")
    assert reason(known, revised, LATER) is None
    known.note(revised, LATER)
    done = MilestoneCompleted(initiative_id=iid, milestone_id="new",
                              completed_on=date(2032, 5, 1))
    assert reason(known, done, LATER) is None


def test_nothing_but_measurements_after_an_initiative_is_closed() -> None:
    iid = uuid.uuid4()
    known = known_with(iid)
    known.note(InitiativeClosed(initiative_id=iid, closed_on=date(2032, 4, 1), outcome="o"),
               LATER)
    assert reason(known, report(iid, date(2032, 4, 30)), LATER) == "initiative_closed"
    measured = GoalMeasured(initiative_id=iid, goal_id="g", value=1,
                            measured_on=date(2032, 4, 30), source="s")
    assert reason(known, measured, LATER) is None


def test_defining_twice_and_drafting_twice_are_refused() -> None:
    iid = uuid.uuid4()
    known = known_with(iid)
    assert reason(known, InitiativeDefined(**definition(iid)), LATER) == "already_defined"
    again = ActionPlanDrafted(year=YEAR, title="P", tracks=[{"code": "X", "title": "X"}])
    assert reason(known, again, LATER) == "already_drafted"


def test_approving_a_plan_never_drafted_is_refused() -> None:
    approval = ActionPlanApproved(year=2099, meeting_id=uuid.uuid4(),
                                  approved_on=date(2032, 1, 1))
    assert reason(Known(), approval, LATER) == "unknown_plan"


def test_the_edge_also_checks_the_plan_year_and_the_track() -> None:
    iid = uuid.uuid4()
    known = known_with(iid)
    other_track = InitiativeDefined(**definition(uuid.uuid4(), track="SPREDE"))
    refusal = judge_at_edge(known, other_track, LATER, YEAR)
    assert refusal is not None and refusal.reason == "unknown_track"
    no_plan = InitiativeDefined(**definition(uuid.uuid4(), year=2033))
    refusal = judge_at_edge(known, no_plan, LATER, 2033)
    assert refusal is not None and refusal.reason == "unknown_plan"
    refusal = judge_at_edge(known, report(iid, date(2032, 4, 30)), LATER, 2031)
    assert refusal is not None and refusal.reason == "unknown_initiative"


def test_facts_dated_far_outside_any_plan_are_refused() -> None:
    iid = uuid.uuid4()
    far = datetime(9999, 12, 31, 12, tzinfo=UTC)
    assert reason(known_with(iid), report(iid, date(9999, 12, 31)), far) == "implausible_date"
    assert reason(known_with(iid), report(iid, date(1800, 1, 1)), LATER) == "implausible_date"


def test_text_with_a_nul_character_is_refused() -> None:
    iid = uuid.uuid4()
    nul = report(iid, date(2032, 4, 30), narrative="before\x00after")
    assert reason(known_with(iid), nul, LATER) == "malformed"


def test_a_completed_milestone_cannot_be_revised_away() -> None:
    iid = uuid.uuid4()
    known = known_with(iid)
    done = MilestoneCompleted(initiative_id=iid, milestone_id="m", completed_on=date(2032, 4, 1))
    known.note(done, LATER)
    drops = InitiativeRevised(**definition(iid, milestones=[]), reason="r")
    assert reason(known, drops, LATER) == "completed_milestone_removed"
    keeps = InitiativeRevised(**definition(iid, budget_dkk=2), reason="r")
    assert reason(known, keeps, LATER) is None


def test_a_decision_is_answered_once_by_its_id_with_one_of_its_options() -> None:
    from schemas.governance import DecisionRequested, DecisionTaken

    did = uuid.uuid4()
    asked = DecisionRequested(
        decision_id=did, year=YEAR, title="T", question="Q?", recommendation="A",
        options=[{"label": "A", "consequence": "a"}, {"label": "B", "consequence": "b"}],
        requested_on=date(2032, 4, 1), for_meeting_on=date(2032, 5, 1), requested_by="staff-1")
    known = Known()

    def answer(chosen: str, decision_id: uuid.UUID = did) -> DecisionTaken:
        return DecisionTaken(decision_id=decision_id, meeting_id=uuid.uuid4(),
                             decided_on=date(2032, 5, 1), chosen=chosen)

    assert reason(known, answer("A"), LATER) == "unknown_decision"
    assert reason(known, asked, LATER) is None
    known.note(asked, LATER)
    assert reason(known, asked, LATER) == "already_requested"
    assert reason(known, answer("C"), LATER) == "unknown_option"
    assert reason(known, answer("B"), LATER) is None
    known.note(answer("B"), LATER)
    assert reason(known, answer("A"), LATER) == "already_decided"


def test_an_item_for_the_steering_group_names_an_initiative_of_its_own_plan_year() -> None:
    from schemas.governance import DecisionRequested

    iid = uuid.uuid4()
    known = known_with(iid)

    def asked(initiative_id: uuid.UUID | None, year: int = YEAR) -> DecisionRequested:
        return DecisionRequested(
            decision_id=uuid.uuid4(), year=year, title="T", question="Q?", recommendation="A",
            options=[{"label": "A", "consequence": "a"}, {"label": "B", "consequence": "b"}],
            requested_on=date(2032, 4, 1), for_meeting_on=date(2032, 5, 1),
            requested_by="staff-1", initiative_id=initiative_id)

    assert judge_at_edge(known, asked(iid), LATER) is None
    assert judge_at_edge(known, asked(None), LATER) is None
    for refused in (asked(uuid.uuid4()), asked(iid, year=YEAR + 1)):
        refusal = judge_at_edge(known, refused, LATER)
        assert refusal is not None and refusal.reason == "unknown_initiative"
    # the consumer does not repeat it: a replay may meet the item before the initiative
    assert judge(Known(), asked(iid), LATER) is None


def test_risks_are_assessed_and_closed_only_once_raised() -> None:
    from schemas.plan import RiskAssessed, RiskRaised

    iid = uuid.uuid4()
    known = known_with(iid)
    assessed = RiskAssessed(initiative_id=iid, risk_id="r", likelihood=2, impact=2,
                            mitigation="m", assessed_on=date(2032, 4, 2))
    assert reason(known, assessed, LATER) == "unknown_risk"
    raised = RiskRaised(initiative_id=iid, risk_id="r", title="R", owner="staff-1",
                        likelihood=3, impact=3, mitigation="m", raised_on=date(2032, 4, 1))
    known.note(raised, LATER)
    assert reason(known, raised, LATER) == "already_raised"
    assert reason(known, assessed, LATER) is None


def test_a_revision_changes_what_it_names_and_keeps_the_rest() -> None:
    from services.reporting.domain import Refusal, merge_revision

    iid = uuid.uuid4()
    current = InitiativeDefined(**definition(iid, milestones=[
        {"milestone_id": "m", "title": "M", "due": "2032-06-30"},
        {"milestone_id": "n", "title": "N", "due": "2032-09-30"}]))
    merged = merge_revision(current, {"owner": "staff-2", "budget_dkk": 5, "milestones": [
        {"milestone_id": "n", "title": "N", "due": "2032-11-30"}]}, [], [])
    assert not isinstance(merged, Refusal)
    revised = InitiativeRevised(**merged, reason="r")
    assert (revised.owner, revised.budget_dkk, revised.title) == ("staff-2", 5, "T")
    assert [g.goal_id for g in revised.goals] == ["g"]  # not named: kept
    assert [(m.milestone_id, m.due) for m in revised.milestones] == [
        ("m", date(2032, 6, 30)), ("n", date(2032, 11, 30))]
    gone = merge_revision(current, {}, ["g"], ["m"])
    assert not isinstance(gone, Refusal)
    assert gone["goals"] == [] and [m["milestone_id"] for m in gone["milestones"]] == ["n"]
    unknown = merge_revision(current, {}, [], ["x"])
    assert isinstance(unknown, Refusal) and unknown.reason == "unknown_milestone"


# ---- adopting an idea: only a published one -------------------------------------------------

CAMPAIGN = uuid.uuid4()


def idea_facts(idea: uuid.UUID, *steps: tuple[str, str | None]) -> list[Fact]:
    """The idea submitted as "Benches", then each (status or "revised:<title>" or
    "approved:<title>", title carried by a status change) a day apart."""
    facts = [Fact(uuid.uuid4(), datetime(2032, 3, 1, 9, tzinfo=UTC), DEFINED, "ann",
                  IdeaSubmitted(idea_id=idea, campaign_id=CAMPAIGN, title="Benches",
                                body="By the canal."))]
    for n, (step, title) in enumerate(steps, start=2):
        when = datetime(2032, 3, n, 9, tzinfo=UTC)
        payload: Any
        if step == "revised":
            payload = IdeaRevised(idea_id=idea, campaign_id=CAMPAIGN, title=title or "",
                                  body="Revised.")
        elif step == "approved":
            payload = IdeaRevisionPublished(idea_id=idea, campaign_id=CAMPAIGN, revision=n,
                                            title=title or "")
        else:
            payload = IdeaStatusChanged(idea_id=idea, campaign_id=CAMPAIGN,
                                        status=IdeaStatus(step), title=title)
        facts.append(Fact(uuid.uuid4(), when, when, "mod-1", payload))
    return facts


def idea_now(idea: uuid.UUID, *steps: tuple[str, str | None]) -> IdeaState:
    return fold(idea_facts(idea, *steps), date(2032, 12, 31)).ideas[idea]


def adoption(iid: uuid.UUID, idea: uuid.UUID) -> IdeaAdopted:
    return IdeaAdopted(initiative_id=iid, idea_id=idea, decided_by="lead-1")


@pytest.mark.parametrize(("steps", "code", "says"), [
    ((), "idea_not_published", "is pending moderation"),  # its status not heard of yet
    ((("pending", "Benches"),), "idea_not_published", "is pending moderation"),
    ((("pending", "Benches"), ("rejected", "Benches")), "idea_not_published",
     "was rejected by moderation"),
    ((("published", "Benches"), ("hidden", "Benches")), "idea_not_published",
     "is hidden by moderation"),
    ((("published", "Benches"), ("merged", "Benches")), "idea_not_published",
     "was merged into another idea"),
    ((("published", "Benches"), ("withdrawn", "Benches")), "idea_not_published",
     "was withdrawn by its author"),
    ((("pending", "Benches"), ("published", "Benches")), None, ""),
    ((("published", "Benches"), ("hidden", "Benches"), ("published", "Benches")), None, ""),
])
def test_only_a_published_idea_can_be_adopted(steps: tuple[tuple[str, str | None], ...],
                                              code: str | None, says: str) -> None:
    iid, idea = uuid.uuid4(), uuid.uuid4()
    known = known_with(iid)
    known.ideas[idea] = idea_now(idea, *steps)
    refusal = judge_at_edge(known, adoption(iid, idea), LATER, YEAR)
    assert (refusal.reason if refusal else None) == code
    if refusal is not None:
        assert refusal.detail == f"idea {idea} {says}, only published ideas can be adopted"


def test_an_idea_no_ideastorm_has_cannot_be_adopted_and_the_initiative_is_judged_first() -> None:
    iid, idea = uuid.uuid4(), uuid.uuid4()
    known = known_with(iid)
    known.ideas[idea] = None
    refusal = judge_at_edge(known, adoption(iid, idea), LATER, YEAR)
    assert refusal is not None and refusal.reason == "unknown_idea"
    assert str(idea) in refusal.detail
    elsewhere = judge_at_edge(known, adoption(uuid.uuid4(), idea), LATER, YEAR)
    assert elsewhere is not None and elsewhere.reason == "unknown_initiative"


def test_the_consumer_does_not_refuse_an_adoption_whose_idea_it_has_not_seen_yet() -> None:
    # the idea's events come on other topics: in a replay the adoption may come first
    iid = uuid.uuid4()
    assert reason(known_with(iid), adoption(iid, uuid.uuid4()), LATER) is None


def test_an_idea_is_adopted_into_an_initiative_once_and_never_into_a_closed_one() -> None:
    iid, idea = uuid.uuid4(), uuid.uuid4()
    known = known_with(iid)
    known.ideas[idea] = idea_now(idea, ("published", "Benches"))
    assert judge_at_edge(known, adoption(iid, idea), LATER, YEAR) is None
    known.note(adoption(iid, idea), LATER)
    again = judge_at_edge(known, adoption(iid, idea), LATER, YEAR)
    assert again is not None and again.reason == "already_adopted"
    assert again.detail == f"idea {idea} is already adopted into initiative {iid}"
    # the consumer refuses the repeat too, so a replay keeps one adoption
    assert reason(known, adoption(iid, idea), LATER) == "already_adopted"
    other = uuid.uuid4()
    known.ideas[other] = idea_now(other, ("published", "Chairs"))
    known.note(InitiativeClosed(initiative_id=iid, closed_on=date(2032, 5, 1), outcome="Done."),
               LATER)
    closed = judge_at_edge(known, adoption(iid, other), LATER, YEAR)
    assert closed is not None and closed.reason == "initiative_closed"
    assert "no idea can be adopted" in closed.detail


def test_an_idea_is_named_only_while_published_and_by_its_approved_title() -> None:
    idea = uuid.uuid4()
    assert shown_title(idea_now(idea, ("pending", "Benches"))) is None
    assert shown_title(idea_now(idea)) is None  # no status known (yet)
    published = idea_now(idea, ("pending", "Benches"), ("published", "Benches"))
    assert shown_title(published) == "Benches"
    # a revision waiting for a moderator is not shown; the approved one is
    waiting = idea_now(idea, ("published", "Benches"), ("revised", "CALL 12345678"))
    assert shown_title(waiting) == "Benches"
    approved = idea_now(idea, ("published", "Benches"), ("revised", "Benches, shaded"),
                        ("approved", "Benches, shaded"))
    assert shown_title(approved) == "Benches, shaded"
    for later in ("hidden", "rejected", "merged", "withdrawn"):
        gone = idea_now(idea, ("published", "Benches"), (later, "Benches"))
        assert shown_title(gone) is None
        # a view of a day it was published does not name it once it is not any more
        assert shown_title(published, gone) is None


def test_a_view_as_of_today_sees_what_happened_just_now_at_any_hour() -> None:
    # an hour in the evening (UTC) is already tomorrow in Denmark: the view as of "today" must be
    # as of the Danish day, or a plan drafted a moment ago would not be drafted "by now"
    for now in (datetime(2026, 12, 7, 23, 46, tzinfo=UTC),   # 00:46 on the 8th, winter time
                datetime(2026, 7, 7, 22, 30, tzinfo=UTC),    # 00:30 on the 8th, summer time
                datetime(2026, 12, 7, 12, 0, tzinfo=UTC)):
        assert now < end_of_day(local_day(now))
        assert local_day(now) >= now.date()
    assert not datetime(2026, 12, 7, 23, 46, tzinfo=UTC) < end_of_day(date(2026, 12, 7))
