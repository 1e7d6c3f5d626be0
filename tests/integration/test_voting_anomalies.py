"""A burst of votes from one client fingerprint is reported on `status`, and still counts."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.envelope import Envelope
from schemas.votes import VoteCast
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.voting.settings import VotingSettings
from tests.helpers import eventually
from tests.integration.test_voting_tally import NOW, campaign_created, status, supports

pytestmark = pytest.mark.integration


async def anomalies_for(bootstrap: str, campaign_id: str, timeout: float = 60
                        ) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer("status", bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while not found and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    env = json.loads(r.value)
                    if (env["type"] == "vote.anomaly_detected"
                            and env["payload"]["campaign_id"] == campaign_id):
                        found.append(env)
    finally:
        await consumer.stop()
    return found


async def test_many_votes_from_one_client_are_reported_and_still_counted(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    burst = VotingSettings().burst_votes
    created = campaign_created(max_votes=1)
    cid = uuid.UUID(created.payload["campaign_id"])
    idea = uuid.uuid4()
    await producer.publish_many([created, status(cid, idea)])
    client = f"fingerprint-{uid}"
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=f"b{n}-{uid}", campaign_id=cid, idea_id=idea,
                               client=client), actor=f"b{n}-{uid}", occurred_at=NOW)
        for n in range(burst)
    ])
    await eventually(lambda: supports(pool, cid), lambda t: t.get(idea) == (burst, 0),
                     what="the burst's votes counted")
    found = await anomalies_for(infra.kafka_bootstrap_servers, str(cid))
    assert len(found) == 1, found
    payload = found[0]["payload"]
    assert payload["kind"] == "client_burst" and payload["votes"] == burst
    assert payload["idea_ids"] == [str(idea)]
