"""A closed campaign's replay under other rules reaches the quarterly report only as an event:
the voting worker announces what it stores (`campaign.what_if_computed`, through its outbox),
the reporting worker records it, a replay of the topics records the same row, and the report of
the quarter the campaign closed in shows the replay that occurred before its cut-off.

The campaign is in 2001, a year no other test's data reaches (see test_report_pipeline.py)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.common import Sector
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from schemas.votes import VoteCast
from services.infra import db, vault
from services.infra.consumer import ProjectionRunner
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.reporting.handlers import ReportingProjection, generate
from services.reporting.report.quarter import Quarter
from tests.helpers import eventually

pytestmark = pytest.mark.integration

Y = 2001
OPENS = datetime(Y, 4, 2, 8, tzinfo=UTC)
CLOSES = datetime(Y, 5, 2, 8, tzinfo=UTC)
MERGED = datetime(Y, 7, 2, 10, tzinfo=UTC)  # after the quarter the campaign closed in

ROWS = ("SELECT event_id, campaign_id, occurred_at, recorded_at, payload::text"
        " FROM reporting.what_ifs WHERE campaign_id = $1 ORDER BY occurred_at, event_id")


async def rows(pool: asyncpg.Pool, cid: uuid.UUID) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await pool.fetch(ROWS, cid)]


async def a_closed_campaign(producer: EventProducer, http: httpx.AsyncClient, uid: str
                            ) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    cid = uuid.uuid4()
    ids = {k: uuid.uuid4() for k in "abcd"}
    costs = {"a": 60, "b": 50, "c": 40, "d": 10}
    await producer.publish_many([
        Envelope.wrap(CampaignCreated(campaign_id=cid, title=f"Budget {uid}", question="?",
                                      opens_at=OPENS, closes_at=CLOSES,
                                      moderation=ModerationMode.POST, budget=100,
                                      min_votes_to_fund=2,
                                      vote_rules=VoteRules(max_votes_per_participant=3)),
                      actor="staff-1", occurred_at=OPENS - timedelta(days=1)),
        *(Envelope.wrap(IdeaStatusChanged(idea_id=ids[k], campaign_id=cid, cost=cost,
                                          status=IdeaStatus.PUBLISHED, title=f"Forslag {k}"),
                        actor="staff-1", occurred_at=OPENS) for k, cost in costs.items()),
    ])
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == 4,
                     what="campaign and ideas known to voting")
    ballots = [("v1", "a", Sector.PRIVATE), ("v2", "a", Sector.PRIVATE),
               ("v3", "a", Sector.PRIVATE), ("v4", "b", Sector.PRIVATE),
               ("v5", "b", Sector.STATE), ("v6", "c", Sector.STATE), ("v8", "c", Sector.STATE),
               ("v9", "c", Sector.STATE), ("v5", "c", Sector.STATE),
               ("v7", "d", Sector.PRIVATE)]
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=f"{v}-{uid}", campaign_id=cid, idea_id=ids[k],
                               sector=s), actor=f"{v}-{uid}",
                      occurred_at=OPENS + timedelta(hours=n + 1))
        for n, (v, k, s) in enumerate(ballots)])
    return cid, ids


async def test_a_replay_reaches_the_report_as_an_event_and_a_later_one_not_a_past_quarter(
        stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
        http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    cid, ids = await a_closed_campaign(producer, http, uid)
    # the worker replays the campaign once its votes have settled, and announces it
    (first,) = await eventually(lambda: rows(pool, cid), lambda r: len(r) == 1, timeout=120,
                                what="the replay recorded by reporting")
    answer = (await http.get(f"/campaigns/{cid}/what-if")).json()
    assert answer["votes"] == 10
    stored = await pool.fetchrow("SELECT event_id, settled_at FROM voting.what_ifs"
                                 " WHERE campaign_id = $1", cid)
    # dated when its inputs were settled: the close; named by the event voting stored with it
    assert first[0] == stored["event_id"] and first[2] == stored["settled_at"] == CLOSES
    q2 = Quarter(Y, 2)
    before = await generate(pool, q2)
    (c,) = [c for c in before.report.campaigns.items if c.campaign_id == str(cid)]
    s = c.stability
    assert s is not None and s.status == "computed" and s.settled_at == CLOSES
    name = {str(v): f"Forslag {k}" for k, v in ids.items()}
    assert [(sc.scenario, sc.selected) for sc in s.scenarios] == [
        (sc["name"], tuple(name[i] for i in sc["selected"])) for sc in answer["scenarios"]]
    assert s.stable == tuple(name[i] for i in answer["stable"])
    assert [d.title for d in s.depends] == [name[d["idea_id"]] for d in answer["depends"]]
    da = before.files[("da", "md")].decode()
    assert "Hvem vinder under andre regler" in da and "Forslag c" in da

    # c is merged into b in July: the inputs changed after the replay, so it is made again,
    # dated at the merge; the report of the quarter the campaign closed in does not change
    await producer.publish(Envelope.wrap(
        IdeaStatusChanged(idea_id=ids["c"], campaign_id=cid, status=IdeaStatus.MERGED,
                          previous=IdeaStatus.PUBLISHED, merged_into=ids["b"]),
        actor="moderator-1", occurred_at=MERGED))
    both = await eventually(lambda: rows(pool, cid), lambda r: len(r) == 2, timeout=120,
                            what="the second replay recorded by reporting")
    assert both[0] == first and both[1][2] == MERGED
    def variations(row: tuple[Any, ...]) -> set[str]:
        return {sc["variation"] for sc in json.loads(row[4])["scenarios"]}
    assert "merges_undone" in variations(both[1]) and "merges_undone" not in variations(first)
    after = await generate(pool, q2)
    assert after.report_id == before.report_id
    assert after.files[("da", "md")] == before.files[("da", "md")]
    inputs = (await http.get("/reports/inputs", params={"quarter": f"{Y}Q2"},
                             headers={"Authorization": f"Bearer {token('steering')}"})).json()
    assert inputs["what_ifs_by_campaign"][str(cid)] == {
        "event_id": str(first[0]), "settled_at": CLOSES.isoformat(), "votes": 10}

    # a replay of the topics into an empty read model records the same rows
    name_db = f"replay_what_if_{uid}"
    await pool.execute(f"CREATE DATABASE {name_db}")
    assert infra.database_url and infra.kafka_bootstrap_servers
    url = urlsplit(infra.database_url)
    replay_pool = await db.create_pool(urlunsplit(url._replace(path=f"/{name_db}")))
    try:
        await db.migrate(replay_pool, "reporting")
        await vault.setup(replay_pool)
        runner = ProjectionRunner(ReportingProjection(), pool=replay_pool, producer=producer,
                                  bootstrap=infra.kafka_bootstrap_servers,
                                  group_id=f"replay-{uid}")
        task = asyncio.create_task(runner.run())
        try:
            await eventually(lambda: rows(replay_pool, cid), lambda r: r == both,
                             timeout=240, what="the replayed rows equal the live ones")
        finally:
            runner.stop()
            await task
    finally:
        await replay_pool.close()
        await pool.execute(f"DROP DATABASE {name_db}")
