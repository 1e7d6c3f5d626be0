"""Selections are computed by the voting worker, never in the gateway: a request gets the
stored answer or a 202 with a place to poll, a campaign's close computes its selections
without anyone asking, and requests that would start computations are limited."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from schemas.votes import VoteCast
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from services.voting.queries import selections as selection_store
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


async def campaign(http: httpx.AsyncClient, producer: EventProducer, uid: str, *,
                   closed: bool = False) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    """A campaign with a budget of 100, ideas a (60), b (50), c (30) and d (10), and four
    voters: a b d, a b d, a c d, d."""
    cid = uuid.uuid4()
    opens = datetime.now(UTC) - timedelta(days=2 if closed else 1)
    closes = opens + timedelta(days=1 if closed else 5)
    ids = {k: uuid.uuid4() for k in "abcd"}
    costs = {"a": 60, "b": 50, "c": 30, "d": 10}
    await producer.publish_many([
        Envelope.wrap(CampaignCreated(campaign_id=cid, title="Stored selections", question="?",
                                      opens_at=opens, closes_at=closes,
                                      moderation=ModerationMode.POST, budget=100,
                                      vote_rules=VoteRules(max_votes_per_participant=3)),
                      actor="staff-1", occurred_at=opens - timedelta(hours=1)),
        *(Envelope.wrap(IdeaStatusChanged(idea_id=ids[k], campaign_id=cid, cost=cost,
                                          status=IdeaStatus.PUBLISHED, title=f"Idea {k}"),
                        actor="staff-1", occurred_at=opens) for k, cost in costs.items()),
    ])
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == 4,
                     what="campaign and ideas known")
    ballots = ["abd", "abd", "acd", "d"]
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=f"v{n}-{uid}", campaign_id=cid, idea_id=ids[k]),
                      actor=f"v{n}-{uid}", occurred_at=opens + timedelta(hours=n + 1))
        for n, ballot in enumerate(ballots) for k in ballot])
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.json()["votes"].get("counted") == 10, what="votes counted")
    return cid, ids


@contextmanager
def held(campaign_id: uuid.UUID) -> Iterator[None]:
    """The worker's computations for this campaign wait until the block ends (test hook)."""
    hold = Path(os.environ["IDEASTORM_TEST_SELECTION_HOLDS"]) / str(campaign_id)
    hold.touch()
    try:
        yield
    finally:
        hold.unlink(missing_ok=True)


async def test_the_gateway_answers_while_a_selection_computes_and_the_answer_is_stored(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer, uid: str,
) -> None:
    cid, ids = await campaign(http, producer, uid)
    url = f"/campaigns/{cid}/selection?rule=equal-shares"
    with held(cid):
        r = await http.get(url)
        assert r.status_code == 202, r.text
        assert r.headers["Location"] == url and int(r.headers["Retry-After"]) > 0
        assert r.json()["code"] == "selection_pending" and r.json()["poll"] == url
        # the worker has taken it and is computing (held): it never finishes meanwhile
        r = await eventually(lambda: http.get(url), lambda r: r.json().get("status") ==
                             "computing", what="the worker computing the selection")
        assert r.status_code == 202
        # the gateway serves everyone else, and the same request again, with no wait
        for _ in range(5):
            health = await http.get("/healthz", timeout=5)
            assert health.status_code == 200
        assert (await http.get(url, timeout=5)).status_code == 202
        # the same request again starts nothing new: it is not counted against the limits
        assert (await http.get(url)).json()["status"] == "computing"
        # a second, different computation is queued; a third from the same caller is refused
        r = await http.get(f"/campaigns/{cid}/selection?rule=equal-shares&budget=50")
        assert (r.status_code, r.json()["status"]) == (202, "queued")
        r = await http.get(f"/campaigns/{cid}/selection?rule=equal-shares&budget=60")
        assert r.status_code == 429, r.text
        assert r.json()["detail"]["code"] == "selection_caller_busy"
        assert int(r.headers["Retry-After"]) > 0
    r = await eventually(lambda: http.get(url), lambda r: r.status_code == 200,
                         what="the stored selection")
    body = r.json()
    # d is paid by all four, a by its three; b no longer fits, c fills the rest greedily
    assert [i["title"] for i in body["selected"]] == ["Idea d", "Idea a", "Idea c"]
    assert (body["rule"], body["budget"], body["total_cost"]) == ("equal-shares", 100, 100)
    assert (body["funded_voters"], body["voters"], body["current"]) == (4, 4, True)
    assert body["selected"][1] == {"idea_id": str(ids["a"]), "title": "Idea a", "votes": 3,
                                   "cost": 60}

    # a new vote: the stored answer is still given, marked not current, until the new one is in
    await producer.publish(Envelope.wrap(
        VoteCast(voter_id=f"v9-{uid}", campaign_id=cid, idea_id=ids["b"]), actor=f"v9-{uid}",
        occurred_at=datetime.now(UTC)))
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.json()["votes"].get("counted") == 11, what="the new vote")
    with held(cid):
        r = await http.get(url)
        assert r.status_code == 200 and r.json()["current"] is False
        assert r.json()["selected"] == body["selected"]
    r = await eventually(lambda: http.get(url), lambda r: r.json()["current"] is True,
                         what="the selection of the new votes")
    assert r.json()["voters"] == 5


async def test_a_closed_campaign_s_selections_are_computed_without_a_request(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer, pool: asyncpg.Pool,
    uid: str,
) -> None:
    cid, ids = await campaign(http, producer, uid, closed=True)

    async def stored() -> list[str]:
        rows = await pool.fetch("SELECT rule FROM voting.selections WHERE campaign_id = $1"
                                " AND NOT pending AND budget = 100 ORDER BY rule", cid)
        return [r["rule"] for r in rows]

    await eventually(stored, lambda rules: rules == ["equal-shares", "greedy"],
                     what="both rules' selections stored at the close")
    # and the request reads it (computed again if the last votes came in after the close)
    r = await eventually(lambda: http.get(f"/campaigns/{cid}/selection"),
                         lambda r: r.status_code == 200 and r.json()["current"],
                         what="the greedy selection")
    assert [i["idea_id"] for i in r.json()["selected"]] == [str(ids[k]) for k in "dac"]


async def test_a_campaign_s_pending_computations_are_limited_across_callers(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer, pool: asyncpg.Pool,
    uid: str,
) -> None:
    cid, _ = await campaign(http, producer, uid)
    with held(cid):
        asked = [await selection_store.request(pool, cid, "equal-shares", budget, 0,
                                               caller=f"caller-{budget}-{uid}",
                                               per_campaign=4, per_caller=2)
                 for budget in (10, 20, 30, 40, 50)]
        assert asked[:4] == [None] * 4  # four callers, one computation each
        refusal = asked[4]
        assert refusal is not None and (refusal.scope, refusal.pending) == ("campaign", 4)
        # at once, from many callers, still no more than four
        other = uuid.uuid4()
        many = await asyncio.gather(*(selection_store.request(
            pool, other, "greedy", budget, 0, caller=f"c{budget}-{uid}", per_campaign=4,
            per_caller=2) for budget in range(1, 11)))
        assert sum(r is None for r in many) == 4
        await pool.execute("DELETE FROM voting.selections WHERE campaign_id = $1", other)
    await eventually(lambda: pool.fetchval("SELECT count(*) FROM voting.selections"
                                           " WHERE campaign_id = $1 AND pending", cid),
                     lambda n: n == 0, timeout=60, what="the held requests computed")


