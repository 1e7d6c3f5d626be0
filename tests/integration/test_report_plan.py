"""The report over plan, progress, budget and vote events on the real broker and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import asyncpg
import pytest

from schemas.campaigns import CampaignCreated
from schemas.common import Sector
from schemas.envelope import Envelope
from schemas.ideas import IdeaSubmitted
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from schemas.plan import (
    ActionPlanApproved,
    ActionPlanDrafted,
    BudgetApproved,
    FunderShares,
    Goal,
    GoalMeasured,
    IdeaAdopted,
    InitiativeDefined,
    Milestone,
    MilestoneCompleted,
    Period,
    ProgressReported,
    Rag,
    Track,
)
from schemas.votes import VoteCast, VoteWithdrawn
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from services.reporting.handlers import generate
from services.reporting.report.model import Rag as ReportRag
from services.reporting.report.quarter import Quarter
from tests.helpers import eventually
from tests.integration.test_report_pipeline import YEARS, recorder, send  # noqa: F401

pytestmark = pytest.mark.integration


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


async def send_votes(producer: EventProducer, pool: asyncpg.Pool, envs: list[Envelope]) -> None:
    for env in envs:
        await producer.publish(env)
    ids = [e.event_id for e in envs]

    async def recorded() -> int:
        return int(await pool.fetchval(
            "SELECT count(*) FROM reporting.votes WHERE event_id = ANY($1::uuid[])", ids))

    await eventually(recorded, lambda n: n == len(ids), timeout=90, what="votes recorded")


async def test_plan_progress_budget_votes_and_adoptions(
        pool: asyncpg.Pool, producer: EventProducer, recorder: Stack) -> None:  # noqa: F811
    y = YEARS["plan"]
    ini = uuid.uuid4()
    staff = "coi-konsulent-1"

    def wrap(payload: object, when: datetime) -> Envelope:
        return Envelope.wrap(payload, actor=staff, occurred_at=when)  # type: ignore[arg-type]

    plan = [
        wrap(ActionPlanDrafted(year=y, title=f"Handlingsplan {y}",
                               tracks=[Track(code="FINDE", title="Finde")]), at(y, 1, 3)),
        wrap(ActionPlanApproved(year=y, meeting_id=uuid.uuid4(), approved_on=date(y, 1, 20)),
             at(y, 1, 20)),
        wrap(BudgetApproved(year=y, amount_dkk=10_000_000,
                            shares=FunderShares(state=4_000_000, municipalities=4_000_000,
                                                regions=2_000_000)), at(y, 1, 20)),
        wrap(InitiativeDefined(
            initiative_id=ini, year=y, track="FINDE", code="F2",
            title="Dialog om innovative løsninger", description="Idéstorme.", owner=staff,
            period=Period(start=date(y, 1, 1), end=date(y, 12, 31)), budget_dkk=2_000_000,
            goals=[Goal(goal_id="ideer", title="Idéer indsendt", indicator="antal idéer",
                        unit="idéer", baseline=0, target=4, due=date(y, 12, 31))],
            milestones=[Milestone(milestone_id="storm", title="Første idéstorm",
                                  due=date(y, 6, 30))]), at(y, 1, 5)),
        wrap(ProgressReported(initiative_id=ini, as_of=date(y, 3, 25), percent=20,
                              rag=Rag.GREEN, narrative="Planlagt.", reported_by=staff),
             at(y, 3, 25)),
        wrap(ProgressReported(initiative_id=ini, as_of=date(y, 6, 25), percent=45,
                              rag=Rag.AMBER, narrative="Færre deltagere end ventet.",
                              reported_by=staff), at(y, 6, 25)),
        wrap(MilestoneCompleted(initiative_id=ini, milestone_id="storm",
                                completed_on=date(y, 6, 15)), at(y, 6, 15)),
        wrap(GoalMeasured(initiative_id=ini, goal_id="ideer", value=5,
                          measured_on=date(y, 6, 16), source="idéstorm"), at(y, 6, 16)),
    ]
    cid = uuid.uuid4()
    plan.append(wrap(CampaignCreated(campaign_id=cid, title="Idéstorm", question="Hvad?",
                                     opens_at=at(y, 6, 1), closes_at=at(y, 6, 14)),
                     at(y, 5, 25)))
    ideas = [uuid.uuid4() for _ in range(3)]
    for n, iid in enumerate(ideas):
        plan.append(Envelope.wrap(IdeaSubmitted(idea_id=iid, campaign_id=cid, title=f"Idé {n}",
                                                body="..."), actor=f"p-{n}",
                                  occurred_at=at(y, 6, 2)))
        # the report names an idea only while it is published
        plan.append(wrap(IdeaStatusChanged(idea_id=iid, campaign_id=cid,
                                           status=IdeaStatus.PUBLISHED, title=f"Idé {n}"),
                         at(y, 6, 3)))
    plan.append(wrap(IdeaAdopted(initiative_id=ini, idea_id=ideas[1], decided_by=staff),
                     at(y, 6, 20)))
    # a Q3 report that must not leak into Q2
    plan.append(wrap(ProgressReported(initiative_id=ini, as_of=date(y, 9, 1), percent=90,
                                      rag=Rag.RED, narrative="Senere.", reported_by=staff),
                     at(y, 9, 1)))
    await send(producer, pool, plan)

    votes = []
    for v in range(6):
        for iid in ideas[: 1 + v % 3]:
            votes.append(Envelope.wrap(VoteCast(voter_id=f"v-{v}", campaign_id=cid, idea_id=iid,
                                                sector=Sector.REGION if v < 2 else None),
                                       actor=f"v-{v}", occurred_at=at(y, 6, 3 + v)))
    # v-0 withdraws; a vote after the quarter does not count
    votes.append(Envelope.wrap(VoteWithdrawn(voter_id="v-0", campaign_id=cid, idea_id=ideas[0]),
                               actor="v-0", occurred_at=at(y, 6, 10)))
    votes.append(Envelope.wrap(VoteCast(voter_id="v-9", campaign_id=cid, idea_id=ideas[2]),
                               actor="v-9", occurred_at=at(y, 7, 2)))
    await send_votes(producer, pool, votes)

    report = (await generate(pool, Quarter(y, 2))).report
    assert report.cover.plan_title == f"Handlingsplan {y}"
    (f2,) = report.initiatives
    assert (f2.percent_done, f2.rag, f2.rag_previous) == (45.0, ReportRag.AMBER, ReportRag.GREEN)
    assert [m.title for m in f2.milestones_completed] == ["Første idéstorm"]
    assert report.goals[0].actual == 5 and report.goals[0].met
    assert f2.adopted_ideas == ("Idé 1",)
    assert report.economy is not None and report.economy.total == 10_000_000
    (c,) = report.campaigns.items
    # voters 0..5 support 1, 2 or 3 ideas: 1+2+3+1+2+3 = 12 votes, minus v-0's withdrawal
    assert c.votes == 11
    assert c.participants == 5 + 3  # v-0 has no active vote left; three idea authors
    assert [(i.title, i.votes) for i in c.top_ideas] == [("Idé 0", 5), ("Idé 1", 4),
                                                         ("Idé 2", 2)]
    assert sum(d.count for d in c.votes_by_day) == 12
    assert [a.idea_title for a in c.adopted_ideas] == ["Idé 1"]
    assert {s.sector: s.participants for s in c.participants_by_sector} == {
        "region": 1, "unknown": 7}
    kinds = {ch.kind for ch in report.summary.changes}
    assert {"rag_changed", "milestone_completed", "goal_met", "idea_adopted"} <= kinds
    votes_source = next(s for s in report.appendix if s.figure == "votes")
    assert votes_source.fingerprint.event_count == 13  # 12 casts and the withdrawal, not July's
    assert report.cover.cutoff == Quarter(y, 2).end
