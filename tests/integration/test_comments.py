"""Comments on ideas, on the real broker and database: a comment's whole moderation life (pending,
approved, replied to, flagged until hidden, kept, hidden, restored), what the public, the author
and staff each see, the refusals at the edge and in the projection, the moderation log, the
derived `comment.status_changed` events, a replay into empty tables, and erasure."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest

from schemas.comments import CommentPosted, CommentText
from schemas.common import Sealed
from schemas.envelope import Envelope
from schemas.identity import ParticipantErased
from services.ideas.handlers import IdeasProjection
from services.infra import db, vault
from services.infra.consumer import ProjectionRunner
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient
from tests.helpers import eventually
from tests.integration.ideas_support import find_on_topic

pytestmark = pytest.mark.integration

ERASED = "[slettet]"
PHONE = "+45 31 41 59 26"
COMMENT_TABLES = ("comments", "comment_flags", "comment_decisions", "comment_withdrawals",
                  "comment_auto_hides")
TABLES = ("campaigns", "ideas", "revisions", "flags", "decisions", "withdrawals",
          "parked_submissions", "consumer_offsets", "applied_events", "revision_decisions",
          "auto_hides", "vote_decisions", "tallies", *COMMENT_TABLES)


class Comments:
    """The comment routes, each write waited for until the ideas worker applied it."""

    def __init__(self, http: httpx.AsyncClient, client: IdeasClient) -> None:
        self.http, self.client = http, client

    async def applied(self, r: httpx.Response) -> httpx.Response:
        assert r.status_code == 202, r.text
        await self.client.wait(r)
        return r

    async def post(self, idea: str, who: dict[str, str], body: str,
                   parent: str | None = None) -> str:
        r = await self.http.post(f"/ideas/{idea}/comments", headers=who,
                                 json={"body": body, "parent_id": parent})
        return str((await self.applied(r)).json()["comment_id"])

    async def decide(self, comment: str, decision: str, reason: str) -> None:
        await self.applied(await self.http.post(
            f"/moderation/comments/{comment}/decisions", headers=self.client.moderator,
            json={"decision": decision, "reason": reason}))

    async def flag(self, comment: str, who: dict[str, str]) -> httpx.Response:
        return await self.http.post(f"/comments/{comment}/flags", headers=who,
                                    json={"reason": "offensive"})

    async def seen(self, idea: str, who: dict[str, str] | None = None) -> dict[str, Any]:
        """comment id -> (body, status) of every comment the caller sees, replies included."""
        r = await self.http.get(f"/ideas/{idea}/comments", headers=who or {})
        assert r.status_code == 200, r.text
        out = {}
        for c in r.json():
            out[c["comment_id"]] = (c["body"], c["status"])
            for reply in c["replies"]:
                assert reply["parent_id"] == c["comment_id"]
                out[reply["comment_id"]] = (reply["body"], reply["status"])
        return out

    async def counts(self, campaign: str) -> tuple[int, dict[str, int]]:
        page = (await self.http.get(f"/campaigns/{campaign}/ideas")).json()
        return page["comments"], {i["idea_id"]: i["comments"] for i in page["ideas"]}

    async def queue(self, campaign: str) -> dict[str, str]:
        r = await self.http.get("/moderation/comments", headers=self.client.moderator,
                                params={"campaign_id": campaign})
        assert r.status_code == 200, r.text
        return {c["comment_id"]: c["status"] for c in r.json()}


def refusal(r: httpx.Response) -> tuple[int, str | None]:
    """The status and code of an answer (a 202 has no code)."""
    body = r.json()
    return r.status_code, body["detail"]["code"] if r.status_code >= 400 else str(body)


async def _published_idea(client: IdeasClient, moderation: str, threshold: int = 3
                          ) -> tuple[str, str]:
    campaign = await client.campaign(moderation=moderation, flag_threshold=threshold)
    idea = await client.submit(campaign, client.participant("author"), "Shade on the square")
    if moderation == "pre":
        await client.decide(idea, "approve", "fine")
    return campaign, idea


async def test_a_comment_s_whole_moderation_life_in_a_pre_moderated_campaign(
    stack: Stack, infra: Settings, http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    client = IdeasClient(http, token, uid)
    c = Comments(http, client)
    ann, bo, carl, dan, eve = (client.participant(n) for n in ("ann", "bo", "carl", "dan", "eve"))
    campaign, idea = await _published_idea(client, "pre", threshold=2)

    first = await c.post(idea, ann, "Plant lime trees, they smell of summer.")
    # pending: not public, but its author and staff see it with its status
    assert first not in await c.seen(idea)
    assert first not in await c.seen(idea, bo)
    assert (await c.seen(idea, ann))[first][1] == "pending"
    assert (await c.seen(idea, client.moderator))[first][1] == "pending"
    assert (await c.queue(campaign)) == {first: "pending"}
    assert await c.counts(campaign) == (0, {idea: 0})
    r = await http.post(f"/ideas/{idea}/comments", headers=bo,
                        json={"body": "Agreed", "parent_id": first})
    assert refusal(r) == (409, "parent_not_published")

    await c.decide(first, "approve", "on topic")
    assert (await c.seen(idea))[first] == ("Plant lime trees, they smell of summer.", "published")
    assert await c.queue(campaign) == {}

    reply = await c.post(idea, bo, "Lime trees drip in July.", parent=first)
    assert reply not in await c.seen(idea)
    await c.decide(reply, "approve", "a fair point")
    public = (await http.get(f"/ideas/{idea}/comments")).json()
    assert [(x["comment_id"], [y["comment_id"] for y in x["replies"]]) for x in public] == [
        (first, [reply])]
    assert await c.counts(campaign) == (2, {idea: 2})
    # one level of replies: at the edge, and in the projection for an event that skips it
    r = await http.post(f"/ideas/{idea}/comments", headers=carl,
                        json={"body": "And sap on cars", "parent_id": reply})
    assert refusal(r) == (409, "reply_to_reply")

    # flags: not one's own, once each; two distinct flaggers hide it (the campaign's threshold)
    r = await c.flag(first, ann)
    assert refusal(r) == (403, "own_comment")
    await c.applied(await c.flag(first, carl))
    r = await c.flag(first, carl)
    assert refusal(r) == (409, "comment_already_flagged")
    assert (await c.seen(idea))[first][1] == "published"
    await c.applied(await c.flag(first, dan))
    assert first not in await c.seen(idea)
    assert reply not in await c.seen(idea)  # shown under its comment only
    assert (await c.seen(idea, ann))[first][1] == "hidden"
    assert await c.queue(campaign) == {first: "hidden"}
    assert await c.counts(campaign) == (0, {idea: 0})

    # keep: the flags were unfounded; it is public again and they count from here
    await c.decide(first, "keep", "criticism, not abuse")
    assert (await c.seen(idea))[first][1] == "published"
    await c.applied(await c.flag(first, eve))
    assert (await c.seen(idea))[first][1] == "published"
    await c.decide(first, "hide", "names a neighbour")
    assert first not in await c.seen(idea)
    await c.decide(first, "restore", "the name was a street's")
    assert (await c.seen(idea))[first][1] == "published"
    assert await c.counts(campaign) == (2, {idea: 2})
    r = await http.post(f"/moderation/comments/{first}/decisions", headers=client.moderator,
                        json={"decision": "approve", "reason": "again"})
    assert refusal(r) == (409, "comment_decision_not_applicable")

    # the log holds every decision with its reason, and the hide by flags with its flaggers
    log = (await http.get("/moderation/comments/log", params={"idea_id": idea},
                          headers=client.moderator)).json()
    assert [(e["comment_id"], e["kind"], e["decision"], e["reason"]) for e in reversed(log)] == [
        (first, "decision", "approve", "on topic"),
        (reply, "decision", "approve", "a fair point"),
        (first, "auto_hide", None,
         f"hidden automatically: flagged by 2 participants (carl-{uid}, dan-{uid})"),
        (first, "decision", "keep", "criticism, not abuse"),
        (first, "decision", "hide", "names a neighbour"),
        (first, "decision", "restore", "the name was a street's")]
    assert {e["moderator"] for e in log if e["kind"] == "decision"} == {f"mod-{uid}"}

    # other services learn of it from comment.status_changed: who wrote, who was replied to
    changes = await find_on_topic(
        infra.kafka_bootstrap_servers, "status",
        lambda v: v.get("type") == "comment.status_changed"
        and v["payload"]["idea_id"] == idea, count=8)
    steps = [(p["comment_id"], p["previous"], p["status"]) for p in
             (v["payload"] for v in changes)]
    assert steps == [(first, None, "pending"), (first, "pending", "published"),
                     (reply, None, "pending"), (reply, "pending", "published"),
                     (first, "published", "hidden"), (first, "hidden", "published"),
                     (first, "published", "hidden"), (first, "hidden", "published")]
    replied = next(v["payload"] for v in changes if v["payload"]["comment_id"] == reply)
    assert (replied["author"], replied["parent_author"]) == (f"bo-{uid}", f"ann-{uid}")
    assert all("Plant" not in json.dumps(v) for v in changes)  # no text travels in them


async def test_a_reply_to_a_reply_that_reaches_the_topic_is_dead_lettered(
    infra: Settings, stack: Stack, http: httpx.AsyncClient, token: Callable[..., str],
    pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    client = IdeasClient(http, token, uid)
    c = Comments(http, client)
    campaign, idea = await _published_idea(client, "post")
    top = await c.post(idea, client.participant("ann"), "Top")
    reply = await c.post(idea, client.participant("bo"), "Reply", parent=top)
    async with pool.acquire() as conn:
        sealed = await vault.seal(conn, f"carl-{uid}", CommentText(body="Deeper").model_dump())
    deeper = Envelope.wrap(CommentPosted(comment_id=uuid.uuid4(), idea_id=uuid.UUID(idea),
                                         campaign_id=uuid.UUID(campaign),
                                         parent_id=uuid.UUID(reply), sealed=sealed),
                           actor=f"carl-{uid}")
    await producer.publish(deeper)
    [dead] = await find_on_topic(infra.kafka_bootstrap_servers, "ideas.submissions.dlq",
                                 lambda v: v.get("consumer") == "ideas"
                                 and str(deeper.event_id) in str(v.get("original")))
    assert dead["reason"] == "reply_to_reply"
    assert set(await c.seen(idea)) == {top, reply}


async def test_post_moderated_rejected_and_withdrawn_comments(
    stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    client = IdeasClient(http, token, uid)
    c = Comments(http, client)
    ann, bo = client.participant("ann"), client.participant("bo")
    campaign, idea = await _published_idea(client, "post")
    at_once = await c.post(idea, ann, "Public at once")
    assert (await c.seen(idea))[at_once] == ("Public at once", "published")
    assert await c.counts(campaign) == (1, {idea: 1})

    # rejected: never public again; its author sees it with the moderator's reason
    rejected = await c.post(idea, bo, "Buy my bikes")
    await c.decide(rejected, "reject", "advertising")
    assert rejected not in await c.seen(idea)
    mine = (await http.get(f"/ideas/{idea}/comments", headers=bo)).json()
    assert [(x["status"], x["status_reason"]) for x in mine
            if x["comment_id"] == rejected] == [("rejected", "advertising")]

    # pre-moderated and rejected before anyone saw it: never public
    _, pre_idea = await _published_idea(client, "pre")
    never = await c.post(pre_idea, bo, "Spam")
    await c.decide(never, "reject", "spam")
    assert never not in await c.seen(pre_idea)
    assert never not in await c.seen(pre_idea, ann)

    # withdrawal: only by the author, and then shown to no one but staff
    r = await http.delete(f"/comments/{at_once}", headers=bo)
    assert refusal(r) == (403, "not_comment_author")
    await c.applied(await http.delete(f"/comments/{at_once}", headers=ann))
    assert at_once not in await c.seen(idea)
    assert at_once not in await c.seen(idea, ann)
    assert (await c.seen(idea, client.moderator))[at_once][1] == "withdrawn"
    assert await c.counts(campaign) == (0, {idea: 0})
    r = await http.post(f"/moderation/comments/{at_once}/decisions", headers=client.moderator,
                        json={"decision": "restore", "reason": "no"})
    assert refusal(r) == (409, "comment_decision_not_applicable")
    # a comment on an idea that is not published is refused
    pending_campaign = await client.campaign(moderation="pre")
    waiting = await client.submit(pending_campaign, ann, "Not yet approved")
    r = await http.post(f"/ideas/{waiting}/comments", headers=ann, json={"body": "Mine"})
    assert refusal(r) == (409, "idea_not_published")


async def _comment_rows(pool: asyncpg.Pool, schema: str, ideas: list[uuid.UUID]
                        ) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    ids = [r["comment_id"] for r in await pool.fetch(
        f"SELECT comment_id FROM {schema}.comments WHERE idea_id = ANY($1)", ideas)]
    for table in COMMENT_TABLES:
        rows = await pool.fetch(f"SELECT * FROM {schema}.{table} WHERE comment_id = ANY($1)"
                                " ORDER BY event_id", ids)
        out[table] = [dict(r) for r in rows]
    return out


async def test_replaying_the_topics_into_empty_tables_gives_the_same_comment_tables(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer,
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    """Runs after the tests above (same module, same topics): every comment they left."""
    assert infra.kafka_bootstrap_servers
    ideas = [r["idea_id"] for r in await pool.fetch(
        "SELECT DISTINCT idea_id FROM ideas.comments")]
    live = await _comment_rows(pool, "ideas", ideas)
    assert len(live["comments"]) >= 6 and live["comment_decisions"] and live["comment_auto_hides"]
    copy = f"replay_{uid}"
    await pool.execute(f"CREATE SCHEMA {copy}")
    # every table of the service (answers, too, are on these topics), not a list kept by hand
    tables = [r["table_name"] for r in await pool.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ideas'"
        " AND table_type = 'BASE TABLE'")]
    assert set(TABLES) <= set(tables)
    for table in tables:
        await pool.execute(f"CREATE TABLE {copy}.{table} (LIKE ideas.{table} INCLUDING ALL)")
    projection = IdeasProjection(schema=copy, name=f"replay-{uid}")
    runner = ProjectionRunner(projection, pool=pool, producer=producer,
                              bootstrap=infra.kafka_bootstrap_servers, group_id=f"replay-{uid}")
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: _comment_rows(pool, copy, ideas), lambda t: t == live,
                         timeout=90, what="replayed comment tables equal to the live ones")
    finally:
        runner.stop()
        await task
        await pool.execute(f"DROP SCHEMA {copy} CASCADE")


async def test_an_erased_author_s_comments_read_slettet_and_the_archive_cannot_open_them(
    infra: Settings, stack: Stack, pool: asyncpg.Pool, producer: EventProducer,
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    client = IdeasClient(http, token, uid)
    c = Comments(http, client)
    ana, bo = client.participant("ana"), client.participant("bo")
    ana_id = f"ana-{uid}"
    campaign, idea = await _published_idea(client, "post")
    mine = await c.post(idea, ana, f"Ring til mig på {PHONE}")
    theirs = await c.post(idea, bo, "Gerne flere bænke", parent=mine)
    # the text travelled and was archived sealed only
    for text in (PHONE.encode(), json.dumps(PHONE)[1:-1].encode()):
        assert await pool.fetchval("SELECT count(*) FROM archive.events"
                                   " WHERE position($1::bytea in value) > 0", text) == 0
    rows = await pool.fetch("SELECT value FROM archive.events WHERE topic = 'ideas.submissions'"
                            " AND position($1::bytea in value) > 0", mine.encode())
    [archived] = [v for v in (json.loads(r["value"]) for r in rows)
                  if v["type"] == "comment.posted" and v["payload"]["comment_id"] == mine]

    async with pool.acquire() as conn:
        assert await vault.shred(conn, ana_id) is True
    erased = Envelope.wrap(ParticipantErased(participant_id=ana_id, erased_by=ana_id),
                           actor=ana_id)
    await producer.publish(erased)
    await eventually(lambda: db.event_applied(pool, "ideas", erased.event_id), lambda done: done,
                     what="the ideas service applied the erasure")
    seen = await c.seen(idea)
    assert seen[mine] == (ERASED, "published")
    assert seen[theirs] == ("Gerne flere bænke", "published")  # bo's text is his own
    assert (await c.counts(campaign))[0] == 2  # the comments stay, and are counted
    r = await http.post(f"/ideas/{idea}/comments", headers=ana, json={"body": "Hej igen"})
    assert refusal(r) == (403, "participant_erased")
    async with pool.acquire() as conn:
        assert await vault.open_many(conn, [Sealed.model_validate(
            archived["payload"]["sealed"])]) == [None]
