"""One idea's journey over HTTP (`GET /ideas/{id}/journey`), from events on the real topics to
the reporting read model: submitted, moderated, revised, voted on over two days, second at the
close, funded by the campaign's own rule, answered, adopted, a milestone reached, progress."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.envelope import Envelope
from schemas.ideas import IdeaRevised, IdeaSubmitted
from schemas.moderation import Decision, ModerationDecided, RevisionDecided, RevisionDecision
from schemas.participation import AnswerState, IdeaAnswered
from schemas.votes import VoteCast, VoteWithdrawn
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from services.reporting.domain import local_day
from tests.e2e.test_reporting_api import TODAY, auth, new_plan, post
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


async def journey(http: httpx.AsyncClient, idea: uuid.UUID, token: str | None = None
                  ) -> httpx.Response:
    return await http.get(f"/ideas/{idea}/journey", headers=auth(token) if token else None)


def kinds(body: dict[str, Any]) -> list[str]:
    return [s["kind"] for s in body["steps"]]


@dataclass(frozen=True)
class Travelled:
    """What `travelled` made: ideas `a` (the one that goes all the way, by Ann, who agreed to
    be named) and `d` (rejected, by Dan, who did not), the campaign's window, the plan."""

    a: uuid.UUID
    d: uuid.UUID
    opens: datetime
    closes: datetime
    year: int
    initiative_id: str
    planner: str
    last_event: str


async def travelled(http: httpx.AsyncClient, producer: EventProducer,
                    token: Callable[..., str], uid: str) -> Travelled:
    """A pre-moderated campaign with a budget, published to the topics as an importer would
    (closed two days after it opened, a day ago), its ideas moderated and voted on over two
    days; then over HTTP a draft plan that adopts idea A and reports progress on it."""
    planner, moderator = token("planner", sub=f"planner-{uid}"), f"mod-{uid}"
    ann, dan = f"ann-{uid}", f"dan-{uid}"
    # Ann agrees to be named; Dan does not
    for who, shown in ((ann, True), (dan, False)):
        r = await http.put("/me/profile", headers=auth(token("participant", sub=who)),
                           json={"display_name": f"{who} Andersen", "show_name": shown})
        assert r.status_code == 200, r.text
    cid = uuid.uuid4()
    opens = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    closes = opens + timedelta(days=2)
    a, b, c, d = (uuid.uuid4() for _ in range(4))

    def at(hours: float) -> datetime:
        return opens + timedelta(hours=hours)

    def wrap(payload: Any, actor: str, when: datetime) -> Envelope:
        return Envelope.wrap(payload, actor=actor, occurred_at=when)

    def submitted(idea: uuid.UUID, who: str, title: str, cost: int) -> Envelope:
        return wrap(IdeaSubmitted(idea_id=idea, campaign_id=cid, title=title,
                                  body="Details follow.", estimated_cost=cost), who, at(1))

    def decided(idea: uuid.UUID, decision: Decision, reason: str) -> Envelope:
        return wrap(ModerationDecided(idea_id=idea, campaign_id=cid, decision=decision,
                                      reason=reason), moderator, at(2))

    await producer.publish(wrap(CampaignCreated(
        campaign_id=cid, title=f"Greener streets {uid}", question="What should we plant?",
        opens_at=opens, closes_at=closes, moderation=ModerationMode.PRE, budget=100,
        shows_author_names=True, vote_rules=VoteRules(max_votes_per_participant=3)),
        "staff-1", opens - timedelta(hours=1)))
    await producer.publish_many([
        submitted(a, ann, "Trees on Main Street", 40),
        submitted(b, f"bo-{uid}", "A park by the river", 50),
        submitted(c, f"cy-{uid}", "Flower boxes", 30),
        submitted(d, dan, "Paint the bridge", 20),
    ])
    await producer.publish_many([
        decided(a, Decision.APPROVE, "Clear and within the campaign's question"),
        decided(b, Decision.APPROVE, "Fine"), decided(c, Decision.APPROVE, "Fine"),
        decided(d, Decision.REJECT, "Outside the municipality's remit"),
        wrap(IdeaRevised(idea_id=a, campaign_id=cid, title="Trees on Main Street",
                         body="Twenty lindens."), ann, at(3)),
    ])
    await producer.publish(wrap(RevisionDecided(
        idea_id=a, campaign_id=cid, revision=2, decision=RevisionDecision.APPROVE,
        reason="Clearer"), moderator, at(4)))
    # day one: A gets two votes, B four, C one; day two: A one more, one of A's withdrawn
    ballots = [(1, a), (2, a), (4, b), (5, b), (6, b), (7, b), (8, c)]
    votes = [wrap(VoteCast(voter_id=f"v{n}-{uid}", campaign_id=cid, idea_id=i),
                  f"v{n}-{uid}", at(5 + k / 60)) for k, (n, i) in enumerate(ballots)]
    votes += [wrap(VoteCast(voter_id=f"v3-{uid}", campaign_id=cid, idea_id=a),
                   f"v3-{uid}", at(29)),
              wrap(VoteWithdrawn(voter_id=f"v1-{uid}", campaign_id=cid, idea_id=a),
                   f"v1-{uid}", at(30))]
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == 3,
                     timeout=60, what="the campaign's published ideas in the voting service")
    await producer.publish_many(votes)
    await eventually(lambda: http.get(f"/campaigns/{cid}/what-if"),
                     lambda r: r.status_code == 200 and r.json()["votes"] == 7, timeout=90,
                     what="the closed campaign's replay under other rules")

    # the plan: an initiative of a draft plan, the idea adopted into it, a milestone, progress
    year, iid = await new_plan(http, planner)
    await producer.publish(wrap(IdeaAnswered(
        idea_id=a, campaign_id=cid, state=AnswerState.TAKEN_FORWARD_INTO_INITIATIVE,
        reason="Part of the 2030 greening plan", initiative_id=uuid.UUID(iid)),
        f"staff-{uid}", datetime.now(UTC)))
    base = f"/plans/{year}/initiatives/{iid}"
    await post(http, f"{base}/ideas", {"idea_id": str(a), "note": "From the ideastorm"},
               planner)
    await post(http, f"{base}/milestones/model/completion",
               {"completed_on": TODAY.isoformat()}, planner)
    last = await post(http, f"{base}/progress", {"as_of": TODAY.isoformat(), "percent": 35,
                                                 "rag": "amber", "narrative": "Data is late."},
                      planner)
    return Travelled(a, d, opens, closes, year, iid, planner, str(last["event_id"]))


async def test_an_idea_s_journey_from_submission_to_its_initiative(
        stack: Stack, http: httpx.AsyncClient, producer: EventProducer,
        token: Callable[..., str], uid: str) -> None:
    t = await travelled(http, producer, token, uid)
    a, d, closes, year, iid, planner = t.a, t.d, t.closes, t.year, t.initiative_id, t.planner
    ann, dan = f"ann-{uid}", f"dan-{uid}"

    def at(hours: float) -> datetime:
        return t.opens + timedelta(hours=hours)

    r = await eventually(
        lambda: http.get(f"/ideas/{a}/journey", params={"wait_for": t.last_event},
                         headers=auth(planner)),
        lambda r: r.status_code == 200 and r.json()["selection"] is not None
        and r.json()["answer"] is not None and "revised" in kinds(r.json()),
        timeout=60, what="the whole journey in the reporting service")
    staff = r.json()
    assert kinds(staff) == ["submitted", "moderated", "revised", "voting_closed", "selection",
                            "answered", "adopted", "milestone_completed", "progress_reported"]
    times = [datetime.fromisoformat(s["at"]) for s in staff["steps"]]
    assert times == sorted(times)
    steps = {s["kind"]: s for s in staff["steps"]}
    assert steps["submitted"]["at"] == at(1).isoformat()
    assert steps["moderated"] | {"at": None} == {
        "kind": "moderated", "at": None, "decision": "approve",
        "reason": "Clear and within the campaign's question", "status": "published"}
    assert steps["revised"]["revision"] == 2
    # second of the three ideas in the race (the rejected one is not ranked), two votes counted
    assert steps["voting_closed"]["rank"] == {"position": 2, "of": 3, "votes": 2}
    assert steps["voting_closed"]["at"] == closes.isoformat()
    assert staff["votes"]["by_day"] == [
        {"day": local_day(at(5)).isoformat(), "cast": 2, "total": 2},
        {"day": local_day(at(29)).isoformat(), "cast": 1, "total": 2}]
    # the day-by-day series ends where the ranking's figure is: one formula
    assert staff["votes"]["counted"] == staff["votes"]["at_close"] == 2
    # budget 100: B (50) and then A (40) under the campaign's own greedy count
    selection = steps["selection"]
    assert selection["selected"] and selection["official"] == "greedy/baseline"
    assert {"name": "greedy/baseline", "rule": "greedy", "variation": "baseline",
            "official": True} in selection["funded_in"]
    assert steps["answered"]["state"] == "taken_forward_into_initiative"
    assert steps["answered"]["initiative_id"] == iid
    assert steps["adopted"]["title"] == "Kortlægning af innovationslandskabet"
    assert steps["milestone_completed"] | {"at": None} == {
        "kind": "milestone_completed", "at": None, "initiative_id": iid,
        "milestone_id": "model", "title": "Model", "completed_on": TODAY.isoformat()}
    assert steps["progress_reported"]["percent"] == 35.0
    assert steps["progress_reported"]["narrative"] == "Data is late."  # a plan reader
    [ini] = staff["initiatives"]
    assert ini["shown"] and ini["milestones"][0]["completed_on"] == TODAY.isoformat()
    assert staff["title"] == "Trees on Main Street" and staff["author_name"] == f"{ann} Andersen"

    # anyone sees the published idea's journey; the draft plan's initiative only by its id
    anonymous = (await journey(http, a)).json()
    assert kinds(anonymous) == ["submitted", "moderated", "revised", "voting_closed",
                                "selection", "answered", "adopted"]
    assert anonymous["initiatives"] == [{"initiative_id": iid, "shown": False}]
    assert [s["title"] for s in anonymous["steps"] if s["kind"] == "adopted"] == [None]
    assert anonymous["author_name"] == f"{ann} Andersen"
    # once the steering group approves the plan, its milestones and progress are public too,
    # without the owner's narrative
    approved = await post(http, f"/plans/{year}/approval",
                          {"meeting_id": str(uuid.uuid4()), "approved_on": TODAY.isoformat()},
                          planner)
    r = await http.get("/plans", params={"wait_for": approved["event_id"]},
                       headers=auth(planner))
    assert r.status_code == 200, r.text
    public = (await journey(http, a)).json()
    assert kinds(public) == kinds(staff)
    progress = [s for s in public["steps"] if s["kind"] == "progress_reported"]
    assert progress and "narrative" not in progress[0] and "rag" not in progress[0]

    # a rejected idea: not found for anyone but its author and staff; its author unnamed
    assert (await journey(http, d)).status_code == 404
    assert (await journey(http, d, token("participant", sub=f"someone-{uid}"))).status_code \
        == 404
    own = await journey(http, d, token("participant", sub=dan))
    assert own.status_code == 200, own.text
    assert own.json()["status"] == "rejected" and own.json()["author_name"] is None
    assert own.json()["title"] == "Paint the bridge"
    assert [s.get("decision") for s in own.json()["steps"]
            if s["kind"] == "moderated"] == ["reject"]
    assert (await journey(http, d, token("moderator"))).status_code == 200
    missing = await journey(http, uuid.uuid4())
    assert missing.status_code == 404 and missing.json()["detail"]["code"] == "not_found"

