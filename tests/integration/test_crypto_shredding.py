"""Erasure reaches the topics and the archive: what a participant writes travels sealed under
their key, and once the key is destroyed and `participant.erased` is published, every view shows
"[slettet]" in its place, also after a replay from offset 0, while votes and counts stay."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from schemas import topics
from schemas.common import Sealed
from schemas.envelope import Envelope, decode
from schemas.ideas import IdeaSubmitted
from schemas.identity import ParticipantErased
from services.ideas.handlers import IdeasProjection
from services.infra import db, vault
from services.infra.consumer import Message
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.reporting import queries as reporting_queries
from services.reporting.handlers import ReportingProjection
from services.voting.handlers import StatusProjection, VoteProjection
from tests.e2e.ideas_client import IdeasClient
from tests.helpers import eventually
from tests.integration.ideas_support import OPENS, campaign, find_on_topic

pytestmark = pytest.mark.integration

ERASED = "[slettet]"
PHONE = "+45 20 30 40 50"
SCHEMAS = ("ideas", "voting", "reporting")


def as_json(raw: bytes | None) -> dict[str, Any] | None:
    """A record's value as a JSON object, or None (other tests publish malformed messages)."""
    try:
        value = json.loads(raw or b"")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


async def records(bootstrap: str, topic: str, wanted: set[str], timeout: float = 60
                  ) -> dict[str, bytes]:
    """The raw values of the events `wanted` (event ids) on `topic`, read from offset 0."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: dict[str, bytes] = {}
    try:
        deadline = time.monotonic() + timeout
        while set(found) < wanted and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
                for r in batch:
                    if (value := as_json(r.value)) and value.get("event_id") in wanted:
                        found[value["event_id"]] = r.value
    finally:
        await consumer.stop()
    assert set(found) == wanted, f"not on {topic}: {wanted - set(found)}"
    return found


async def messages_of(bootstrap: str, topic: str, keep: Callable[[dict[str, Any]], bool],
                      expect: int, timeout: float = 60) -> list[Message]:
    """Every message of `topic` from offset 0 that `keep` selects, decoded, in topic order."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: dict[str, Message] = {}
    try:
        deadline = time.monotonic() + timeout
        while len(found) < expect and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
                for r in batch:
                    if (value := as_json(r.value)) and keep(value):
                        env, payload = decode(r.value)
                        found.setdefault(str(env.event_id), Message(
                            r.topic, r.partition, r.offset, r.key, r.value, env, payload))
    finally:
        await consumer.stop()
    assert len(found) >= expect, f"{len(found)} of {expect} messages found on {topic}"
    return sorted(found.values(), key=lambda m: (m.envelope.recorded_at, m.partition, m.offset))


async def holding(conn: Any, text: str) -> list[str]:
    """The tables of the projections' schemas with a row holding `text` anywhere."""
    tables = await conn.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'", list(SCHEMAS))
    found = []
    for t in tables:
        name = f'{t["table_schema"]}."{t["table_name"]}"'
        if await conn.fetchval(f"SELECT count(*) FROM {name} AS r WHERE strpos(r::text, $1) > 0",
                               text):
            found.append(name)
    return found


async def views(conn: Any, http: httpx.AsyncClient | None, client: IdeasClient | None,
                campaign_id: str, ideas: Iterable[str]) -> dict[str, Any]:
    """What people see of the campaign's ideas in each service's read model."""
    ids = [uuid.UUID(i) for i in ideas]
    seen: dict[str, Any] = {
        "ideas": [dict(r) for r in await conn.fetch(
            "SELECT idea_id, title, body, tags, status, status_reason FROM ideas.ideas"
            " WHERE idea_id = ANY($1) ORDER BY idea_id", ids)],
        "revisions": [dict(r) for r in await conn.fetch(
            "SELECT idea_id, revision, title, body, tags FROM ideas.revisions"
            " WHERE idea_id = ANY($1) ORDER BY idea_id, revision", ids)],
        "flags": [dict(r) for r in await conn.fetch(
            "SELECT idea_id, flagger, note FROM ideas.flags WHERE idea_id = ANY($1)"
            " ORDER BY idea_id, flagger", ids)],
        "voting": [dict(r) for r in await conn.fetch(
            "SELECT idea_id, title, status FROM voting.ideas WHERE idea_id = ANY($1)"
            " ORDER BY idea_id", ids)],
        "tallies": [dict(r) for r in await conn.fetch(
            "SELECT idea_id, supports, opposes FROM voting.tallies WHERE idea_id = ANY($1)"
            " ORDER BY idea_id", ids)],
        "reporting": {str(k): v for k, v in (await reporting_queries.ideas_as_of(
            conn, ids, datetime.now(UTC).date())).items()},
    }
    if http is not None and client is not None:
        ranking = (await http.get(f"/campaigns/{campaign_id}/ranking")).json()["ranking"]
        seen["ranking"] = sorted((r["idea_id"], r["title"], r["supports"]) for r in ranking)
        seen["api"] = [await client.idea(i) for i in sorted(ideas)]
    return seen


async def test_erasure_leaves_no_readable_text_in_topics_archive_views_or_a_replay(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    assert infra.kafka_bootstrap_servers and infra.database_url
    bootstrap = infra.kafka_bootstrap_servers
    client = IdeasClient(http, token, uid)
    ana, bo = client.participant("ana"), client.participant("bo")
    ana_id = f"ana-{uid}"
    campaign_id = await client.campaign(moderation="post")

    # ana writes an idea with her phone number, revises it, flags bo's idea with a note and
    # withdraws a second idea with a reason; bo writes an idea of his own
    title, revised = f"Bænke ved kanalen {uid}", f"Flere bænke ved kanalen {uid}"
    idea = await client.submit(campaign_id, ana, title, f"Ring til mig på {PHONE}")
    other = await client.submit(campaign_id, bo, f"Cykelparkering {uid}", "Ved stationen.")
    gone = await client.submit(campaign_id, ana, f"Ana's anden idé {uid}", "Kort.")
    writes = {}
    r = await http.post(f"/ideas/{idea}/revisions", headers=ana, json={
        "title": revised, "body": f"Ring på {PHONE} efter kl. 16", "tags": ["bænke", uid]})
    writes["revision"] = (await client.wait(r, f"/ideas/{idea}", headers=ana)).json()
    writes["revision_id"] = r.json()["event_id"]
    r = await http.post(f"/ideas/{other}/flags", headers=ana,
                        json={"reason": "other", "note": f"Skriv til {PHONE} i stedet"})
    await client.wait(r)
    writes["flag_id"] = r.json()["event_id"]
    r = await http.post(f"/ideas/{gone}/withdrawal", headers=ana,
                        json={"reason": f"Dobbelt; ring {PHONE}"})
    await client.wait(r)
    writes["withdrawal_id"] = r.json()["event_id"]
    votes = []
    for n in range(3):
        voter = client.participant(f"v{n}")
        for target in (idea, other)[: 1 + n % 2]:
            r = await http.post(f"/ideas/{target}/votes", headers=voter, json={"value": 1})
            assert r.status_code == 202, r.text
            votes.append(r.json()["event_id"])
    r = await http.post(f"/ideas/{other}/votes", headers=ana, json={"value": 1})
    votes.append(r.json()["event_id"])
    assert r.status_code == 202, r.text

    def supports(resp: httpx.Response) -> dict[str, int]:
        return {i["idea_id"]: i["supports"] for i in resp.json()["ideas"]}

    await eventually(lambda: http.get(f"/campaigns/{campaign_id}/tally",
                                      headers=client.moderator),
                     lambda resp: supports(resp) == {idea: 3, other: 2, gone: 0}
                     or supports(resp) == {idea: 3, other: 2},
                     what="every vote counted")
    ours = (idea, other, gone)
    before = await eventually(lambda: views(pool, http, client, campaign_id, ours),
                              lambda v: v["reporting"][idea]["title"] in (title, revised)
                              and any(t == revised for _, t, _ in v["ranking"]),
                              what="every service knows the idea's title")
    assert before["api"][sorted(ours).index(idea)]["body"] == f"Ring på {PHONE} efter kl. 16"

    # what travelled and what was archived holds none of it in plain
    status_ids = {str(e) for e in await pool.fetchval(
        "SELECT array_agg(event_id) FROM voting.idea_status WHERE idea_id = ANY($1)",
        [uuid.UUID(i) for i in ours])}
    submitted = await records(bootstrap, topics.IDEAS_SUBMISSIONS.name, {
        writes["revision_id"], writes["flag_id"], writes["withdrawal_id"]})
    status = await records(bootstrap, topics.STATUS.name, status_ids)
    for raw in (*submitted.values(), *status.values()):
        for secret in (PHONE, title, revised, "bænke", "Dobbelt"):
            assert secret.encode() not in raw and json.dumps(secret).encode() not in raw
    assert all(b'"sealed":{' in raw for raw in submitted.values())
    for secret in (PHONE, title, revised):
        for text in (secret.encode(), json.dumps(secret)[1:-1].encode()):
            assert await pool.fetchval("SELECT count(*) FROM archive.events"
                                       " WHERE position($1::bytea in value) > 0", text) == 0

    # erasure: the key first, then the event, through the archiving producer
    async with pool.acquire() as conn:
        assert await vault.shred(conn, ana_id) is True
    erased = Envelope.wrap(ParticipantErased(participant_id=ana_id, erased_by=ana_id),
                           actor=ana_id)
    await producer.publish(erased)
    for schema in SCHEMAS:
        await eventually(lambda: db.event_applied(pool, schema, erased.event_id),  # noqa: B023
                         lambda done: done, what=f"{schema} applied the erasure")

    after = await views(pool, http, client, campaign_id, ours)
    mine = {i: next(x for x in after["ideas"] if str(x["idea_id"]) == i) for i in ours}
    assert (mine[idea]["title"], mine[idea]["body"], mine[idea]["tags"]) == (ERASED, ERASED, [])
    assert mine[gone]["status"] == "withdrawn" and mine[gone]["status_reason"] == ERASED
    assert mine[other]["title"] == f"Cykelparkering {uid}"  # bo's text is his own
    assert {(str(r["idea_id"]), r["title"]) for r in after["revisions"]} == {
        (idea, ERASED), (gone, ERASED), (other, f"Cykelparkering {uid}")}
    assert [f["note"] for f in after["flags"]] == [ERASED]
    assert {str(v["idea_id"]): v["title"] for v in after["voting"]}[idea] == ERASED
    assert after["reporting"][idea]["title"] == ERASED
    assert after["reporting"][other]["title"] == f"Cykelparkering {uid}"
    assert {i: t for i, t, _ in after["ranking"]}[idea] == ERASED
    api = after["api"][sorted(ours).index(idea)]
    assert (api["title"], api["body"], api["tags"]) == (ERASED, ERASED, [])
    # votes and counts stay, ana's own vote included
    assert after["tallies"] == before["tallies"]
    assert [(i, s) for i, _, s in after["ranking"]] == [(i, s) for i, _, s in before["ranking"]]
    async with pool.acquire() as conn:
        for secret in (PHONE, title, revised, f"Ana's anden idé {uid}"):
            assert await holding(conn, secret) == [], secret

    # a replay from offset 0 into an empty database (with the vault as it is now) gives the same
    wanted_ids = {str(erased.event_id)}

    def ours_only(value: dict[str, Any]) -> bool:
        payload = value.get("payload", {})
        return (payload.get("campaign_id") == campaign_id
                or value.get("event_id") in wanted_ids)

    async def archived(topic: str) -> int:  # how many to expect: the archive has them all
        return int(await pool.fetchval(
            "WITH ours AS MATERIALIZED (SELECT value FROM archive.events WHERE topic = $1"
            " AND (position($2::bytea in value) > 0 OR position($3::bytea in value) > 0))"
            " SELECT count(DISTINCT convert_from(value, 'UTF8')::jsonb->>'event_id') FROM ours",
            topic, campaign_id.encode(), str(erased.event_id).encode()))

    submissions, statuses, cast = [
        await messages_of(bootstrap, t.name, ours_only, await archived(t.name))
        for t in (topics.IDEAS_SUBMISSIONS, topics.STATUS, topics.VOTES)]
    assert len(submissions) == 6 and len(cast) == len(votes)
    assert str(erased.event_id) in {str(m.envelope.event_id) for m in statuses}
    name = f"shred_{uid}"
    await pool.execute(f"CREATE DATABASE {name}")
    url = urlsplit(infra.database_url)
    replayed = await db.create_pool(urlunsplit(url._replace(path=f"/{name}")))
    try:
        await vault.setup(replayed)
        async with pool.acquire() as live, replayed.acquire() as conn:
            # the installation's vault, as a log export carries it (keys, erasures, erased keys)
            await vault.import_keys(conn, await vault.export_keys(live))
            for schema in SCHEMAS:
                await db.migrate(replayed, schema)
            plan = ((IdeasProjection(), submissions + statuses), (StatusProjection(), statuses),
                    (VoteProjection(), cast),
                    (ReportingProjection(), submissions + statuses + cast))
            for projection, batch in plan:
                async with conn.transaction():
                    outcome = await projection.apply(conn, batch)
                assert outcome.refuse == [], outcome.refuse
            again = await views(conn, None, None, campaign_id, ours)
            for part in ("ideas", "revisions", "flags", "voting", "tallies", "reporting"):
                assert again[part] == after[part], part
            for secret in (PHONE, title, revised):
                assert await holding(conn, secret) == [], secret
    finally:
        await replayed.close()
        await pool.execute(f"DROP DATABASE {name}")


async def test_an_altered_text_is_dead_lettered_and_an_erased_one_is_not(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str
) -> None:
    assert infra.kafka_bootstrap_servers
    camp = campaign()
    campaign_id = camp.model().campaign_id  # type: ignore[attr-defined]
    text = {"title": f"Lys på stien {uid}", "body": "Ring 12 34 56 78", "tags": []}
    writer, erased_writer = f"ok-{uid}", f"gone-{uid}"
    async with pool.acquire() as conn:
        good = await vault.seal(conn, writer, text)
        gone = await vault.seal(conn, erased_writer, text)
        await vault.shred(conn, erased_writer)
    raw = bytearray(base64.b64decode(good.ciphertext))
    raw[-1] ^= 1  # the tag no longer matches: altered on the way
    altered = good.model_copy(update={"ciphertext": base64.b64encode(bytes(raw)).decode()})

    def sealed_idea(sealed: Sealed, actor: str) -> Envelope:
        return Envelope.wrap(IdeaSubmitted(idea_id=uuid.uuid4(), campaign_id=campaign_id,
                                           sealed=sealed), actor=actor,
                             occurred_at=OPENS + timedelta(days=2))

    events = [sealed_idea(altered, writer), sealed_idea(gone, erased_writer),
              sealed_idea(good, writer)]
    await producer.publish_many([camp, *events])
    ids = [e.model().idea_id for e in events]  # type: ignore[attr-defined]
    rows = await eventually(
        lambda: pool.fetch("SELECT idea_id, title, body FROM ideas.ideas WHERE idea_id = ANY($1)",
                           ids),
        lambda r: len(r) == 2, what="the readable and the erased idea stored")
    stored = {r["idea_id"]: (r["title"], r["body"]) for r in rows}
    assert stored == {ids[1]: (ERASED, ERASED), ids[2]: (text["title"], text["body"])}
    [dead] = await find_on_topic(infra.kafka_bootstrap_servers, "ideas.submissions.dlq",
                                 lambda v: v.get("consumer") == "ideas"
                                 and str(events[0].event_id) in v.get("original", ""))
    assert dead["reason"] == "unreadable_text" and "does not open" in dead["detail"]
    # the erased writer's event was applied, not refused, by reporting too: erasure is not a
    # bad message
    kept = await eventually(
        lambda: pool.fetchval("SELECT payload->>'title' FROM reporting.events"
                              " WHERE event_id = $1", events[1].event_id),
        lambda title: title is not None, what="reporting kept the erased idea's event")
    assert kept == ERASED
