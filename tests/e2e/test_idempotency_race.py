"""Requests sent together with one `Idempotency-Key`: the key is claimed before anything is
published, so one request publishes one event; an identical request is answered that event once
it is durable, and a different one is refused 409 `idempotency_key_reused`.

The first tests send ten requests at once to the running gateway. The others run a gateway in
this process on the same broker and database, whose claims table holds the request that wins a
key between its claim and its publish: the other requests then meet the key pending by design,
whatever the timing.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiokafka.errors import KafkaConnectionError

from schemas import topics
from schemas.envelope import Envelope
from services.gateway.app import create_app
from services.gateway.queries import IdempotencyTable
from services.infra.http import PENDING, Claim
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient
from tests.e2e.test_voting_api import campaign_with_ideas
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


# -- what the archive and the read models hold


async def archived(pool: asyncpg.Pool, topic: str, event_id: str) -> list[dict[str, Any]]:
    """The envelopes of `topic` in the event archive that carry `event_id`."""
    rows = await pool.fetch(
        "SELECT value FROM archive.events WHERE topic = $1 AND position($2::bytea IN value) > 0",
        topic, event_id.encode())
    envelopes = [json.loads(r["value"]) for r in rows]
    return [e for e in envelopes if e["event_id"] == event_id]


def codes(responses: Sequence[httpx.Response]) -> list[tuple[int, str | None]]:
    return sorted((r.status_code, r.json().get("detail", {}).get("code")
                   if r.status_code != 202 else None) for r in responses)


async def idea_title(http: httpx.AsyncClient, idea_id: str, event_id: str,
                     author: dict[str, str]) -> str:
    r = await http.get(f"/ideas/{idea_id}", params={"wait_for": event_id}, headers=author)
    assert r.status_code == 200, r.text
    title: str = r.json()["title"]
    return title


async def voting_knows(http: httpx.AsyncClient, campaign_id: uuid.UUID, ideas: int) -> None:
    await eventually(lambda: http.get(f"/campaigns/{campaign_id}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == ideas,
                     what="campaign known to the voting service")


# -- ten at once, through the running gateway


async def test_ten_ideas_sent_at_once_with_one_key_make_one_event(
    stack: Stack, http: httpx.AsyncClient, pool: asyncpg.Pool, token: Callable[..., str],
    uid: str,
) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign()
    author = ideas.participant("p")
    url = f"/campaigns/{campaign_id}/ideas"

    different = {**author, "Idempotency-Key": f"different-{uid}"}
    answers = await asyncio.gather(*(
        http.post(url, headers=different, json={"title": f"Idea number {n}", "body": "Details."})
        for n in range(10)))
    assert codes(answers) == [(202, None)] + [(409, "idempotency_key_reused")] * 9
    won = next(r for r in answers if r.status_code == 202).json()
    records = await archived(pool, topics.IDEAS_SUBMISSIONS.name, won["event_id"])
    assert len(records) == 1
    title = await idea_title(http, won["idea_id"], won["event_id"], author)
    winner = answers.index(next(r for r in answers if r.status_code == 202))
    assert title == f"Idea number {winner}"

    same = {**author, "Idempotency-Key": f"same-{uid}"}
    answers = await asyncio.gather(*(
        http.post(url, headers=same, json={"title": "One idea", "body": "Details."})
        for _ in range(10)))
    assert codes(answers) == [(202, None)] * 10
    assert len({r.text for r in answers}) == 1
    won = answers[0].json()
    assert len(await archived(pool, topics.IDEAS_SUBMISSIONS.name, won["event_id"])) == 1
    assert await idea_title(http, won["idea_id"], won["event_id"], author) == "One idea"


async def test_ten_votes_sent_at_once_with_one_key_make_one_event(
    stack: Stack, http: httpx.AsyncClient, pool: asyncpg.Pool, producer: EventProducer,
    token: Callable[..., str], uid: str,
) -> None:
    campaign_id, idea_ids = await campaign_with_ideas(producer, 10, max_votes=3)
    await voting_knows(http, campaign_id, 10)
    voter = {"Authorization": f"Bearer {token('participant', sub=f'v-{uid}')}"}

    # one key, ten different ideas: the first vote claimed is the one cast
    different = {**voter, "Idempotency-Key": f"different-{uid}"}
    answers = await asyncio.gather(*(
        http.post(f"/ideas/{idea}/votes", headers=different, json={"value": 1})
        for idea in idea_ids))
    assert codes(answers) == [(202, None)] + [(409, "idempotency_key_reused")] * 9
    cast = next(r for r in answers if r.status_code == 202).json()["event_id"]
    assert len(await archived(pool, topics.VOTES.name, cast)) == 1

    same = {**voter, "Idempotency-Key": f"same-{uid}"}
    answers = await asyncio.gather(*(
        http.post(f"/ideas/{idea_ids[0]}/votes", headers=same, json={"value": 1})
        for _ in range(10)))
    assert codes(answers) == [(202, None)] * 10
    assert len({r.json()["event_id"] for r in answers}) == 1
    assert len(await archived(pool, topics.VOTES.name, answers[0].json()["event_id"])) == 1


# -- the race forced: the winner held between its claim and its publish


@dataclass
class Hold:
    """A key whose first claimant waits at `door` before publishing; the requests that found
    the key pending meanwhile are in `waiting`."""

    door: asyncio.Event = field(default_factory=asyncio.Event)
    won: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: set[asyncio.Task[Any]] = field(default_factory=set)


class HeldClaims(IdempotencyTable):
    """The gateway's own claims table, with a door between the first claim of a held key and
    its publish."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self.holds: dict[str, Hold] = {}

    def hold(self, key: str) -> Hold:
        self.holds[key] = Hold()
        return self.holds[key]

    async def claim(self, actor: str, key: str, event_id: uuid.UUID, fingerprint: str, *,
                    stale_after_s: float) -> Claim:
        claim = await super().claim(actor, key, event_id, fingerprint,
                                    stale_after_s=stale_after_s)
        hold = self.holds.get(key)
        if hold is not None:
            if claim.token is not None and not hold.won.is_set():
                hold.won.set()
                await hold.door.wait()
            elif claim.token is None and claim.state == PENDING:
                task = asyncio.current_task()
                assert task is not None
                hold.waiting.add(task)
        return claim


class Unreachable(KafkaConnectionError):
    """What the producer raises when the broker cannot be reached."""


class FlakyProducer:
    """The gateway's own producer, except that the next publish of each actor in `failing`
    fails as if the broker could not be reached (nothing is sent)."""

    def __init__(self, producer: EventProducer) -> None:
        self.producer = producer
        self.failing: set[str] = set()

    async def publish(self, env: Envelope) -> None:
        if env.actor in self.failing:
            self.failing.discard(env.actor)
            raise Unreachable("the broker could not be reached")
        await self.producer.publish(env)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.producer, name)


@dataclass
class HeldGateway:
    client: httpx.AsyncClient
    claims: HeldClaims
    producer: FlakyProducer


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def held(infra: Settings, stack: Stack) -> AsyncIterator[HeldGateway]:
    """A gateway in this process (beside the stack's, whose workers apply what it publishes)."""
    app = create_app(infra)
    async with app.router.lifespan_context(app):
        ctx = app.state.ctx
        claims = ctx.idempotency = HeldClaims(ctx.pool)
        producer = ctx.producer = FlakyProducer(ctx.producer)
        # an error is answered 500 as the served gateway answers it, not raised here
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway",
                                     timeout=60) as client:
            yield HeldGateway(client, claims, producer)


async def done_count(tasks: Sequence[asyncio.Task[Any]]) -> int:
    return sum(t.done() for t in tasks)


async def waiting_count(hold: Hold) -> int:
    return len(hold.waiting)


async def test_while_the_winner_publishes_a_different_idea_is_refused_at_once(
    held: HeldGateway, http: httpx.AsyncClient, pool: asyncpg.Pool,
    token: Callable[..., str], uid: str,
) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign()
    author = ideas.participant("p")
    key = f"k-{uid}"
    hold = held.claims.hold(key)
    headers = {**author, "Idempotency-Key": key}
    sent = [asyncio.create_task(held.client.post(
        f"/campaigns/{campaign_id}/ideas", headers=headers,
        json={"title": f"Idea number {n}", "body": "Details."})) for n in range(10)]
    await asyncio.wait_for(hold.won.wait(), timeout=30)
    # nine answers while the winner has published nothing: each a refusal
    await eventually(lambda: done_count(sent), lambda n: n == 9, what="nine answers")
    refused = [t.result() for t in sent if t.done()]
    assert codes(refused) == [(409, "idempotency_key_reused")] * 9
    (winner,) = [n for n, t in enumerate(sent) if not t.done()]
    hold.door.set()
    won = (await sent[winner]).json()
    assert sent[winner].result().status_code == 202
    assert len(await archived(pool, topics.IDEAS_SUBMISSIONS.name, won["event_id"])) == 1
    assert await idea_title(http, won["idea_id"], won["event_id"], author) == \
        f"Idea number {winner}"


async def test_identical_votes_wait_for_the_winner_to_publish_and_get_its_answer(
    held: HeldGateway, http: httpx.AsyncClient, pool: asyncpg.Pool, producer: EventProducer,
    token: Callable[..., str], uid: str,
) -> None:
    campaign_id, (idea, *others) = await campaign_with_ideas(producer, 2)
    await voting_knows(http, campaign_id, 2)
    voter = {"Authorization": f"Bearer {token('participant', sub=f'v-{uid}')}"}
    key = f"k-{uid}"
    hold = held.claims.hold(key)
    headers = {**voter, "Idempotency-Key": key}
    sent = [asyncio.create_task(held.client.post(f"/ideas/{idea}/votes", headers=headers,
                                                 json={"value": 1})) for _ in range(9)]
    # a vote for another idea under the same key is refused meanwhile
    other = asyncio.create_task(held.client.post(f"/ideas/{others[0]}/votes", headers=headers,
                                                 json={"value": 1}))
    await asyncio.wait_for(hold.won.wait(), timeout=30)
    # every other request has met the key pending: the eight identical ones and the other
    await eventually(lambda: waiting_count(hold), lambda n: n == 9,
                     what="the other requests meeting the key pending")
    refused = await other
    assert codes([refused]) == [(409, "idempotency_key_reused")]
    assert not any(t.done() for t in sent)  # none answered before the event is durable
    hold.door.set()
    answers = await asyncio.gather(*sent)
    assert codes(answers) == [(202, None)] * 9
    assert len({r.json()["event_id"] for r in answers}) == 1
    assert len(await archived(pool, topics.VOTES.name, answers[0].json()["event_id"])) == 1


async def test_a_claim_left_pending_by_a_dead_request_is_taken_over_by_an_identical_one(
    held: HeldGateway, http: httpx.AsyncClient, pool: asyncpg.Pool, producer: EventProducer,
    token: Callable[..., str], uid: str,
) -> None:
    campaign_id, (idea, other) = await campaign_with_ideas(producer, 2)
    await voting_knows(http, campaign_id, 2)
    sub = f"v-{uid}"
    voter = {"Authorization": f"Bearer {token('participant', sub=sub)}"}
    key = f"k-{uid}"
    hold = held.claims.hold(key)
    headers = {**voter, "Idempotency-Key": key}
    # the first request claims the key and never publishes (its door stays shut)
    dead = asyncio.create_task(held.client.post(f"/ideas/{idea}/votes", headers=headers,
                                                json={"value": 1}))
    await asyncio.wait_for(hold.won.wait(), timeout=30)
    # as long ago as a process that crashed after claiming would have left it
    aged = await pool.execute(
        "UPDATE gateway.idempotency SET claimed_at = claimed_at - interval '1 hour'"
        " WHERE actor = $1 AND key = $2 AND state = 'pending'", sub, key)
    assert aged == "UPDATE 1"
    # only the same request takes an abandoned claim over
    different = await held.client.post(f"/ideas/{other}/votes", headers=headers,
                                       json={"value": 1})
    assert codes([different]) == [(409, "idempotency_key_reused")]
    retry = await held.client.post(f"/ideas/{idea}/votes", headers=headers, json={"value": 1})
    assert retry.status_code == 202, retry.text
    event_id = retry.json()["event_id"]
    assert len(await archived(pool, topics.VOTES.name, event_id)) == 1
    state = await pool.fetchval("SELECT state FROM gateway.idempotency"
                                " WHERE actor = $1 AND key = $2", sub, key)
    assert state == "published"
    dead.cancel()
    with pytest.raises(asyncio.CancelledError):
        await dead
    # the key now stands for the published event
    again = await held.client.post(f"/ideas/{idea}/votes", headers=headers, json={"value": 1})
    assert again.status_code == 202 and again.json()["event_id"] == event_id


async def test_when_the_winner_fails_to_publish_an_identical_request_takes_the_key_over(
    held: HeldGateway, http: httpx.AsyncClient, pool: asyncpg.Pool,
    token: Callable[..., str], uid: str,
) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign()
    sub = f"p-{uid}"
    author = ideas.participant("p")
    key = f"k-{uid}"
    hold = held.claims.hold(key)
    held.producer.failing.add(sub)
    headers = {**author, "Idempotency-Key": key}
    body = {"title": "Tried twice", "body": "Details."}
    sent = [asyncio.create_task(held.client.post(f"/campaigns/{campaign_id}/ideas",
                                                 headers=headers, json=body))
            for _ in range(10)]
    await asyncio.wait_for(hold.won.wait(), timeout=30)
    await eventually(lambda: waiting_count(hold), lambda n: n == 9,
                     what="the other requests meeting the key pending")
    hold.door.set()  # the first one's publish fails: it gives the key up
    answers = await asyncio.gather(*sent)
    # the broker being away is answered 503, saying to repeat the request
    assert codes(answers) == [(202, None)] * 9 + [(503, "broker_unavailable")]
    rest = [r for r in answers if r.status_code == 202]
    assert len({r.text for r in rest}) == 1
    won = rest[0].json()
    assert len(await archived(pool, topics.IDEAS_SUBMISSIONS.name, won["event_id"])) == 1
    assert await idea_title(http, won["idea_id"], won["event_id"], author) == "Tried twice"


async def test_a_failed_publish_frees_the_key_for_its_retry(
    held: HeldGateway, http: httpx.AsyncClient, pool: asyncpg.Pool,
    token: Callable[..., str], uid: str,
) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign()
    sub = f"p-{uid}"
    author = ideas.participant("p")
    key = f"k-{uid}"
    held.producer.failing.add(sub)
    headers = {**author, "Idempotency-Key": key}
    body = {"title": "Second time lucky", "body": "Details."}
    failed = await held.client.post(f"/campaigns/{campaign_id}/ideas", headers=headers, json=body)
    assert failed.status_code == 503
    assert await pool.fetchval("SELECT count(*) FROM gateway.idempotency"
                               " WHERE actor = $1 AND key = $2", sub, key) == 0
    # retried through the served gateway: the same event, published once
    retry = await http.post(f"/campaigns/{campaign_id}/ideas", headers=headers, json=body)
    assert retry.status_code == 202, retry.text
    won = retry.json()
    assert len(await archived(pool, topics.IDEAS_SUBMISSIONS.name, won["event_id"])) == 1
    assert await idea_title(http, won["idea_id"], won["event_id"], author) == "Second time lucky"
