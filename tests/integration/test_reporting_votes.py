"""Ideas adopted into an initiative show their vote tallies as of a date, counted by the
reporting service itself from `votes` (the voting service's tables are not read)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest

from schemas.envelope import Envelope
from schemas.plan import ActionPlanDrafted, IdeaAdopted, InitiativeDefined
from schemas.votes import VoteCast, VoteWithdrawn
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from services.reporting import queries
from tests.helpers import eventually

pytestmark = pytest.mark.integration

# a plan year (and vote dates) no other suite uses: see test_reporting_projection.py (2001 is
# the what-if report test's, 2003 the report pipeline's)
_YEARS = random.sample([2000, 2002, 2004], 3)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def vote(kind: type[VoteCast | VoteWithdrawn], voter: str, campaign: uuid.UUID,
         idea: uuid.UUID, day: str, value: int | None = None) -> Envelope:
    fields: dict[str, Any] = {"voter_id": voter, "campaign_id": campaign, "idea_id": idea}
    if value is not None:
        fields["value"] = value
    return Envelope.wrap(kind(**fields), actor=voter, occurred_at=at(day))


async def test_adopted_ideas_show_their_vote_tally_as_of_a_date(
        stack: Stack, pool: asyncpg.Pool, producer: EventProducer) -> None:
    year, iid, idea, campaign = _YEARS.pop(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    y = str(year)
    plan = [
        Envelope.wrap(ActionPlanDrafted(year=year, title="P", tracks=[
            {"code": "FINDE", "title": "F"}]), actor="planner-1", occurred_at=at(f"{y}-01-02")),
        Envelope.wrap(InitiativeDefined(
            initiative_id=iid, year=year, track="FINDE", title="T", description="d",
            owner="staff-1", period={"start": f"{y}-01-01", "end": f"{y}-12-31"},
            budget_dkk=1), actor="planner-1", occurred_at=at(f"{y}-01-03")),
        Envelope.wrap(IdeaAdopted(initiative_id=iid, idea_id=idea, decided_by="lead-1"),
                      actor="lead-1", occurred_at=at(f"{y}-06-01")),
    ]
    voters = [f"v-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    votes = [
        vote(VoteCast, voters[0], campaign, idea, f"{y}-03-01"),
        vote(VoteCast, voters[1], campaign, idea, f"{y}-03-02"),
        vote(VoteCast, voters[2], campaign, idea, f"{y}-03-03", value=-1),
        vote(VoteCast, voters[3], campaign, idea, f"{y}-03-04"),
        vote(VoteWithdrawn, voters[3], campaign, idea, f"{y}-04-01"),
        vote(VoteCast, voters[2], campaign, idea, f"{y}-05-01", value=1),  # changed its mind
    ]
    for env in [*plan, *votes]:
        await producer.publish(env)
    ids = [e.event_id for e in [*plan, *votes]]
    await eventually(lambda: pool.fetchval(
        "SELECT count(*) FROM reporting.applied_events WHERE event_id = ANY($1)", ids),
        lambda n: n == len(ids), what="the reporting worker has the votes")

    async def tally(day: date) -> dict[str, int]:
        return (await queries.ideas_as_of(pool, [idea], day))[idea]["votes"]  # type: ignore[no-any-return]

    assert await tally(date(year, 2, 28)) == {"up": 0, "down": 0, "net": 0}
    assert await tally(date(year, 3, 4)) == {"up": 3, "down": 1, "net": 2}
    assert await tally(date(year, 4, 1)) == {"up": 2, "down": 1, "net": 1}
    assert await tally(date(year, 5, 1)) == {"up": 3, "down": 0, "net": 3}
    view = await queries.initiative(pool, year, iid, date(year, 6, 1))
    assert view is not None and view["ideas"][0]["votes"] == {"up": 3, "down": 0, "net": 3}
