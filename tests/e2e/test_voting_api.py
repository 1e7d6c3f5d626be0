"""Votes through the HTTP API: cast, refusals visible to the voter, withdraw, tally, ranking."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC)


async def campaign_with_ideas(producer: EventProducer, n: int, *, open_now: bool = True,
                              max_votes: int = 2) -> tuple[uuid.UUID, list[uuid.UUID]]:
    cid = uuid.uuid4()
    opens = NOW - timedelta(days=1) if open_now else NOW - timedelta(days=10)
    created = CampaignCreated(campaign_id=cid, title="Greener commutes", question="How?",
                              opens_at=opens, closes_at=opens + timedelta(days=5),
                              moderation=ModerationMode.POST,
                              vote_rules=VoteRules(max_votes_per_participant=max_votes))
    ideas = [uuid.uuid4() for _ in range(n)]
    await producer.publish_many([
        Envelope.wrap(created, actor="staff-1", occurred_at=opens - timedelta(hours=1)),
        *(Envelope.wrap(IdeaStatusChanged(idea_id=i, campaign_id=cid,
                                          status=IdeaStatus.PUBLISHED, title=f"idea {k}"),
                        actor="staff-1", occurred_at=opens)
          for k, i in enumerate(ideas)),
    ])
    return cid, ideas


def auth(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


async def get_json(http: httpx.AsyncClient, url: str, **kw: Any) -> Any:
    r = await http.get(url, **kw)
    return r.json() if r.status_code == 200 else None


async def test_a_participant_votes_sees_refusals_withdraws_and_the_tally_follows(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer,
    token: Callable[..., str], uid: str,
) -> None:
    cid, (a, b, c) = await campaign_with_ideas(producer, 3, max_votes=2)
    me = auth(token("participant", sub=f"p-{uid}", sector="municipality"))
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == 3,
                     what="campaign known to the voting service")

    for idea in (a, b, a, c):  # the second vote on a is a duplicate, c exceeds the budget
        r = await http.post(f"/ideas/{idea}/votes", headers=me, json={"value": 1})
        assert r.status_code == 202, r.text
        assert uuid.UUID(r.json()["event_id"])

    mine = await eventually(lambda: get_json(http, f"/me/votes?campaign={cid}", headers=me),
                            lambda m: m is not None and len(m["votes"]) == 4, what="my votes")
    assert sorted((v["state"], v["reason"]) for v in mine["votes"]) == [
        ("counted", None), ("counted", None), ("refused", "budget_exceeded"),
        ("refused", "duplicate")]
    assert mine["remaining"] == 0

    tally = (await http.get(f"/campaigns/{cid}/tally")).json()["ideas"]
    assert {t["idea_id"]: t["supports"] for t in tally} == {str(a): 1, str(b): 1, str(c): 0}

    r = await http.delete(f"/ideas/{a}/votes", headers=me)
    assert r.status_code == 202
    await eventually(lambda: get_json(http, f"/campaigns/{cid}/tally", params={"format": "json"}),
                     lambda t: {i["idea_id"]: i["supports"] for i in t["ideas"]}[str(a)] == 0,
                     what="withdrawal in the tally")
    mine = (await http.get(f"/me/votes?campaign={cid}", headers=me)).json()
    assert mine["remaining"] == 1

    r = await http.get(f"/campaigns/{cid}/tally", headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["idea_id"]: int(row["supports"]) for row in rows} == {
        str(a): 0, str(b): 1, str(c): 0}

    ranking = (await http.get(f"/campaigns/{cid}/ranking")).json()["ranking"]
    assert ranking[0]["idea_id"] == str(b) and ranking[0]["rank"] == 1

    # participation counts the two votes that were not refused, under the voter's sector
    sectors = (await http.get(f"/campaigns/{cid}/participation")).json()["per_sector"]
    assert sectors == [{"sector": "municipality", "votes": 2, "voters": 1}]


async def test_bad_vote_requests_get_4xx_that_say_what_was_wrong(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer,
    token: Callable[..., str], uid: str,
) -> None:
    closed_cid, (old,) = await campaign_with_ideas(producer, 1, open_now=False)
    me = auth(token("participant", sub=f"p-{uid}"))
    await eventually(lambda: http.get(f"/campaigns/{closed_cid}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == 1,
                     what="campaign known")
    r = await http.post(f"/ideas/{old}/votes", headers=me)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "campaign_closed"

    r = await http.post(f"/ideas/{uuid.uuid4()}/votes", headers=me)
    assert r.status_code == 404 and r.json()["detail"]["code"] == "not_found"

    r = await http.post(f"/ideas/{old}/votes", json={"value": 0}, headers=me)
    assert r.status_code == 422 and "value" in r.json()["detail"]["message"]

    r = await http.post(f"/ideas/{old}/votes")
    assert r.status_code == 401

    r = await http.get(f"/campaigns/{uuid.uuid4()}/ranking")
    assert r.status_code == 404

    r = await http.get("/me/votes", headers=me)
    assert r.status_code == 422 and "campaign" in r.json()["detail"]["message"]

    staff = auth(token("planner", sub=f"s-{uid}"))
    r = await http.post(f"/ideas/{old}/votes", headers=staff)
    assert r.status_code == 403
