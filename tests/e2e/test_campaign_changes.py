"""Changing a campaign through the API: the change reaches the ideas read model and the voting
service (a later close lets a vote through that the old close refuses), what may not change now
is refused with its rule, a repeated request is one change, and a change of a campaign nobody
knows is dead-lettered by every service that keeps campaigns."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.campaigns import CampaignChanged, ModerationMode, VoteRules
from schemas.common import Sector
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from schemas.votes import VoteCast
from services.infra import db
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.voting import domain, projections
from services.voting import queries as voting
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


def auth(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


async def create(http: httpx.AsyncClient, admin: dict[str, str], now: datetime) -> str:
    r = await http.post("/campaigns", headers=admin, json={
        "title": "Kortere køer", "question": "Hvordan?", "moderation": "post",
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "vote_rules": {"mode": "support", "max_votes_per_participant": 3}})
    assert r.status_code == 202, r.text
    cid: str = r.json()["campaign_id"]
    await eventually(lambda: http.get(f"/campaigns/{cid}",
                                      params={"wait_for": r.json()["event_id"]}, headers=admin),
                     lambda g: g.status_code == 200, what="the campaign in the ideas read model")
    return cid


async def closes_in_voting(pool: asyncpg.Pool, cid: str) -> datetime | None:
    at: datetime | None = await pool.fetchval(
        "SELECT closes_at FROM voting.campaigns WHERE campaign_id = $1", uuid.UUID(cid))
    return at


async def test_a_later_close_reaches_the_ideas_read_model_and_lets_a_vote_through(
    stack: Stack, http: httpx.AsyncClient, pool: asyncpg.Pool, producer: EventProducer,
    token: Callable[..., str], uid: str,
) -> None:
    await db.migrate(pool, "voting")
    now = datetime.now(UTC).replace(microsecond=0)
    admin = auth(token("admin", sub=f"admin-{uid}"))
    changed, unchanged = await create(http, admin, now), await create(http, admin, now)
    later = now + timedelta(days=3)

    change = {"closes_at": later.isoformat(), "title": "Kortere køer, en uge mere",
              "reason": "Flere vil gerne nå at stemme"}
    key = {"Idempotency-Key": f"later-close-{uid}"}
    r = await http.patch(f"/campaigns/{changed}", headers=admin | key, json=change)
    assert r.status_code == 202, r.text
    event_id = r.json()["event_id"]
    seen = await http.get(f"/campaigns/{changed}", params={"wait_for": event_id}, headers=admin)
    c = seen.json()
    assert (c["title"], datetime.fromisoformat(c["closes_at"])) == (change["title"], later)
    assert c["question"] == "Hvordan?" and c["phase"] == "open"
    assert c["fixed"]["audience"] == "campaign_open_settings" and "closes_at" not in c["fixed"]

    # the same request again, applied or not, is the same change
    again = await http.patch(f"/campaigns/{changed}", headers=admin | key, json=change)
    assert (again.status_code, again.json()["event_id"]) == (202, event_id)

    # what may not change while people vote is refused with its rule, and nothing changes
    refusals = [
        ({"audience": ["citizen"]}, 409, "campaign_open_settings"),
        ({"vote_rules": {"mode": "updown", "max_votes_per_participant": 3}}, 409,
         "campaign_open_settings"),
        ({"shows_author_names": True}, 409, "author_names_after_opening"),
        ({"closes_at": (now - timedelta(minutes=5)).isoformat()}, 422, "closes_in_past"),
        ({"title": change["title"]}, 422, "nothing_changed"),
        ({"title": None}, 422, "invalid_request"),
    ]
    for body, status, code in refusals:
        r = await http.patch(f"/campaigns/{changed}", headers=admin, json=body)
        assert (r.status_code, r.json()["detail"]["code"]) == (status, code), (body, r.text)
        assert r.json()["detail"]["message"]
    r = await http.patch(f"/campaigns/{uuid.uuid4()}", headers=admin, json=change)
    assert r.status_code == 404
    participant = auth(token("participant", sub=f"p-{uid}"))
    r = await http.patch(f"/campaigns/{changed}", headers=participant, json=change)
    assert r.status_code == 403

    # the voting service has the later close; a vote after the old close counts there only
    await eventually(lambda: closes_in_voting(pool, changed), lambda at: at == later,
                     what="the later close in the voting service")
    ideas = {cid: uuid.uuid4() for cid in (changed, unchanged)}
    voter = f"v-{uid}"
    after_old_close = now + timedelta(hours=2)
    await producer.publish_many([
        *(Envelope.wrap(IdeaStatusChanged(idea_id=i, campaign_id=uuid.UUID(cid),
                                          status=IdeaStatus.PUBLISHED, title="Flere skranker"),
                        actor="staff-1", occurred_at=now - timedelta(minutes=30))
          for cid, i in ideas.items()),
        *(Envelope.wrap(VoteCast(voter_id=voter, campaign_id=uuid.UUID(cid), idea_id=i),
                        actor=voter, occurred_at=after_old_close)
          for cid, i in ideas.items())])

    async def judged(cid: str) -> list[tuple[str, str | None]]:
        mine = await voting.my_votes(pool, voter, uuid.UUID(cid), after_old_close)
        return [(v["state"], v["reason"]) for v in mine["votes"]]

    assert await eventually(lambda: judged(changed), lambda v: v != [] and v[0][0] != "pending",
                            what="the vote in the changed campaign") == [("counted", None)]
    assert await eventually(lambda: judged(unchanged),
                            lambda v: v != [] and v[0][0] != "pending",
                            what="the vote in the unchanged campaign") == [
        ("refused", "campaign_closed")]


async def dead_letters(bootstrap: str, event_id: str, consumers: set[str],
                       timeout: float = 60) -> dict[str, str]:
    """consumer -> reason, for the event on status.dlq, once each of `consumers` refused it."""
    consumer = AIOKafkaConsumer("status.dlq", bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: dict[str, str] = {}
    try:
        deadline = time.monotonic() + timeout
        while not consumers <= found.keys() and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    body: dict[str, Any] = json.loads(r.value)
                    if json.loads(body["original"])["event_id"] == event_id:
                        found[body["consumer"]] = body["reason"]
    finally:
        await consumer.stop()
    return found


async def test_a_change_of_a_campaign_nobody_knows_is_dead_lettered_with_its_reason(
    stack: Stack, infra: Settings, producer: EventProducer,
) -> None:
    now = datetime.now(UTC)
    orphan = Envelope.wrap(CampaignChanged(
        campaign_id=uuid.uuid4(), changed=["closes_at"], title="Ingen", question="Hvad?",
        opens_at=now, closes_at=now + timedelta(days=1), audience=list(Sector),
        moderation=ModerationMode.PRE, vote_rules=VoteRules(), flag_threshold=3,
        shows_author_names=False), actor="staff-1", occurred_at=now)
    await producer.publish_many([orphan])
    assert infra.kafka_bootstrap_servers
    found = await dead_letters(infra.kafka_bootstrap_servers, str(orphan.event_id),
                               {"ideas", "voting.status"})
    assert found == {"ideas": "unknown_campaign", "voting.status": "unknown_campaign"}


async def test_before_opening_new_vote_rules_and_audience_reach_the_voting_service(
    stack: Stack, http: httpx.AsyncClient, pool: asyncpg.Pool, token: Callable[..., str],
    uid: str,
) -> None:
    await db.migrate(pool, "voting")
    now = datetime.now(UTC).replace(microsecond=0)
    admin = auth(token("admin", sub=f"admin-{uid}"))
    r = await http.post("/campaigns", headers=admin, json={
        "title": "Senere", "question": "Hvad?", "opens_at": (now + timedelta(days=2)).isoformat(),
        "closes_at": (now + timedelta(days=9)).isoformat(),
        "vote_rules": {"mode": "support", "max_votes_per_participant": 3}})
    assert r.status_code == 202, r.text
    cid = r.json()["campaign_id"]
    await http.get(f"/campaigns/{cid}", params={"wait_for": r.json()["event_id"]}, headers=admin)
    r = await http.patch(f"/campaigns/{cid}", headers=admin, json={
        "vote_rules": {"mode": "updown", "max_votes_per_participant": 1},
        "audience": ["citizen"], "budget": 400_000, "moderation": "post"})
    assert r.status_code == 202, r.text
    c = (await http.get(f"/campaigns/{cid}", params={"wait_for": r.json()["event_id"]},
                        headers=admin)).json()
    assert (c["vote_rules"], c["audience"], c["budget"], c["moderation"], c["fixed"]) == (
        {"mode": "updown", "max_votes_per_participant": 1}, ["citizen"], 400_000, "post", {})

    async def in_voting() -> domain.Campaign | None:
        async with pool.acquire() as conn:
            return (await projections.load_campaigns(conn, {uuid.UUID(cid)})).get(uuid.UUID(cid))

    campaign = await eventually(in_voting, lambda k: k is not None and len(k.rules) == 2,
                                what="the new vote rules in the voting service")
    assert campaign is not None
    rules = campaign.rules_at(campaign.opens_at)  # what every vote of the campaign meets
    assert (rules.mode.value, rules.max_votes) == ("updown", 1)
    assert campaign.audience == frozenset({Sector.CITIZEN})
    budget = await pool.fetchval("SELECT budget FROM voting.campaigns WHERE campaign_id = $1",
                                 uuid.UUID(cid))
    assert budget == 400_000
