"""Client fingerprints are keyed with a key of the day that is destroyed after its retention,
so a fingerprint kept in `voting.votes`, the `votes` topic or the archive cannot be traced back
to an address by trying every IPv4 address, once the key is gone."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.infra import db
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from services.voting import projections
from services.voting.domain import clients
from tests.helpers import eventually
from tests.integration.test_voting_tally import campaign_created, status

pytestmark = pytest.mark.integration


async def test_a_day_has_one_key_made_on_first_use_and_keys_past_retention_are_destroyed(
    pool: asyncpg.Pool,
) -> None:
    await db.migrate(pool, "voting")
    today = datetime.now(UTC).date()
    days = {n: today - timedelta(days=n) for n in (29, 30, 31, 45)}
    await pool.executemany(
        "INSERT INTO voting.client_keys (day, secret) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [(d, secrets.token_bytes(clients.KEY_BYTES)) for d in days.values()])
    first = await projections.client_key(pool, today, secrets.token_bytes(clients.KEY_BYTES),
                                         clients.destroy_before(today, 30))
    again = await projections.client_key(pool, today, secrets.token_bytes(clients.KEY_BYTES),
                                         clients.destroy_before(today, 30))
    assert first == again and len(first) == clients.KEY_BYTES  # one key per day, kept
    kept = {r["day"] for r in await pool.fetch("SELECT day FROM voting.client_keys")}
    assert {days[29], days[30], today} <= kept
    assert not {days[31], days[45]} & kept  # more than 30 days old: destroyed
    assert await projections.destroy_client_keys(pool, clients.destroy_before(today, 29)) == 1
    assert days[30] not in {r["day"] for r in await pool.fetch(
        "SELECT day FROM voting.client_keys")}


async def test_a_vote_through_the_api_carries_a_fingerprint_keyed_with_the_days_key(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer, pool: asyncpg.Pool,
    token: Callable[..., str], uid: str,
) -> None:
    created = campaign_created(max_votes=1)
    cid, idea = uuid.UUID(created.payload["campaign_id"]), uuid.uuid4()
    await producer.publish_many([created, status(cid, idea)])
    voter, agent = f"fp-{uid}", f"browser-{uid}"
    headers = {"Authorization": f"Bearer {token('participant', sub=voter)}",
               "User-Agent": agent}
    await eventually(lambda: http.post(f"/ideas/{idea}/votes", headers=headers),
                     lambda r: r.status_code == 202, what="the vote accepted")
    row = await eventually(lambda: pool.fetchrow(
        "SELECT client, occurred_at FROM voting.votes WHERE voter_id = $1", voter),
        lambda r: r is not None, what="the vote stored")
    key = await pool.fetchval("SELECT secret FROM voting.client_keys WHERE day = $1",
                              clients.key_day(row["occurred_at"]))
    who = f"127.0.0.1|{agent}".encode()
    assert row["client"] == hmac.new(key, who, hashlib.sha256).hexdigest()[:32]
    # not the unkeyed hash of before, which anyone could compute for every address
    assert row["client"] != hashlib.sha256(f"127.0.0.1|{agent}".encode()).hexdigest()[:32]
