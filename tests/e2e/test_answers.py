"""Official answers over HTTP: staff answer an idea, the answer is public on it and in the log;
a campaign's support threshold makes an answer due (once per idea) and the timer overdue (once)."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from schemas.campaigns import AnswerThreshold, CampaignCreated, ModerationMode
from schemas.envelope import Envelope
from schemas.participation import AnswerState, IdeaAnswerDue, IdeaAnswered, IdeaAnswerOverdue
from services.ideas.timers import announce_overdue_answers
from services.infra.kafka import EventProducer
from services.reporting.report.quarter import Quarter
from tests.e2e.ideas_client import IdeasClient, bearer
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> IdeasClient:
    return IdeasClient(http, token, uid)


async def logged(pool: asyncpg.Pool, kind: str, idea_id: str) -> list[dict[str, Any]]:
    """The events of `kind` about the idea in the event log (the archive every event is written
    to in the transaction that publishes it)."""
    rows = await pool.fetch(
        "SELECT convert_from(value, 'UTF8')::jsonb AS v FROM archive.events"
        " WHERE topic = 'status' AND convert_from(value, 'UTF8')::jsonb->>'type' = $1"
        " AND convert_from(value, 'UTF8')::jsonb->'payload'->>'idea_id' = $2", kind, idea_id)
    return [json.loads(r["v"]) if isinstance(r["v"], str) else r["v"] for r in rows]


async def test_an_answer_is_public_on_the_idea_and_a_later_one_replaces_it(
    client: IdeasClient, http: httpx.AsyncClient, token: Callable[..., str], pool: asyncpg.Pool
) -> None:
    campaign_id = await client.campaign(moderation="post")
    idea_id = await client.submit(campaign_id, client.participant("ann"), "Later opening hours")
    initiative = str(uuid.uuid4())
    first = await http.post(f"/ideas/{idea_id}/answers", headers=client.moderator, json={
        "state": "taken_forward_into_initiative", "reason": "part of the library plan",
        "initiative_id": initiative})
    await client.wait(first)

    public = (await http.get(f"/ideas/{idea_id}")).json()  # no sign-in: the answer is public
    assert public["answer"]["state"] == "taken_forward_into_initiative"
    assert public["answer"]["initiative_id"] == initiative
    assert public["answer"]["reason"] == "part of the library plan"
    assert public["answer"]["answered_by"] is None  # who answered is for staff to see
    assert (await client.idea(idea_id))["answer"]["answered_by"] == f"mod-{client.uid}"

    planner = bearer(token("planner", sub=f"plan-{client.uid}"))
    second = await http.post(f"/ideas/{idea_id}/answers", headers=planner, json={
        "state": "not_taken_forward", "reason": "the budget went to the schools"})
    await client.wait(second)
    answer = (await http.get(f"/ideas/{idea_id}")).json()["answer"]
    assert (answer["state"], answer["initiative_id"]) == ("not_taken_forward", None)

    log = (await http.get("/moderation/log", params={"idea_id": idea_id},
                          headers=client.moderator)).json()
    assert [(e["kind"], e["decision"], e["moderator"]) for e in log] == [
        ("answer", "not_taken_forward", f"plan-{client.uid}"),
        ("answer", "taken_forward_into_initiative", f"mod-{client.uid}")]
    assert [e["payload"]["state"] for e in await logged(pool, "idea.answered", idea_id)] \
        == ["taken_forward_into_initiative", "not_taken_forward"]


async def test_an_answer_that_cannot_be_given_is_refused_saying_why(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="pre")
    kept = await client.submit(campaign_id, client.participant("ann"), "Benches by the canal")
    await client.decide(kept, "approve", "fits")
    waiting = await client.submit(campaign_id, client.participant("bo"), "Benches at the canal")
    merged = await client.submit(campaign_id, client.participant("cy"), "Canal benches")
    await client.decide(merged, "merge", "the same idea", merge_into=kept)
    ok = {"state": "under_consideration", "reason": "we look at it in the spring"}

    async def refused(idea_id: str, body: dict[str, Any], headers: dict[str, str] | None = None
                      ) -> tuple[int, str]:
        r = await http.post(f"/ideas/{idea_id}/answers", json=body,
                            headers=headers or client.moderator)
        body = r.json()
        return r.status_code, body["code"] if "code" in body else body["detail"]["code"]

    assert await refused(kept, ok, client.participant("ann")) == (403, "forbidden")
    assert await refused(str(uuid.uuid4()), ok) == (404, "not_found")
    assert await refused(waiting, ok) == (409, "not_published")
    assert await refused(merged, ok) == (409, "idea_merged")
    assert await refused(kept, {**ok, "state": "taken_forward_into_initiative"}) \
        == (422, "invalid_request")
    assert await refused(kept, {**ok, "initiative_id": str(uuid.uuid4())}) \
        == (422, "invalid_request")
    assert await refused(kept, {**ok, "state": "maybe"}) == (422, "invalid_request")
    assert await refused(kept, {"state": "taken_forward"}) == (422, "invalid_request")
    assert (await http.get(f"/ideas/{kept}")).json()["answer"] is None


async def test_reaching_the_threshold_makes_one_answer_due_and_the_timer_one_overdue(
    client: IdeasClient, http: httpx.AsyncClient, pool: asyncpg.Pool, producer: EventProducer
) -> None:
    campaign_id = await client.campaign(moderation="post")
    # stated while the campaign is open: the promise may change at any time
    change = await http.patch(f"/campaigns/{campaign_id}", headers=client.admin,
                              json={"answer_threshold": {"supports": 2, "days": 3}})
    shown = (await client.wait(change, f"/campaigns/{campaign_id}")).json()
    assert shown["answer_threshold"] == {"supports": 2, "days": 3}
    idea_id = await client.submit(campaign_id, client.participant("ann"), "A night bus")

    async def due_list(status: str) -> list[dict[str, Any]]:
        r = await http.get("/moderation/answers", headers=client.moderator,
                           params={"status": status, "campaign_id": campaign_id})
        assert r.status_code == 200, r.text
        found: list[dict[str, Any]] = r.json()
        return found

    async def supports() -> int:
        r = await http.get(f"/campaigns/{campaign_id}/ideas")
        return int(r.json()["ideas"][0]["supports"])

    # a vote is taken once the voting service knows the idea (its own read of the topics)
    await eventually(lambda: http.get(f"/campaigns/{campaign_id}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == 1,
                     what="the idea known to the voting service")
    for n, voter in enumerate(["bo", "cy", "di"], start=1):
        vote = await http.post(f"/ideas/{idea_id}/votes", headers=client.participant(voter))
        assert vote.status_code == 202, vote.text
        await eventually(supports, lambda s, n=n: s == n, what=f"{n} supports counted")
        if n == 1:  # one short of the threshold: nothing is due yet
            assert await due_list("due") == []
            assert await logged(pool, "idea.answer_due", idea_id) == []
    # the tally that brought the third support was applied: an answer due from it would be in
    # the log by now (the derived event is written in the same transaction)
    [due] = await logged(pool, "idea.answer_due", idea_id)
    reached = datetime.fromisoformat(due["payload"]["reached_at"])
    assert datetime.fromisoformat(due["payload"]["due"]) == reached + timedelta(days=3)
    assert (due["payload"]["supports"], due["payload"]["threshold"]) == (2, 2)
    listed = await eventually(lambda: due_list("due"), lambda r: len(r) == 1, what="due listed")
    assert (listed[0]["idea_id"], listed[0]["standing"]) == (idea_id, "due")
    assert await due_list("overdue") == []

    # the clock is moved past the due date rather than waited for
    later = datetime.fromisoformat(due["payload"]["due"]) + timedelta(seconds=1)
    assert await announce_overdue_answers(pool, producer, later) == 1
    await eventually(lambda: due_list("overdue"), lambda r: [i["idea_id"] for i in r] == [idea_id],
                     what="overdue listed")
    # a restarted timer (nothing remembered) finds it recorded and publishes nothing again
    assert await announce_overdue_answers(pool, producer, later) == 0
    [overdue] = await logged(pool, "idea.answer_overdue", idea_id)
    assert overdue["payload"]["due"] == due["payload"]["due"]

    answer = await http.post(f"/ideas/{idea_id}/answers", headers=client.moderator, json={
        "state": "taken_forward", "reason": "the night bus runs from March"})
    await client.wait(answer)
    assert await due_list("overdue") == [] and await due_list("due") == []


async def test_the_quarterly_report_shows_answers_given_and_overdue_in_its_quarter(
    http: httpx.AsyncClient, token: Callable[..., str], producer: EventProducer
) -> None:
    planner = bearer(token("planner"))
    # a past quarter no other test writes to: its report is final, cut at the quarter's end
    q = Quarter(random.randint(2001, 2009), 2)
    campaign_id, idea_ids = uuid.uuid4(), [uuid.uuid4() for _ in range(3)]

    def at(days: float) -> datetime:
        return q.start + timedelta(days=days)

    def wrap(payload: Any, days: float, actor: str = "mod-1") -> Envelope:
        return Envelope.wrap(payload, actor=actor, occurred_at=at(days))

    events = [
        wrap(CampaignCreated(campaign_id=campaign_id, title=f"Natbusser {campaign_id}",
                             question="Hvor skal natbussen køre?", opens_at=at(1),
                             closes_at=at(20), moderation=ModerationMode.POST,
                             answer_threshold=AnswerThreshold(supports=2, days=7)), 0),
        wrap(IdeaAnswerDue(idea_id=idea_ids[0], campaign_id=campaign_id, supports=2,
                           threshold=2, reached_at=at(10), due=at(17)), 10, "system:ideas"),
        wrap(IdeaAnswered(idea_id=idea_ids[1], campaign_id=campaign_id,
                          state=AnswerState.NOT_TAKEN_FORWARD, reason="ikke i år"), 12),
        wrap(IdeaAnswerOverdue(idea_id=idea_ids[0], campaign_id=campaign_id, due=at(17)), 17,
             "system:ideas"),
        # in the next quarter: not in this quarter's report
        wrap(IdeaAnswered(idea_id=idea_ids[2], campaign_id=campaign_id,
                          state=AnswerState.TAKEN_FORWARD, reason="med i planen"), 95),
    ]
    await producer.publish_many(events)
    await eventually(
        lambda: http.get("/plans", params={"wait_for": str(events[3].event_id)},
                         headers=planner),
        lambda r: r.status_code == 200, timeout=60, what="the answers processed by reporting")

    made = await http.post("/reports", json={"quarter": str(q)}, headers=planner)
    assert made.status_code == 201, made.text
    page = (await http.get(made.json()["files"]["da.md"], headers=planner)).text
    ours = page[page.index(f"### Natbusser {campaign_id}"):]
    section = ours[ours.index("#### Officielle svar"):]
    section = re.split(r"\n##?#? ", section)[0]  # up to the next campaign or section
    assert "Kampagnen lover svar på idéer med 2 støtter inden for 7 dage." in section
    assert "| Ikke taget videre | 1 |" in section
    assert "Taget videre |" not in section  # the answer of the next quarter
    assert "Idéer, der nåede støttetærsklen i kvartalet: 1." in section
    assert "Svar over tiden \\(1\\)" in section
    assert "| Ikke besvaret |" in section
