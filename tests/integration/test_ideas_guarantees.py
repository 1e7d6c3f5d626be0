"""Nothing accepted is lost, nothing is applied twice, and a replay rebuilds the same tables."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from schemas.campaigns import (
    CHANGEABLE,
    AnswerThreshold,
    CampaignChanged,
    CampaignCreated,
    ModerationMode,
)
from schemas.envelope import Envelope
from schemas.ideas import FlagReason, IdeaFlagged, IdeaRevised
from schemas.moderation import Decision, ModerationDecided
from schemas.participation import AnswerState, IdeaAnswered
from schemas.votes import IdeaTally, TallyChanged
from services.ideas.handlers import IdeasProjection
from services.infra.consumer import ProjectionRunner
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient
from tests.helpers import eventually
from tests.integration.ideas_support import OPENS, campaign, find_on_topic, submission

pytestmark = pytest.mark.integration

TABLES = ("campaigns", "ideas", "revisions", "flags", "decisions", "withdrawals",
          "parked_submissions", "consumer_offsets", "applied_events", "revision_decisions",
          "auto_hides", "vote_decisions", "tallies", "answers", "answers_due",
          # the projection also keeps comments (services/ideas/comments), erased with the rest
          "comments", "comment_flags", "comment_decisions", "comment_withdrawals",
          "comment_auto_hides")


async def test_submissions_accepted_while_the_worker_is_down_are_all_applied(
    stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], uid: str,
    pool: asyncpg.Pool
) -> None:
    client = IdeasClient(http, token, uid)
    campaign_id = await client.campaign(moderation="post")
    author = client.participant("ann")
    stack.stop_process("ideas")
    try:
        replies = [await http.post(f"/campaigns/{campaign_id}/ideas", headers=author,
                                   json={"title": f"Idea {n}", "body": "While the worker sleeps"})
                   for n in range(100)]
        assert [r.status_code for r in replies] == [202] * 100
        count = "SELECT count(*) FROM ideas.ideas WHERE campaign_id = $1"
        assert await pool.fetchval(count, uuid.UUID(campaign_id)) == 0
    finally:
        stack.start_worker("ideas")
    await eventually(lambda: pool.fetchval(count, uuid.UUID(campaign_id)), lambda n: n == 100,
                     timeout=90, what="100 ideas applied after the worker restarted")
    published = (await http.get(f"/campaigns/{campaign_id}/ideas",
                               params={"limit": 500})).json()["ideas"]
    assert sorted(i["idea_id"] for i in published) == sorted(r.json()["idea_id"] for r in replies)


async def test_bad_messages_are_dead_lettered_and_the_worker_goes_on(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    key = f"garbage-{uid}".encode()
    await producer.send_raw("ideas.submissions", b"{not json", key=key)
    future = submission(uuid.uuid4()).model_dump(mode="json")
    future["version"] = 9
    await producer.send_raw("ideas.submissions", Envelope.model_validate(future).to_bytes(),
                            key=key)
    camp = campaign()
    # valid JSON and a valid model, but PostgreSQL cannot store U+0000 in text
    nul = submission(camp.model().campaign_id, title="tab\x00le")  # type: ignore[attr-defined]
    await producer.send_raw("ideas.submissions", nul.to_bytes(), key=key)
    after = submission(camp.model().campaign_id)  # type: ignore[attr-defined]
    await producer.publish_many([camp, after])
    dead = await find_on_topic(infra.kafka_bootstrap_servers, "ideas.submissions.dlq",
                               lambda v: v.get("key") == key.decode()
                               and v.get("consumer") == "ideas", count=3)
    assert sorted(d["reason"] for d in dead) == ["malformed", "malformed", "unknown_version"]
    assert any(d["original"] == "{not json" for d in dead)
    assert any(d["detail"] == "text contains a NUL character" for d in dead)
    await eventually(lambda: pool.fetchval("SELECT status FROM ideas.ideas WHERE idea_id = $1",
                                           after.model().idea_id),  # type: ignore[attr-defined]
                     lambda s: s == "published", what="the next good message applied")


def _scenario() -> tuple[list[uuid.UUID], list[Envelope], list[Envelope]]:
    """Campaigns, ideas, revisions, flags, decisions; some arrive before what they refer to."""
    post, pre = campaign(ModerationMode.POST, flag_threshold=2), campaign(ModerationMode.PRE)
    post_id, pre_id = (c.model().campaign_id for c in (post, pre))  # type: ignore[attr-defined]
    day = timedelta(days=1)
    a = submission(post_id, author="p-a", at=OPENS + day)
    b = submission(pre_id, author="p-b", at=OPENS + day)
    c = submission(pre_id, author="p-c", at=OPENS + 2 * day, title="Trees on the squares")
    ids = {n: e.model().idea_id for n, e in (("a", a), ("b", b), ("c", c))}  # type: ignore[attr-defined]

    def flag(who: str, hours: int) -> Envelope:
        return Envelope.wrap(IdeaFlagged(idea_id=ids["a"], campaign_id=post_id,
                                         reason=FlagReason.SPAM), actor=who,
                             occurred_at=OPENS + 2 * day + timedelta(hours=hours))

    def decide(name: str, decision: Decision, hours: int, **kw: Any) -> Envelope:
        camp = post_id if name == "a" else pre_id
        return Envelope.wrap(ModerationDecided(idea_id=ids[name], campaign_id=camp,
                                               decision=decision, reason=f"{decision.value}!",
                                               **kw),
                             actor="m-1", occurred_at=OPENS + 3 * day + timedelta(hours=hours))

    revise = Envelope.wrap(IdeaRevised(idea_id=ids["a"], campaign_id=post_id, title="Shade",
                                       body="More shade"), actor="p-a",
                           occurred_at=OPENS + day + timedelta(hours=1))
    # a third campaign arrives after an idea for it, the idea's revision and a flag on it
    late = campaign(ModerationMode.POST)
    late_id = late.model().campaign_id  # type: ignore[attr-defined]
    d = submission(late_id, author="p-d", at=OPENS + day)
    d_id = d.model().idea_id  # type: ignore[attr-defined]
    d_revised = Envelope.wrap(IdeaRevised(idea_id=d_id, campaign_id=late_id, title="Revised d",
                                          body="Waited for its campaign"), actor="p-d",
                              occurred_at=OPENS + day + timedelta(hours=2))
    d_flag = Envelope.wrap(IdeaFlagged(idea_id=d_id, campaign_id=late_id,
                                       reason=FlagReason.OTHER), actor="p-z",
                           occurred_at=OPENS + day + timedelta(hours=3))
    def tally(camp: uuid.UUID, idea: uuid.UUID, supports: int) -> Envelope:
        return Envelope.wrap(TallyChanged(campaign_id=camp, ideas=[
            IdeaTally(idea_id=idea, supports=supports, opposes=0)]), actor="system:voting")

    # the decisions on b and c are published BEFORE the ideas (they travel on another topic),
    # and so is d's tally (d also waits for its campaign); the last tally of an idea counts.
    # (The session's voting worker publishes b's and c's, zero, when it moves c's votes to b.)
    early = [decide("b", Decision.APPROVE, 1), decide("c", Decision.MERGE, 2, merge_into=ids["b"]),
             d, d_revised, d_flag, tally(late_id, d_id, 2)]
    # staff correct the post-moderated campaign's title, move its close and promise an answer
    # to ideas with 4 supports (campaign.changed): a's tally of 5 makes its answer due, once
    created = post.model()
    assert isinstance(created, CampaignCreated)
    corrected = Envelope.wrap(CampaignChanged(
        **{**created.model_dump(include=set(CHANGEABLE)), "title": "Greener streets and squares",
           "closes_at": created.closes_at + 7 * day,
           "answer_threshold": AnswerThreshold(supports=4, days=10)}, campaign_id=post_id,
        changed=["title", "closes_at", "answer_threshold"]), actor="admin-1",
        occurred_at=OPENS + day)
    answered = Envelope.wrap(IdeaAnswered(idea_id=ids["b"], campaign_id=pre_id,
                                          state=AnswerState.TAKEN_FORWARD, reason="in the plan"),
                             actor="m-1", occurred_at=OPENS + 4 * day)
    later = [post, corrected, pre, a, revise, b, c, flag("p-x", 1), flag("p-y", 2), flag("p-y", 3),
             decide("a", Decision.RESTORE, 4), late, tally(post_id, ids["a"], 3),
             tally(post_id, ids["a"], 5), answered, tally(post_id, ids["a"], 6)]
    return [post_id, pre_id, late_id], early, later


async def _rows(pool: asyncpg.Pool, schema: str, campaigns: list[uuid.UUID]) -> dict[str, Any]:
    ideas = "SELECT idea_id FROM {s}.ideas WHERE campaign_id = ANY($1::uuid[])"
    queries = {
        "campaigns": "SELECT * FROM {s}.campaigns WHERE campaign_id = ANY($1::uuid[])",
        "ideas": "SELECT * FROM {s}.ideas WHERE campaign_id = ANY($1::uuid[])",
        "revisions": f"SELECT * FROM {{s}}.revisions WHERE idea_id IN ({ideas})",
        "flags": f"SELECT * FROM {{s}}.flags WHERE idea_id IN ({ideas})",
        "decisions": "SELECT * FROM {s}.decisions WHERE campaign_id = ANY($1::uuid[])",
        "auto_hides": "SELECT * FROM {s}.auto_hides WHERE campaign_id = ANY($1::uuid[])",
        "tallies": "SELECT * FROM {s}.tallies WHERE campaign_id = ANY($1::uuid[])",
        "answers": "SELECT * FROM {s}.answers WHERE campaign_id = ANY($1::uuid[])",
        "answers_due": "SELECT * FROM {s}.answers_due WHERE campaign_id = ANY($1::uuid[])",
    }
    out = {}
    for name, sql in queries.items():
        rows = await pool.fetch(sql.format(s=schema), campaigns)
        out[name] = sorted((tuple(r.items()) for r in rows), key=repr)
    return out


async def test_replaying_both_topics_into_empty_tables_gives_the_same_tables(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    campaigns, early, later = _scenario()
    await producer.publish_many(early)
    await producer.publish_many(later)
    live = await eventually(lambda: _rows(pool, "ideas", campaigns),
                            lambda t: len(t["ideas"]) == 4 and len(t["decisions"]) == 3
                            and len(t["flags"]) == 3 and len(t["revisions"]) == 6
                            and len(t["auto_hides"]) == 1
                            and sorted(dict(r)["supports"] for r in t["ideas"]) == [0, 0, 2, 6]
                            and len(t["tallies"]) == 4
                            and len(t["answers"]) == 1 and len(t["answers_due"]) == 1
                            and all(dict(c)["closed_at"] for c in t["campaigns"]),
                            what="live worker applied the scenario and closed the campaigns")
    ideas = sorted((dict(r)["author"], dict(r)["status"], dict(r)["title"])
                   for r in live["ideas"])
    assert "Greener streets and squares" in {dict(r)["title"] for r in live["campaigns"]}
    assert sorted((dict(r)["author"], dict(r)["supports"]) for r in live["ideas"]) == [
        ("p-a", 6), ("p-b", 0), ("p-c", 0), ("p-d", 2)]
    [due] = live["answers_due"]  # reached at 5 supports, not again at 6
    assert (dict(due)["supports"], dict(due)["threshold"]) == (5, 4)
    # a was hidden by two distinct flaggers, then restored; c's merge waited for c to arrive;
    # d and its revision waited for their campaign
    assert ideas == [("p-a", "published", "Shade"), ("p-b", "published", "Trees on the square"),
                     ("p-c", "merged", "Trees on the squares"), ("p-d", "published", "Revised d")]

    copy = f"replay_{uid}"
    await pool.execute(f"CREATE SCHEMA {copy}")
    for table in TABLES:
        await pool.execute(f"CREATE TABLE {copy}.{table} (LIKE ideas.{table} INCLUDING ALL)")
    projection = IdeasProjection(schema=copy, name=f"replay-{uid}")
    runner = ProjectionRunner(projection, pool=pool, producer=producer,
                              bootstrap=infra.kafka_bootstrap_servers, group_id=f"replay-{uid}")
    task = asyncio.create_task(runner.run())
    try:
        try:
            await eventually(lambda: _rows(pool, copy, campaigns), lambda t: t == live,
                             timeout=90, what="replayed tables equal to the live ones")
        except AssertionError:
            replayed = await _rows(pool, copy, campaigns)
            differ = {name: {"live only": [r for r in rows if r not in replayed[name]],
                             "replay only": [r for r in replayed[name] if r not in rows]}
                      for name, rows in live.items() if rows != replayed[name]}
            raise AssertionError(f"replay differs (runner {runner.stats}): {differ}") from None
    finally:
        runner.stop()
        await task
        await pool.execute(f"DROP SCHEMA {copy} CASCADE")
