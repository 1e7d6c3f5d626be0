"""Bad requests to the ideas API get a 4xx that says what was wrong, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from tests.e2e.ideas_client import IdeasClient, campaign_body

pytestmark = pytest.mark.e2e

IDEA = {"title": "Open earlier", "body": "Open the counter at 7."}


@pytest.fixture
def client(http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> IdeasClient:
    return IdeasClient(http, token, uid)


def problem(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert detail["code"] == code, detail
    return str(detail["message"])


async def test_malformed_json_is_a_422(client: IdeasClient, http: httpx.AsyncClient) -> None:
    campaign_id = await client.campaign()
    r = await http.post(f"/campaigns/{campaign_id}/ideas", content=b'{"title": "x", "body"',
                        headers={**client.participant("ann"), "Content-Type": "application/json"})
    assert "JSON" in problem(r, 422, "invalid_request")


async def test_unknown_fields_and_over_long_text_are_named(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign()
    ann = client.participant("ann")
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=ann,
                        json={**IDEA, "votes": 1000})
    assert "votes" in problem(r, 422, "invalid_request")
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=ann,
                        json={**IDEA, "title": "t" * 201})
    assert "title" in problem(r, 422, "invalid_request")
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=ann,
                        json={**IDEA, "tags": ["x"] * 11})
    assert "tags" in problem(r, 422, "invalid_request")
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=ann,
                        json={**IDEA, "body": "before\u0000after"})
    assert "NUL" in problem(r, 422, "invalid_request")
    r = await http.post("/campaigns", headers=client.admin,
                        json=campaign_body("x", opens=timedelta(days=2), closes=timedelta(days=1)))
    assert "closes_at must be after opens_at" in problem(r, 422, "invalid_request")
    r = await http.post("/moderation/decisions", headers=client.moderator,
                        json={"idea_id": str(uuid.uuid4()), "decision": "merge", "reason": "dup"})
    assert "merge_into" in problem(r, 422, "invalid_request")


async def test_unknown_campaign_and_idea_are_404(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    nobody = uuid.uuid4()
    ann = client.participant("ann")
    assert str(nobody) in problem(
        await http.post(f"/campaigns/{nobody}/ideas", headers=ann, json=IDEA), 404, "not_found")
    problem(await http.get(f"/campaigns/{nobody}/ideas"), 404, "not_found")
    problem(await http.get(f"/ideas/{nobody}"), 404, "not_found")
    problem(await http.get(f"/ideas/{nobody}/history"), 404, "not_found")
    problem(await http.post(f"/ideas/{nobody}/flags", headers=ann, json={"reason": "spam"}),
            404, "not_found")
    problem(await http.post("/moderation/decisions", headers=client.moderator,
                            json={"idea_id": str(nobody), "decision": "approve", "reason": "ok"}),
            404, "not_found")
    problem(await http.get("/ideas/not-a-uuid"), 422, "invalid_request")


async def test_closed_or_not_yet_open_campaign_is_409(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    closed = await client.campaign(opens=timedelta(days=-30), closes=timedelta(days=-1))
    later = await client.campaign(opens=timedelta(days=1), closes=timedelta(days=5))
    ann = client.participant("ann")
    assert "closed at" in problem(
        await http.post(f"/campaigns/{closed}/ideas", headers=ann, json=IDEA),
        409, "campaign_closed")
    problem(await http.post(f"/campaigns/{later}/ideas", headers=ann, json=IDEA),
            409, "campaign_not_open")


async def test_decision_that_does_not_apply_is_409(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="post")
    idea_id = await client.submit(campaign_id, client.participant("ann"), "Bike racks")
    r = await http.post("/moderation/decisions", headers=client.moderator,
                        json={"idea_id": idea_id, "decision": "approve", "reason": "fine"})
    assert "published" in problem(r, 409, "decision_not_applicable")


async def test_missing_token_is_401_and_wrong_role_is_403(
    client: IdeasClient, http: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    problem(await http.post("/campaigns", json=campaign_body("x")), 401, "unauthenticated")
    problem(await http.post("/campaigns", json=campaign_body("x"),
                            headers={"Authorization": "Bearer not-a-jwt"}), 401, "unauthenticated")
    participant = client.participant("ann")
    problem(await http.post("/campaigns", json=campaign_body("x"), headers=participant),
            403, "forbidden")
    problem(await http.get("/moderation/queue", headers=participant), 403, "forbidden")
    problem(await http.get("/moderation/queue"), 401, "unauthenticated")
    campaign_id = await client.campaign(audience=["citizen"])
    moderator_only = {"Authorization": f"Bearer {token('moderator')}"}
    problem(await http.post(f"/campaigns/{campaign_id}/ideas", headers=moderator_only, json=IDEA),
            403, "forbidden")
    problem(await http.post(f"/campaigns/{campaign_id}/ideas",
                            headers=client.participant("bo", sector="private"), json=IDEA),
            403, "not_in_audience")


async def test_text_with_nothing_visible_or_with_bidi_controls_is_refused_naming_the_field(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign()
    ann = client.participant("ann")
    invisible = "\u200b\u200c\u200d\u2060\ufeff"
    for field, value in (("title", invisible), ("body", " \u200b\n\u2060 "),
                         ("tags", ["ok", invisible])):
        r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=ann,
                            json={**IDEA, field: value})
        message = problem(r, 422, "invalid_request")
        assert field in message and "no visible character" in message, message
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=ann,
                        json={**IDEA, "title": "Open \u202eerlier"})
    message = problem(r, 422, "invalid_request")
    assert "title" in message and "bidirectional" in message and "U+202E" in message, message
    # a visible title with a zero-width joiner in an emoji, or a right-to-left mark, is fine
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=ann,
                        json={**IDEA, "title": "Cykler \U0001f469\u200d\U0001f527 \u200fok"})
    assert r.status_code == 202, r.text
    idea_id = r.json()["idea_id"]
    bob = client.participant("bob")
    r = await http.post(f"/ideas/{idea_id}/flags", headers=bob,
                        json={"reason": "spam", "note": "\u2066\u2069"})
    message = problem(r, 422, "invalid_request")
    assert "note" in message and "U+2066" in message, message
    r = await http.post(f"/ideas/{idea_id}/withdrawal", headers=ann, json={"reason": "\u3164"})
    message = problem(r, 422, "invalid_request")
    assert "reason" in message and "no visible character" in message, message
