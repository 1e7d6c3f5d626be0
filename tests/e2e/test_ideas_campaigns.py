"""Campaigns and idea submission over HTTP, through the gateway and the ideas worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.ideas_client import bearer, campaign_body

pytestmark = pytest.mark.e2e


async def create_campaign(http: httpx.AsyncClient, token: Callable[..., str], uid: str,
                          **kw: Any) -> str:
    admin = bearer(token("admin"))
    r = await http.post("/campaigns", json=campaign_body(uid, **kw), headers=admin)
    assert r.status_code == 202, r.text
    got = await http.get(f"/campaigns/{r.json()['campaign_id']}",
                         params={"wait_for": r.json()["event_id"]}, headers=admin)
    assert got.status_code == 200, got.text
    return str(r.json()["campaign_id"])


async def test_post_moderated_idea_is_published_at_once(
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    campaign_id = await create_campaign(http, token, uid, moderation="post")
    author = token("participant", sub=f"p-{uid}", sector="municipality")
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=bearer(author),
                        json={"title": "Open earlier", "body": "Open the counter at 7.",
                              "tags": ["queues"]})
    assert r.status_code == 202, r.text
    idea = await http.get(f"/ideas/{r.json()['idea_id']}", params={"wait_for": r.json()["event_id"]},
                          headers=bearer(author))
    assert idea.status_code == 200, idea.text
    body = idea.json()
    assert body["status"] == "published" and body["author"] == f"p-{uid}"
    assert body["sector"] == "municipality" and body["tags"] == ["queues"]
    listed = (await http.get(f"/campaigns/{campaign_id}/ideas")).json()["ideas"]
    assert [i["idea_id"] for i in listed] == [r.json()["idea_id"]]
    campaigns = (await http.get("/campaigns")).json()
    mine = [c for c in campaigns if c["campaign_id"] == campaign_id]
    assert mine and mine[0]["phase"] == "open" and mine[0]["published_ideas"] == 1


async def test_pre_moderated_idea_waits_and_only_its_author_sees_it(
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    campaign_id = await create_campaign(http, token, uid, moderation="pre")
    author = token("participant", sub=f"p-{uid}")
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=bearer(author),
                        json={"title": "Shared cars", "body": "Pool the municipal cars."})
    assert r.status_code == 202, r.text
    idea_url = f"/ideas/{r.json()['idea_id']}"
    mine = await http.get(idea_url, params={"wait_for": r.json()["event_id"]},
                          headers=bearer(author))
    assert mine.status_code == 200 and mine.json()["status"] == "pending"
    assert (await http.get(idea_url)).status_code == 404
    other = bearer(token("participant", sub=f"q-{uid}"))
    assert (await http.get(idea_url, headers=other)).status_code == 404
    assert (await http.get(f"/campaigns/{campaign_id}/ideas")).json()["ideas"] == []


async def test_repeated_request_with_idempotency_key_gives_the_same_idea(
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    campaign_id = await create_campaign(http, token, uid)
    author = bearer(token("participant", sub=f"p-{uid}"))
    headers = {**author, "Idempotency-Key": f"k-{uid}"}
    body = {"title": "Once", "body": "Only once, please."}
    first = await http.post(f"/campaigns/{campaign_id}/ideas", headers=headers, json=body)
    second = await http.post(f"/campaigns/{campaign_id}/ideas", headers=headers, json=body)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    # the text travels sealed (never twice the same bytes): the request is still recognised,
    # and another text under the same key is not
    other = await http.post(f"/campaigns/{campaign_id}/ideas", headers=headers,
                            json={**body, "body": "Only once, please!"})
    assert other.status_code == 409 and other.json()["detail"]["code"] == "idempotency_key_reused"
    await http.get(f"/ideas/{first.json()['idea_id']}", params={"wait_for": first.json()["event_id"]},
                   headers=author)
    assert len((await http.get(f"/campaigns/{campaign_id}/ideas")).json()["ideas"]) == 1
