"""The gateway keeps what it needs to admit a vote in memory, and a status event ends that: once
an idea is hidden, or its campaign's vote rules change, the next requests are judged on the new
state, not on what the gateway remembered."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.infra import db
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


def auth(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


async def test_a_hidden_idea_stops_taking_votes_at_the_edge_though_it_took_them_before(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer, pool: asyncpg.Pool,
    token: Callable[..., str], uid: str,
) -> None:
    now = datetime.now(UTC)
    cid, hidden, kept = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await producer.publish_many([
        Envelope.wrap(CampaignCreated(campaign_id=cid, title="Quieter streets", question="?",
                                      opens_at=now - timedelta(days=1),
                                      closes_at=now + timedelta(days=1),
                                      moderation=ModerationMode.POST,
                                      vote_rules=VoteRules(max_votes_per_participant=3)),
                      actor="staff-1", occurred_at=now - timedelta(days=2)),
        *(Envelope.wrap(IdeaStatusChanged(idea_id=i, campaign_id=cid, status=IdeaStatus.PUBLISHED,
                                          title="An idea"),
                        actor="staff-1", occurred_at=now - timedelta(days=1)) for i in (hidden, kept)),
    ])
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == 2,
                     what="campaign and ideas known to the voting service")
    for n in range(3):  # admitted, and remembered by the gateway
        r = await http.post(f"/ideas/{hidden}/votes",
                            headers=auth(token("participant", sub=f"early-{n}-{uid}")))
        assert r.status_code == 202, r.text

    change = Envelope.wrap(IdeaStatusChanged(idea_id=hidden, campaign_id=cid,
                                             status=IdeaStatus.HIDDEN, title="An idea"),
                           actor="mod-1", occurred_at=datetime.now(UTC))
    await producer.publish(change)
    await eventually(lambda: db.event_applied(pool, "voting", change.event_id), bool,
                     what="the voting service applied the hiding")
    late = auth(token("participant", sub=f"late-{uid}"))

    async def answer() -> httpx.Response:
        return await http.post(f"/ideas/{hidden}/votes", headers=late)

    refused = await eventually(answer, lambda r: r.status_code != 202, timeout=10,
                               what="the edge refusing votes for the hidden idea")
    # answered as reading the idea is: nothing tells that an unpublished idea is there
    assert refused.status_code == 404, refused.text
    assert refused.json() == (await http.get(f"/ideas/{hidden}", headers=late)).json()
    r = await http.post(f"/ideas/{kept}/votes", headers=late)
    assert r.status_code == 202, r.text  # the other idea of the campaign still takes votes


async def test_voting_on_a_pending_idea_answers_the_same_404_as_reading_it(
    stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    cid = await client.campaign(moderation="pre")
    author = client.participant("author")
    pending = await client.submit(cid, author, f"Benches by the canal {uid}")
    other = client.participant("other")
    read = await http.get(f"/ideas/{pending}", headers=other)
    assert read.status_code == 404, read.text  # pending: only its author and staff see it
    assert (await http.get(f"/ideas/{pending}", headers=author)).status_code == 200

    # the voting service knows the pending idea (staff see it in the tally) ...
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally", headers=client.moderator),
                     lambda r: r.status_code == 200
                     and [i["status"] for i in r.json()["ideas"]] == ["pending"],
                     what="the pending idea known to the voting service")
    # ... and answers a vote on it as an idea that does not exist, with the same body
    voted = await http.post(f"/ideas/{pending}/votes", headers=other)
    assert voted.status_code == 404, voted.text
    assert voted.json() == read.json()
    unknown = uuid.uuid4()
    assert (await http.post(f"/ideas/{unknown}/votes", headers=other)).json() == \
        (await http.get(f"/ideas/{unknown}", headers=other)).json()
