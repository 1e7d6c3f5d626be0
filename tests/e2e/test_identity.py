"""Profiles from sign-in and from the person, names where a campaign shows them, GET /me/data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.infra.auth import mint_token
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient, bearer
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


def signed_in(infra: Settings, sub: str, **profile: str) -> dict[str, str]:
    """A participant's bearer header whose token carries these profile claims."""
    return bearer(mint_token(infra, sub=sub, roles=["participant"], sector="region",
                             profile=profile))


async def _json(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def test_a_profile_is_made_from_the_sign_in_and_edited_by_its_person(
    stack: Stack, http: httpx.AsyncClient, infra: Settings, uid: str,
) -> None:
    me = signed_in(infra, f"p-{uid}", name=f"Mette Kjaer {uid}", email=f"mette.{uid}@aarhus.dk",
                   organisation="Aarhus Kommune")
    profile = await _json(await http.get("/me/profile", headers=me))
    assert {k: profile[k] for k in ("participant_id", "display_name", "email", "organisation",
                                    "sector", "show_name")} == {
        "participant_id": f"p-{uid}", "display_name": f"Mette Kjaer {uid}",
        "email": f"mette.{uid}@aarhus.dk", "organisation": "Aarhus Kommune",
        "sector": "region", "show_name": False}

    edited = {"display_name": f"  Mette K. {uid} ", "email": None, "organisation": "Region Midt",
              "sector": "region", "show_name": True}
    put = await _json(await http.put("/me/profile", headers=me, json=edited))
    assert (put["display_name"], put["email"], put["organisation"], put["show_name"]) == (
        f"Mette K. {uid}", None, "Region Midt", True)
    # the same sign-in again does not undo the person's own edit
    again = await _json(await http.get("/me/profile", headers=me))
    assert again["display_name"] == f"Mette K. {uid}" and again["show_name"] is True

    # a token without name and e-mail claims (another scope, another provider) blanks nothing
    unnamed = signed_in(infra, f"p-{uid}", organisation="Aarhus Kommune")
    kept = await _json(await http.get("/me/profile", headers=unnamed))
    assert (kept["display_name"], kept["email"], kept["organisation"], kept["show_name"]) == (
        f"Mette K. {uid}", None, "Region Midt", True)

    # the identity provider changed the name: that claim wins; the e-mail and organisation
    # claims say what they said before, so the person's own edits of them stay; consent stays
    renamed = signed_in(infra, f"p-{uid}", name=f"Mette Kjaer-Holm {uid}",
                        email=f"mette.{uid}@aarhus.dk", organisation="Aarhus Kommune")
    changed = await _json(await http.get("/me/profile", headers=renamed))
    assert (changed["display_name"], changed["email"], changed["organisation"],
            changed["show_name"]) == (f"Mette Kjaer-Holm {uid}", None, "Region Midt", True)
    moved = signed_in(infra, f"p-{uid}", name=f"Mette Kjaer-Holm {uid}",
                      email=f"mette.{uid}@rm.dk", organisation="Aarhus Kommune")
    assert (await _json(await http.get("/me/profile", headers=moved)))["email"] == \
        f"mette.{uid}@rm.dk"

    # a sign-in without profile claims still gets a profile, without a name
    bare = signed_in(infra, f"q-{uid}")
    assert (await _json(await http.get("/me/profile", headers=bare)))["display_name"] is None


async def test_bad_profile_input_is_refused_with_reasons(
    stack: Stack, http: httpx.AsyncClient, infra: Settings, uid: str,
) -> None:
    me = signed_in(infra, f"p-{uid}", name=f"Ole {uid}")
    body = await _json(await http.put("/me/profile", headers=me, json={
        "display_name": "   ", "email": "ole@", "organisation": "x" * 201, "nickname": "o"}), 422)
    where = {e["where"] for e in body["detail"]["errors"]}
    assert {"body.display_name", "body.email", "body.organisation", "body.nickname"} <= where, body
    assert body["detail"]["code"] == "invalid_request"
    assert "e-mail address" in body["detail"]["message"]
    r = await http.put("/me/profile", headers=me, json={"display_name": "Ole", "show_name": "yes"})
    assert r.status_code == 422 and "show_name: expected boolean" in r.text
    r = await http.put("/me/profile", headers=me, json={"display_name": "Ole\x07"})
    assert r.status_code == 422 and "control characters" in r.text
    # nothing of it was stored
    assert (await _json(await http.get("/me/profile", headers=me)))["display_name"] == f"Ole {uid}"

    # a token whose profile claims are not profile values is refused like any bad token
    for claims in ({"email": "not an address"}, {"name": "x" * 101}):
        r = await http.get("/me/profile", headers=signed_in(infra, f"r-{uid}", **claims))
        assert r.status_code == 401, r.text
        assert r.json()["detail"]["code"] == "unauthenticated"
        assert next(iter(claims)) in r.json()["detail"]["message"]


async def test_ideas_carry_author_names_where_the_campaign_shows_them_and_the_author_agreed(
    stack: Stack, http: httpx.AsyncClient, infra: Settings, token: Callable[..., str], uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    shown = signed_in(infra, f"a-{uid}", name=f"Anna Berg {uid}")
    hidden = signed_in(infra, f"b-{uid}", name=f"Bo Dahl {uid}")
    r = await http.put("/me/profile", headers=shown,
                       json={"display_name": f"Anna Berg {uid}", "show_name": True})
    assert r.status_code == 200, r.text
    assert (await _json(await http.get("/me/profile", headers=hidden)))["show_name"] is False

    naming = await client.campaign(moderation="post", shows_author_names=True)
    plain = await client.campaign(moderation="post")
    campaign = await _json(await http.get(f"/campaigns/{naming}"))
    assert campaign["shows_author_names"] is True
    assert (await _json(await http.get(f"/campaigns/{plain}")))["shows_author_names"] is False

    a = await client.submit(naming, shown, "Benches at bus stops")
    b = await client.submit(naming, hidden, "Longer opening hours")
    c = await client.submit(plain, shown, "Quiet reading rooms")
    assert (await _json(await http.get(f"/ideas/{a}")))["author_name"] == f"Anna Berg {uid}"
    assert (await _json(await http.get(f"/ideas/{b}")))["author_name"] is None
    assert (await _json(await http.get(f"/ideas/{c}")))["author_name"] is None
    listed = (await _json(await http.get(f"/campaigns/{naming}/ideas")))["ideas"]
    assert {i["idea_id"]: i["author_name"] for i in listed} == {a: f"Anna Berg {uid}", b: None}
    history = await _json(await http.get(f"/ideas/{a}/history"))
    assert [h["author_name"] for h in history] == [f"Anna Berg {uid}"]

    # consent withdrawn: the name disappears at once
    r = await http.put("/me/profile", headers=shown,
                       json={"display_name": f"Anna Berg {uid}", "show_name": False})
    assert r.status_code == 200, r.text
    assert (await _json(await http.get(f"/ideas/{a}")))["author_name"] is None


async def test_my_data_holds_my_profile_ideas_revisions_flags_votes_and_decisions(
    stack: Stack, http: httpx.AsyncClient, infra: Settings, token: Callable[..., str], uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    me = signed_in(infra, f"p-{uid}", name=f"Karen Lund {uid}", email=f"karen.{uid}@kl.dk",
                   organisation="KL")
    other = signed_in(infra, f"o-{uid}", name=f"Per Holm {uid}")
    cid = await client.campaign(moderation="post")
    mine = await client.submit(cid, me, "Shared cargo bikes", body="Call me on 20 30 40 50")
    theirs = await client.submit(cid, other, "Green roofs")
    r = await http.post(f"/ideas/{mine}/revisions", headers=me,
                        json={"title": "Shared cargo bikes for day care", "body": "Revised."})
    await client.wait(r, headers=me)
    r = await http.post(f"/ideas/{theirs}/flags", headers=me,
                        json={"reason": "off_topic", "note": f"not about queues {uid}"})
    await client.wait(r, headers=me)
    await client.decide(mine, "hide", "checking the phone number")
    await client.decide(mine, "restore", "fine after all")
    r = await http.post(f"/ideas/{theirs}/votes", headers=me, json={"value": 1})
    assert r.status_code == 202, r.text
    vote_id = r.json()["event_id"]

    async def data() -> dict[str, Any]:
        body: dict[str, Any] = await _json(await http.get("/me/data", headers=me))
        return body

    doc = await eventually(data, lambda d: len(d["voting"]["votes"]) == 1
                           and len(d["reporting"]["votes"]) == 1, what="vote in my data")
    assert doc["participant_id"] == f"p-{uid}"
    assert doc["identity"]["profile"]["email"] == f"karen.{uid}@kl.dk"
    assert doc["identity"]["profile"]["organisation"] == "KL"
    ideas = doc["ideas"]
    assert [(i["idea_id"], i["title"]) for i in ideas["ideas"]] == [
        (mine, "Shared cargo bikes for day care")]
    assert [(r["idea_id"], r["revision"], r["body"]) for r in ideas["revisions"]] == [
        (mine, 1, "Call me on 20 30 40 50"), (mine, 2, "Revised.")]
    assert [(f["idea_id"], f["reason"], f["note"]) for f in ideas["flags"]] == [
        (theirs, "off_topic", f"not about queues {uid}")]
    assert [(d["decision"], d["reason"], d["moderator"]) for d in
            ideas["moderation_decisions"]] == [
        ("hide", "checking the phone number", f"mod-{uid}"),
        ("restore", "fine after all", f"mod-{uid}")]
    votes = doc["voting"]["votes"]
    assert [(v["event_id"], v["idea_id"], v["value"], v["state"]) for v in votes] == [
        (vote_id, theirs, 1, "counted")]
    assert [(v["event_id"], v["idea_id"]) for v in doc["reporting"]["votes"]] == [
        (vote_id, theirs)]
    # nothing of anyone else
    assert f"Per Holm {uid}" not in str(doc) and "Green roofs" not in str(doc)
