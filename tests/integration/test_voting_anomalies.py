"""Suspect votes are held, not counted: a burst from one client fingerprint, on the real broker
and database, through the gateway's routes; moderators release or discard them; a replay of
the topics from offset 0 (in another interleaving) reaches the same holds and the same tally."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.envelope import Envelope, decode
from schemas.votes import TallyChanged, VoteCast
from services.infra import db
from services.infra.consumer import Message
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.voting import queries
from services.voting.handlers import StatusProjection, VoteProjection
from services.voting.settings import VotingSettings
from tests.helpers import eventually
from tests.integration.test_voting_tally import NOW, campaign_created, status, supports

pytestmark = pytest.mark.integration


def bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


async def read_campaign_messages(bootstrap: str, topic: str, campaign_id: str, *, expect: int,
                                 timeout: float = 60) -> list[Message]:
    """Every message of `topic` from offset 0 whose payload names the campaign."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: list[Message] = []
    try:
        deadline = time.monotonic() + timeout
        while len(found) < expect and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
                for r in records:
                    if json.loads(r.value).get("payload", {}).get("campaign_id") != campaign_id:
                        continue
                    env, payload = decode(r.value)
                    found.append(Message(r.topic, r.partition, r.offset, r.key, r.value, env,
                                         payload))
    finally:
        await consumer.stop()
    return found


async def vote_states(conn: Any, campaign_id: uuid.UUID) -> dict[uuid.UUID, str]:
    return {r["event_id"]: r["state"] for r in await conn.fetch(
        "SELECT event_id, state FROM voting.votes WHERE campaign_id = $1", campaign_id)}


async def held_burst(pool: asyncpg.Pool, producer: EventProducer, uid: str
                     ) -> tuple[uuid.UUID, uuid.UUID, list[str], list[dict[str, Any]]]:
    """A campaign whose one idea got a burst of votes from one client (all held) and one vote
    from elsewhere (counted): the campaign, the idea, the burst's voters and its held votes."""
    rules = VotingSettings().hold_rules()
    burst = rules.burst_votes
    created = campaign_created(max_votes=1)
    cid = uuid.UUID(created.payload["campaign_id"])
    idea = uuid.uuid4()
    await producer.publish_many([created, status(cid, idea)])
    client = f"fingerprint-{uid}"
    start = NOW - timedelta(hours=1)
    voters = [f"b{n}-{uid}" for n in range(burst)]
    # a script: `burst` votes from one client within half the window, and one person elsewhere
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=v, campaign_id=cid, idea_id=idea, client=client),
                      actor=v, occurred_at=start + rules.burst_window * n / (2 * burst))
        for n, v in enumerate(voters)
    ] + [Envelope.wrap(VoteCast(voter_id=f"calm-{uid}", campaign_id=cid, idea_id=idea,
                                client=f"other-{uid}"), actor=f"calm-{uid}", occurred_at=start)])

    held = await eventually(lambda: queries.held_votes(pool, cid, limit=1000, offset=0),
                            lambda h: len(h) == burst, what="the burst held")
    assert await supports(pool, cid) == {idea: (1, 0)}  # only the calm vote counts
    return cid, idea, voters, held


async def test_a_burst_is_held_out_of_the_tally_until_moderators_release_or_discard_it(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    assert infra.kafka_bootstrap_servers and infra.database_url
    rules = VotingSettings().hold_rules()
    burst = rules.burst_votes
    cid, idea, voters, held = await held_burst(pool, producer, uid)

    moderator = bearer(token("moderator", sub=f"mod-{uid}"))
    listed = (await http.get("/moderation/votes", params={"campaign_id": str(cid), "limit": 500},
                             headers=moderator)).json()
    assert sorted(h["voter_id"] for h in listed) == sorted(voters)
    assert all(h["reason"].startswith("client_burst") for h in listed)

    first = bearer(token("participant", sub=voters[0]))
    mine = (await http.get("/me/votes", params={"campaign": str(cid)}, headers=first)).json()
    assert [(v["state"], v["reason"]) for v in mine["votes"]] == [("held", rules.burst_reason())]
    assert mine["held"] == 1 and mine["remaining"] == 0  # a held vote uses the budget

    by_voter = {h["voter_id"]: h["event_id"] for h in held}
    released, discarded = str(by_voter[voters[0]]), str(by_voter[voters[1]])
    for event_id, decision in ((released, "release"), (discarded, "discard")):
        r = await http.post("/moderation/votes/decisions", headers=moderator, json={
            "event_id": event_id, "decision": decision, "reason": f"checked {decision}"})
        assert r.status_code == 202, r.text
    await eventually(lambda: supports(pool, cid), lambda t: t == {idea: (2, 0)},
                     what="the released vote counted")

    async def published() -> list[tuple[int, int]]:
        """The figures voting published for the idea (`tally.changed`), in the topic's order."""
        found = await read_campaign_messages(infra.kafka_bootstrap_servers or "", "status",
                                             str(cid), expect=10**6, timeout=3)
        return [(t.supports, t.opposes) for m in found if isinstance(m.payload, TallyChanged)
                for t in m.payload.ideas if t.idea_id == idea]
    # other services show the tally's figure, without the held votes, and follow the release
    figures = await eventually(published, lambda f: f[-1:] == [(2, 0)],
                               what="the released vote's tally published")
    assert (1, 0) in figures  # the calm vote alone, while the burst was held
    again = await http.post("/moderation/votes/decisions", headers=moderator, json={
        "event_id": released, "decision": "discard", "reason": "changed my mind"})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "vote_not_held", \
        again.text
    second = bearer(token("participant", sub=voters[1]))
    mine = (await eventually(
        lambda: http.get("/me/votes", params={"campaign": str(cid)}, headers=second),
        lambda r: r.json()["votes"][0]["state"] != "held", what="the discard applied")).json()
    assert [v["state"] for v in mine["votes"]] == ["discarded"] and mine["remaining"] == 1

    log = await eventually(
        lambda: http.get("/moderation/log", params={"campaign_id": str(cid)}, headers=moderator),
        lambda r: len([e for e in r.json() if e["kind"] == "vote"]) == 2,
        what="the decisions in the moderation log")
    entries = {e["vote_event_id"]: e for e in log.json()}
    assert entries[released]["decision"] == "release"
    assert entries[discarded]["reason"] == "checked discard"
    assert entries[released]["moderator"] == f"mod-{uid}"

    # replay: the campaign's messages from offset 0 into a fresh database, decisions first
    live_states = await vote_states(pool, cid)
    votes = await read_campaign_messages(infra.kafka_bootstrap_servers, "votes", str(cid),
                                         expect=burst + 1)
    statuses = await read_campaign_messages(infra.kafka_bootstrap_servers, "status", str(cid),
                                            expect=4)
    name = f"replay_{uid}"
    await pool.execute(f"CREATE DATABASE {name}")
    replayed = await asyncpg.create_pool(infra.database_url, database=name, min_size=1,
                                         max_size=2)
    assert replayed is not None
    try:
        await db.migrate(replayed, "voting")
        vote_projection, status_projection = VoteProjection(rules), StatusProjection()
        async with replayed.acquire() as conn:
            async with conn.transaction():
                await status_projection.apply(conn, statuses)
            for m in sorted(votes, key=lambda m: (-m.partition, m.offset)):
                async with conn.transaction():  # one vote per batch, partitions in reverse
                    await vote_projection.apply(conn, [m])
            assert await vote_states(conn, cid) == live_states
            assert await supports(conn, cid) == {idea: (2, 0)}
    finally:
        await replayed.close()
        await pool.execute(f"DROP DATABASE {name}")


async def test_a_burst_is_decided_in_one_request_and_a_repeat_decides_nothing_twice(
    stack: Stack, pool: asyncpg.Pool, producer: EventProducer, http: httpx.AsyncClient,
    token: Callable[..., str], uid: str
) -> None:
    cid, idea, voters, held = await held_burst(pool, producer, uid)
    moderator = bearer(token("moderator", sub=f"mod-{uid}"))
    other = bearer(token("moderator", sub=f"other-mod-{uid}"))
    by_voter = {h["voter_id"]: str(h["event_id"]) for h in held}
    first = by_voter[voters[0]]
    # another moderator discarded one of them first (and it is applied)
    r = await http.post("/moderation/votes/decisions", headers=other, json={
        "event_id": first, "decision": "discard", "reason": "seen first"})
    assert r.status_code == 202, r.text
    await eventually(lambda: queries.held_votes(pool, cid, limit=1000, offset=0),
                     lambda h: len(h) == len(voters) - 1, what="the first discard applied")

    body = {"event_ids": list(by_voter.values()), "decision": "release",
            "reason": "a class voting from the school's computers"}
    r = await http.post("/moderation/votes/decisions/bulk", headers=moderator, json=body)
    assert r.status_code == 202, r.text
    answer = r.json()
    assert len(answer["decided"]) == len(voters) - 1
    assert [(s["vote_event_id"], s["code"]) for s in answer["skipped"]] == [
        (first, "vote_not_held")]
    await eventually(lambda: supports(pool, cid), lambda t: t == {idea: (len(voters), 0)},
                     what="the released burst counted (the discarded one not)")

    # the same request again decides nothing twice: the same decisions, the tally unchanged
    again = await http.post("/moderation/votes/decisions/bulk", headers=moderator, json=body)
    assert again.status_code == 202 and again.json()["decided"] == answer["decided"], again.text
    log = await eventually(
        lambda: http.get("/moderation/log", params={"campaign_id": str(cid), "limit": 500},
                         headers=moderator),
        lambda r: len([e for e in r.json() if e["kind"] == "vote"]) >= len(voters),
        what="the decisions in the moderation log")
    entries = [e for e in log.json() if e["kind"] == "vote"]
    assert len(entries) == len(voters)  # one per vote, each with its own moderator and reason
    assert {e["moderator"] for e in entries if e["decision"] == "release"} == {f"mod-{uid}"}
    assert await supports(pool, cid) == {idea: (len(voters), 0)}

    # nothing left to decide: a refusal that says why; a vote listed twice is a bad request
    r = await http.post("/moderation/votes/decisions/bulk", headers=moderator,
                        json={**body, "decision": "discard"})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "vote_not_held", r.text
    r = await http.post("/moderation/votes/decisions/bulk", headers=moderator,
                        json={**body, "event_ids": [first, first]})
    assert r.status_code == 422, r.text
