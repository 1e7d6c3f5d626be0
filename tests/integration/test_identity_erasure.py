"""Right to erasure, end to end: after DELETE /me no API response and no table holds the person's
name, e-mail, organisation or the phone number they wrote; votes keep counting; the erasure is in
the log; and a replay of every projection from offset 0 brings none of it back."""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from services.identity.commands import reapply
from services.identity.domain import SELF_ERASURE_REASON
from services.infra import vault
from services.infra.auth import mint_token
from services.infra.replay import replay
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient, bearer
from tests.helpers import eventually

pytestmark = pytest.mark.integration

TEXTUAL = ("text", "character varying", "character", "json", "jsonb", "ARRAY", "bytea")
PROJECTIONS = ("ideas", "voting", "reporting")
# set to a file name to keep what the person's data and idea looked like before and after
SAMPLE = os.environ.get("ERASURE_SAMPLE_TO")


async def holders(pool: asyncpg.Pool, needles: list[str]) -> list[str]:
    """Every (schema.table.column: needle) of the whole database whose value contains a needle:
    text, JSON and arrays as text, bytes (the archive's records) as UTF-8."""
    columns = await pool.fetch(
        "SELECT c.table_schema, c.table_name, c.column_name, c.data_type"
        " FROM information_schema.columns c JOIN information_schema.tables t"
        " USING (table_schema, table_name) WHERE t.table_type = 'BASE TABLE'"
        " AND c.table_schema NOT IN ('pg_catalog', 'information_schema')"
        " AND c.data_type = ANY($1::text[])", list(TEXTUAL))
    found = []
    for c in columns:
        column = f'"{c["column_name"]}"'
        value = column if c["data_type"] == "bytea" else f"convert_to({column}::text, 'UTF8')"
        for needle in needles:
            hit = await pool.fetchval(
                f'SELECT 1 FROM "{c["table_schema"]}"."{c["table_name"]}"'
                f" WHERE position(convert_to($1, 'UTF8') in {value}) > 0 LIMIT 1", needle)
            if hit:
                found.append(f"{c['table_schema']}.{c['table_name']}.{c['column_name']}: {needle}")
    return found


class Walk:
    """Every GET that could show the erased person, as everyone who could call it."""

    def __init__(self, http: httpx.AsyncClient, callers: dict[str, dict[str, str]],
                 cid: str, ideas: list[str]) -> None:
        self.http, self.callers, self.cid, self.ideas = http, callers, cid, ideas

    def paths(self) -> list[str]:
        c = self.cid
        paths = [f"/campaigns/{c}", f"/campaigns/{c}/ideas", f"/campaigns/{c}/tally",
                 f"/campaigns/{c}/tally?format=csv", f"/campaigns/{c}/ranking",
                 f"/campaigns/{c}/selection", f"/campaigns/{c}/participation",
                 f"/campaigns/{c}/export.pb", f"/moderation/queue?campaign_id={c}",
                 f"/moderation/log?campaign_id={c}", f"/moderation/votes?campaign_id={c}",
                 "/me/data", "/me/profile", "/me/ideas", f"/me/votes?campaign={c}",
                 "/participants/erasures?limit=500"]
        for idea in self.ideas:
            paths += [f"/ideas/{idea}", f"/ideas/{idea}/history"]
        return paths

    async def showing(self, needles: list[str]) -> list[str]:
        shown, answered = [], 0
        for path in self.paths():
            for who, headers in self.callers.items():
                r = await self.http.get(path, headers=headers)
                assert r.status_code < 500, f"{path} as {who}: {r.status_code} {r.text[:200]}"
                answered += r.status_code == 200
                shown += [f"GET {path} as {who}: {n}" for n in needles if n in r.text]
        assert answered > len(self.paths()), "the walk must read real answers, not refusals"
        return shown


async def _json(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _counts(tally: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    return {t["idea_id"]: (t["supports"], t["opposes"], t["score"], t["voters"])
            for t in tally["ideas"]}


async def test_erasure_leaves_no_personal_data_in_any_answer_or_table_even_after_a_replay(
    stack: Stack, http: httpx.AsyncClient, infra: Settings, pool: asyncpg.Pool,
    token: Callable[..., str], uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    name, email, org = f"Mette Kjaer {uid}", f"mette.{uid}@aarhus.dk", f"Aarhus Kommune {uid}"
    phone = "+45 " + " ".join(f"{random.randrange(100):02d}" for _ in range(4))
    needles = [name, email, org, phone]
    me_sub = f"p-{uid}"
    me = bearer(mint_token(infra, sub=me_sub, roles=["participant"], sector="municipality",
                           profile={"name": name, "email": email, "organisation": org}))
    other = bearer(mint_token(infra, sub=f"q-{uid}", roles=["participant"],
                              profile={"name": f"Per Holm {uid}"}))
    r = await http.put("/me/profile", headers=me, json={
        "display_name": name, "email": email, "organisation": org, "show_name": True})
    assert r.status_code == 200, r.text

    cid = await client.campaign(moderation="post", shows_author_names=True)
    mine = await client.submit(cid, me, "Cargo bikes for day care",
                               body=f"Ring til mig på {phone} efter kl. 16.")
    r = await http.post(f"/ideas/{mine}/revisions", headers=me, json={
        "title": "Cargo bikes for every day care", "body": f"Stadig {phone}, også i weekenden."})
    await client.wait(r, headers=me)
    theirs = await client.submit(cid, other, "Green roofs on bus shelters")
    r = await http.post(f"/ideas/{theirs}/flags", headers=me,
                        json={"reason": "duplicate", "note": f"ligner min; ring {phone}"})
    await client.wait(r, headers=me)
    for voter, idea in ((me, theirs), (other, mine), (other, theirs)):
        r = await http.post(f"/ideas/{idea}/votes", headers=voter)
        assert r.status_code == 202, r.text
    async def tally() -> dict[str, Any]:
        body: dict[str, Any] = await _json(await http.get(f"/campaigns/{cid}/tally"))
        return body

    before = await eventually(
        tally,
        lambda t: _counts(t).get(mine, (0,))[0] == 1 and _counts(t).get(theirs, (0,))[0] == 2,
        what="every vote counted")
    data_before = await _json(await http.get("/me/data", headers=me))
    idea_before = await _json(await http.get(f"/ideas/{mine}"))
    assert idea_before["author_name"] == name and phone in idea_before["body"]

    callers = {"anonymous": {}, "the erased": me, "another participant": other,
               "a moderator": client.moderator, "an admin": client.admin}
    walk = Walk(http, callers, cid, [mine, theirs])
    # the checks can fail: before the erasure the person is everywhere
    assert {n for n in needles if any(n in s for s in await walk.showing(needles))} == set(needles)
    assert {n for n in needles if any(n in h for h in await holders(pool, needles))} == set(needles)

    r = await http.delete("/me", headers=me)
    assert r.status_code == 202, r.text
    erased_event = r.json()["event_id"]

    async def nothing_left() -> None:
        left = await eventually(lambda: holders(pool, needles), lambda h: not h, timeout=60,
                                what="no table holding the erased person")
        assert left == []
        assert await walk.showing(needles) == []
        assert _counts(await tally()) == _counts(before)
        assert (await http.get("/me/profile", headers=me)).status_code == 404
        log = await _json(await http.get("/participants/erasures?limit=500",
                                         headers=client.admin))
        assert [(e["requested_by"], e["reason"], e["event_id"]) for e in log
                if e["participant_id"] == me_sub] == [(me_sub, SELF_ERASURE_REASON, erased_event)]

    await nothing_left()
    # the archive still holds every event of hers, her text in them as ciphertext only
    archived = await pool.fetch(
        "SELECT convert_from(value, 'UTF8') AS v FROM archive.events"
        " WHERE position(convert_to($1, 'UTF8') in value) > 0", mine)
    texts = [json.loads(r["v"]) for r in archived]
    sealed = [t for t in texts if t["type"] in ("idea.submitted", "idea.revised")]
    assert len(sealed) == 2 and all("ciphertext" in t["payload"]["sealed"] for t in sealed)
    assert all(t["payload"].get("body") is None and t["payload"].get("title") is None
               for t in sealed)
    data_after = await _json(await http.get("/me/data", headers=me))
    idea_after = await _json(await http.get(f"/ideas/{mine}"))
    assert data_after["identity"]["profile"] is None
    assert idea_after["author_name"] is None and idea_after["body"] == "[slettet]"
    assert [v["state"] for v in data_after["voting"]["votes"]] == ["counted"]
    # asked again: the same event, nothing new
    again = await _json(await http.delete("/me", headers=me), 202)
    assert again["event_id"] == erased_event

    # a replay of every projection from offset 0 brings nothing back
    for service in PROJECTIONS:
        await asyncio.to_thread(stack.stop_process, service)
    try:
        for service in PROJECTIONS:
            assert await replay(infra, service, confirmed=True, force=True, out=io.StringIO(),
                                err=io.StringIO()) == 0
    finally:
        for service in PROJECTIONS:
            await asyncio.to_thread(stack.start_worker, service)
        await asyncio.to_thread(stack.wait_ready, 120)
    # the replay reads every event of the test session: the campaign comes back when it gets there
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.status_code == 200 and _counts(r.json()) == _counts(before),
                     timeout=300, what="the tally rebuilt by the replay")
    await eventually(lambda: http.get(f"/ideas/{mine}/history", headers=client.moderator),
                     lambda r: r.status_code == 200 and len(r.json()) == 2, timeout=300,
                     what="the erased person's idea rebuilt by the replay")
    await nothing_left()

    if SAMPLE:
        await asyncio.to_thread(
            Path(SAMPLE).write_text,
            "# One participant's erasure (DELETE /me)\n\n"
            + "".join(f"## {title}\n\n```json\n{json.dumps(doc, indent=2, ensure_ascii=False)}"
                      "\n```\n\n" for title, doc in (
                          ("GET /me/data before", data_before), ("GET /me/data after", data_after),
                          (f"GET /ideas/{mine} before", idea_before),
                          (f"GET /ideas/{mine} after", idea_after))), "utf-8")


async def test_an_admin_erases_a_participant_with_a_reason(
    stack: Stack, http: httpx.AsyncClient, infra: Settings, pool: asyncpg.Pool,
    token: Callable[..., str], uid: str,
) -> None:
    name, email = f"Jens Bak {uid}", f"jens.{uid}@region.dk"
    sub = f"j-{uid}"
    him = bearer(mint_token(infra, sub=sub, roles=["participant"],
                            profile={"name": name, "email": email, "organisation": "Region H"}))
    assert (await _json(await http.get("/me/profile", headers=him)))["email"] == email
    admin = bearer(token("admin", sub=f"admin-{uid}"))

    refused = await http.post(f"/participants/{sub}/erasure", headers=admin, json={})
    assert refused.status_code == 422 and "reason" in refused.text
    assert (await http.post(f"/participants/{sub}/erasure", json={"reason": "x"})
            ).status_code == 401
    reason = "written request received 2026-11-30, case 2026-1187"
    r = await http.post(f"/participants/{sub}/erasure", headers=admin, json={"reason": reason})
    assert r.status_code == 202, r.text
    event_id = r.json()["event_id"]

    assert (await http.get("/me/profile", headers=him)).status_code == 404
    # a sign-in after the erasure makes no new profile, and an edit is refused
    refused = await http.put("/me/profile", headers=him, json={"display_name": name})
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "participant_erased"
    assert await holders(pool, [name, email]) == []
    log = await _json(await http.get("/participants/erasures?limit=500", headers=admin))
    assert [(e["requested_by"], e["reason"], e["event_id"]) for e in log
            if e["participant_id"] == sub] == [(f"admin-{uid}", reason, event_id)]
    # the log names no erased data
    assert name not in json.dumps(log) and email not in json.dumps(log)


async def test_after_restoring_a_backup_the_erasures_since_are_applied_again_from_the_topic(
    stack: Stack, http: httpx.AsyncClient, infra: Settings, pool: asyncpg.Pool,
    token: Callable[..., str], uid: str,
) -> None:
    assert infra.kafka_bootstrap_servers
    sub, name = f"k-{uid}", f"Kirsten Friis {uid}"
    her = bearer(mint_token(infra, sub=sub, roles=["participant"], profile={"name": name}))
    client = IdeasClient(http, token, uid)
    cid = await client.campaign(moderation="post")
    await client.submit(cid, her, "Libraries open on Sundays")  # she now has a key
    r = await http.delete("/me", headers=her)
    assert r.status_code == 202, r.text

    # the database as a backup from before the erasure has it: her key, her profile, no record
    await pool.execute("DELETE FROM vault.shredded WHERE participant_id = $1", sub)
    await pool.execute("DELETE FROM identity.erasures WHERE participant_id = $1", sub)
    async with pool.acquire() as conn:
        await vault.keys_for(conn, [sub])
    await pool.execute("INSERT INTO identity.participants (participant_id, display_name)"
                       " VALUES ($1, $2)", sub, name)
    assert await holders(pool, [name]) != []

    found, destroyed = await reapply(pool, infra.kafka_bootstrap_servers)
    assert found >= 1 and destroyed >= 1
    assert await pool.fetchval("SELECT count(*) FROM vault.keys WHERE participant_id = $1",
                               sub) == 0
    assert await holders(pool, [name]) == []
    row = await pool.fetchrow("SELECT requested_by, event_id FROM identity.erasures"
                              " WHERE participant_id = $1", sub)
    assert row is not None and (row["requested_by"], str(row["event_id"])) == (
        sub, r.json()["event_id"])
    # again: nothing more to do for her
    await reapply(pool, infra.kafka_bootstrap_servers)
    assert await pool.fetchval("SELECT count(*) FROM identity.erasures WHERE participant_id = $1",
                               sub) == 1
