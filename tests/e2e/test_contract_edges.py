"""What issue 13 found at the edge, as a client meets it: `wait_for`, strict bodies, unreadable
bodies, 405s, the ids a 202 returns."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.e2e.ideas_client import bearer, campaign_body

pytestmark = pytest.mark.e2e


async def test_wait_for_an_unknown_event_is_a_404_at_once(
    http: httpx.AsyncClient, token: Callable[..., str],
) -> None:
    never = uuid.uuid4()
    r = await http.get("/campaigns", params={"wait_for": str(never)},
                       headers=bearer(token("participant")))
    assert r.status_code == 404, r.text
    assert r.json()["detail"]["code"] == "unknown_event"
    assert str(never) in r.json()["detail"]["message"]


async def test_wait_for_without_a_token_is_refused_without_waiting(http: httpx.AsyncClient) -> None:
    r = await http.get("/campaigns", params={"wait_for": str(uuid.uuid4())})
    assert r.status_code == 401, r.text
    assert "wait_for" in r.json()["detail"]["message"]


async def test_a_write_can_be_waited_for_and_its_202_names_what_it_created(
    http: httpx.AsyncClient, token: Callable[..., str], uid: str,
) -> None:
    admin = bearer(token("admin"))
    r = await http.post("/campaigns", json=campaign_body(uid), headers=admin)
    assert r.status_code == 202, r.text
    campaign_id = r.json()["campaign_id"]
    got = await http.get(f"/campaigns/{campaign_id}", params={"wait_for": r.json()["event_id"]},
                         headers=admin)
    assert got.status_code == 200 and got.json()["campaign_id"] == campaign_id


@pytest.mark.parametrize(("field", "value"), [
    ("flag_threshold", "3"), ("flag_threshold", True),
    ("opens_at", "2020-01-01T00:00:00+00:00"), ("closes_at", "9999-12-31T00:00:00+00:00"),
])
async def test_a_campaign_body_is_taken_as_typed_and_within_sensible_dates(
    http: httpx.AsyncClient, token: Callable[..., str], uid: str, field: str, value: object,
) -> None:
    body = {**campaign_body(uid), field: value}
    r = await http.post("/campaigns", json=body, headers=bearer(token("admin")))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "invalid_request" and detail["errors"]
    said = detail["message"]
    assert field in said or "opens_at" in said or "open for at most" in said, said


async def test_a_vote_of_true_is_not_a_vote_of_plus_one(
    http: httpx.AsyncClient, token: Callable[..., str],
) -> None:
    r = await http.post(f"/ideas/{uuid.uuid4()}/votes", json={"value": True},
                        headers=bearer(token("participant")))
    assert r.status_code == 422, r.text
    assert "value" in r.json()["detail"]["message"]


async def test_a_body_that_is_not_utf8_says_so(
    http: httpx.AsyncClient, token: Callable[..., str],
) -> None:
    r = await http.post("/campaigns", content=b'{"title": "\xff\xfe"}',
                        headers={**bearer(token("admin")), "Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    assert "UTF-8" in r.json()["detail"]["message"] or r.json()["detail"]["code"] == "invalid_request"


async def test_a_405_lists_every_method_of_the_path(http: httpx.AsyncClient) -> None:
    r = await http.put("/campaigns")
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
