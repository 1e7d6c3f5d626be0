"""An idea's journey assembled from facts (`domain.journey`): who sees it, which steps it has and
in what order, the place at the close by the report's ranking, and the plan's part shown only
to plan readers until the plan is approved."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from schemas.base import Payload
from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.ideas import IdeaSubmitted
from schemas.moderation import Decision, IdeaStatus, IdeaStatusChanged, ModerationDecided
from schemas.plan import (
    ActionPlanApproved,
    ActionPlanDrafted,
    IdeaAdopted,
    InitiativeDefined,
    MilestoneCompleted,
    ProgressReported,
)
from services.reporting.domain import Fact
from services.reporting.domain.journey import JourneyInputs, Viewer, VoteDay, assemble

pytestmark = pytest.mark.unit

OPENS = datetime(2031, 3, 1, 9, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=10)
NOW = OPENS + timedelta(days=40)
CID, A, B, C = (uuid.uuid4() for _ in range(4))
INI = uuid.uuid4()
ANON = Viewer(sub=None, staff=False, plan_reader=False)
PLANNER = Viewer(sub="planner-1", staff=True, plan_reader=True)


def fact(payload: Payload, at: datetime, actor: str = "staff-1") -> Fact:
    return Fact(uuid.uuid4(), at, at, actor, payload)


def status(idea: uuid.UUID, s: IdeaStatus, at: datetime, previous: IdeaStatus | None,
           title: str) -> Fact:
    return fact(IdeaStatusChanged(idea_id=idea, campaign_id=CID, status=s, previous=previous,
                                  title=title), at)


def campaign_facts(b_status: IdeaStatus = IdeaStatus.PUBLISHED) -> list[Fact]:
    out = [fact(CampaignCreated(campaign_id=CID, title="Streets", question="?", opens_at=OPENS,
                                closes_at=CLOSES, moderation=ModerationMode.PRE,
                                shows_author_names=True,
                                vote_rules=VoteRules(max_votes_per_participant=3)),
                OPENS - timedelta(days=1))]
    for n, (idea, title) in enumerate(((A, "Trees"), (B, "Park"), (C, "Boxes"))):
        at = OPENS + timedelta(hours=n)
        out += [fact(IdeaSubmitted(idea_id=idea, campaign_id=CID, title=title, body="b"), at,
                     actor=f"author-{title}"),
                status(idea, IdeaStatus.PENDING, at, None, title),
                fact(ModerationDecided(idea_id=idea, campaign_id=CID, decision=Decision.APPROVE,
                                       reason=f"ok {title}"), at + timedelta(hours=5)),
                status(idea, IdeaStatus.PUBLISHED, at + timedelta(hours=5), IdeaStatus.PENDING,
                       title)]
    if b_status is not IdeaStatus.PUBLISHED:
        out.append(status(B, b_status, OPENS + timedelta(days=2), IdeaStatus.PUBLISHED, "Park"))
    return out


def plan_facts(approved: bool) -> list[Fact]:
    drafted = OPENS + timedelta(days=12)
    out = [fact(ActionPlanDrafted(year=2031, title="Plan", tracks=[{"code": "T", "title": "T"}]),
                drafted),
           fact(InitiativeDefined(
               initiative_id=INI, year=2031, track="T", title="Greener streets",
               description="d", owner="staff-1",
               period={"start": "2031-01-01", "end": "2031-12-31"}, budget_dkk=1,
               milestones=[{"milestone_id": "m1", "title": "Planted", "due": "2031-09-01"},
                           {"milestone_id": "m0", "title": "Early", "due": "2031-02-01"}]),
                drafted),
           # reached before the idea was adopted: not a step of its journey
           fact(MilestoneCompleted(initiative_id=INI, milestone_id="m0",
                                   completed_on=date(2031, 3, 12)), drafted + timedelta(hours=1)),
           fact(IdeaAdopted(initiative_id=INI, idea_id=A, decided_by="staff-1"),
                drafted + timedelta(days=1)),
           fact(MilestoneCompleted(initiative_id=INI, milestone_id="m1",
                                   completed_on=date(2031, 3, 20)), drafted + timedelta(days=2)),
           fact(ProgressReported(initiative_id=INI, as_of=date(2031, 3, 21), percent=40,
                                 rag="green", narrative="On track.", reported_by="staff-1"),
                drafted + timedelta(days=3))]
    if approved:
        out.append(fact(ActionPlanApproved(year=2031, meeting_id=uuid.uuid4(),
                                           approved_on=date(2031, 3, 13)),
                        drafted + timedelta(hours=2)))
    return out


def inputs(facts: list[Fact], votes: dict[uuid.UUID, int]) -> JourneyInputs:
    return JourneyInputs(
        idea_id=A, facts=tuple(facts), votes_at_close={str(k): v for k, v in votes.items()},
        vote_days=(VoteDay(date(2031, 3, 2), 3, 3), VoteDay(date(2031, 3, 4), 1, 2)),
        replay=None, now=NOW)


def journey(viewer: Viewer, **kw: Any) -> dict[str, Any]:
    approved = kw.pop("approved", False)
    got = assemble(inputs(campaign_facts(**kw) + plan_facts(approved), {A: 2, B: 5, C: 2}),
                   viewer, {"author-Trees": "Ann"})
    assert got is not None
    return got


def test_the_steps_in_time_order_with_the_moderation_and_its_result_as_one() -> None:
    got = journey(PLANNER)
    assert [s["kind"] for s in got["steps"]] == [
        "submitted", "moderated", "voting_closed", "adopted", "milestone_completed",
        "progress_reported"]
    moderated = got["steps"][1]
    assert (moderated["decision"], moderated["reason"], moderated["status"]) == (
        "approve", "ok Trees", "published")
    assert got["author_name"] == "Ann" and got["votes"]["counted"] == 2
    assert [d["total"] for d in got["votes"]["by_day"]] == [3, 2]


def test_the_place_at_the_close_is_the_report_s_ranking() -> None:
    # B leads; A and C tie on two votes and go by title: Boxes before Trees
    assert journey(ANON)["rank"] == {"position": 3, "of": 3, "votes": 2}
    # an idea hidden before the close is out of the race
    assert journey(ANON, b_status=IdeaStatus.HIDDEN)["rank"] == {
        "position": 2, "of": 2, "votes": 2}


def test_a_draft_plan_s_initiative_is_only_for_plan_readers() -> None:
    anonymous = journey(ANON)
    assert anonymous["initiatives"] == [{"initiative_id": str(INI), "shown": False}]
    assert [s["kind"] for s in anonymous["steps"]][-1] == "adopted"
    approved = journey(ANON, approved=True)
    [ini] = approved["initiatives"]
    assert [(m["title"], m["completed_on"]) for m in ini["milestones"]] == [
        ("Early", "2031-03-12"), ("Planted", "2031-03-20")]
    progress = approved["steps"][-1]
    assert progress["percent"] == 40.0 and "narrative" not in progress
    assert journey(PLANNER)["steps"][-1]["narrative"] == "On track."


def test_an_idea_that_is_not_published_is_for_its_author_and_staff_only() -> None:
    facts = campaign_facts() + [status(A, IdeaStatus.REJECTED, OPENS + timedelta(days=1),
                                       IdeaStatus.PUBLISHED, "Trees")]
    made = inputs(facts, {})
    assert assemble(made, ANON, {}) is None
    assert assemble(made, Viewer(sub="someone", staff=False, plan_reader=False), {}) is None
    own = assemble(made, Viewer(sub="author-Trees", staff=False, plan_reader=False), {})
    assert own is not None and own["status"] == "rejected" and own["title"] == "Trees"
    assert own["steps"][-2]["kind"] == "status"  # the rejection, then the close
    assert assemble(made, PLANNER, {}) is not None
    unknown = JourneyInputs(idea_id=uuid.uuid4(), facts=tuple(facts), votes_at_close={},
                            vote_days=(), replay=None, now=NOW)
    assert assemble(unknown, PLANNER, {}) is None
