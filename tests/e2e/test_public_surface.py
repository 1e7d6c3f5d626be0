"""What is public is one rule: an idea's text is shown to people other than its author and
staff only while it is published, in its approved revision.

The walker visits every GET route of the OpenAPI document, without a token and as another
participant, with a pending, a rejected, a hidden and a merged idea present (each with votes,
where it could get them) and a published idea whose revision waits for a moderator, and fails if
any of their text appears anywhere: JSON, CSV or HTML.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.ideas_client import IdeasClient, bearer
from tests.e2e.test_reporting_api import TODAY, new_plan, post, reporting_knows, submit
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> IdeasClient:
    return IdeasClient(http, token, uid)


async def _vote(client: IdeasClient, voter: dict[str, str], idea_id: str) -> None:
    r = await client.http.post(f"/ideas/{idea_id}/votes", headers=voter, json={"value": 1})
    assert r.status_code == 202, r.text
    campaign_id = (await client.idea(idea_id))["campaign_id"]
    await eventually(lambda: client.http.get("/me/votes", params={"campaign": campaign_id},
                                             headers=voter),
                     lambda resp: any(v["event_id"] == r.json()["event_id"]
                                      and v["state"] == "counted" for v in resp.json()["votes"]),
                     what="the vote counted")


async def _tally(client: IdeasClient, campaign_id: str) -> dict[str, dict[str, Any]]:
    r = await client.http.get(f"/campaigns/{campaign_id}/tally", headers=client.moderator)
    assert r.status_code == 200, r.text
    return {i["idea_id"]: i for i in r.json()["ideas"]}


async def test_no_get_route_shows_text_of_an_unpublished_idea_or_revision(
    client: IdeasClient, http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    campaign_id = await client.campaign(moderation="pre", flag_threshold=50)
    ann, voter = client.participant("ann"), client.participant("vic")
    secret = {kind: f"Secret {kind} {uid} call Jens on 12345678"
              for kind in ("pending", "rejected", "hidden", "merged", "revision")}
    pending = await client.submit(campaign_id, ann, secret["pending"], body=secret["pending"])
    rejected = await client.submit(campaign_id, ann, secret["rejected"], body=secret["rejected"])
    hidden = await client.submit(campaign_id, ann, secret["hidden"], body=secret["hidden"])
    merged = await client.submit(campaign_id, ann, secret["merged"], body=secret["merged"])
    shown = await client.submit(campaign_id, ann, f"Benches by the canal {uid}")
    for idea in (hidden, merged, shown):
        await client.decide(idea, "approve", "fits the question")
    for idea in (hidden, merged, shown):
        await _vote(client, voter, idea)  # their counts are kept, whatever happens next
    await client.decide(rejected, "reject", "names a person")
    await client.decide(hidden, "hide", "off topic after all")
    await client.decide(merged, "merge", "same as the benches", merge_into=shown)
    r = await http.post(f"/ideas/{shown}/revisions", headers=ann, json={
        "title": secret["revision"], "body": secret["revision"], "tags": ["spam"]})
    await client.wait(r, f"/ideas/{shown}", ann)

    # staff see every idea in the tally, with the statuses voting learnt from events
    await eventually(lambda: _tally(client, campaign_id),
                     lambda t: {t.get(i, {}).get("status") for i in
                                (pending, rejected, hidden, merged)} ==
                     {"pending", "rejected", "hidden", "merged"}, what="voting knows them all")
    staff = await _tally(client, campaign_id)
    # counts are kept for staff; vic voted for the merged idea and its target: counted once
    assert staff[hidden]["supports"] == 1 and staff[shown]["supports"] == 1

    spec = (await http.get("/openapi.json")).json()
    ids: dict[str, str | None] = {"campaign_id": campaign_id, "idea_id": None, "year": "2026",
                                  "quarter": "2026Q1"}
    callers = {"anonymous": {}, "other participant": client.participant("eve")}
    leaks: list[str] = []
    visited = 0
    for path, methods in sorted(spec["paths"].items()):
        if "get" not in methods:
            continue
        ideas = (pending, rejected, hidden, merged, shown) if "{idea_id}" in path else (None,)
        for idea in ideas:
            url = re.sub(r"\{([^}]+)\}", lambda m, i=idea: str(  # type: ignore[misc]
                i if m.group(1) == "idea_id" else ids.get(m.group(1)) or uuid.uuid4()), path)
            for name, headers in callers.items():
                for params in ({"campaign": campaign_id, "campaign_id": campaign_id},
                               {"campaign": campaign_id, "format": "csv"}):
                    resp = await http.get(url, headers=headers, params=params)
                    visited += 1
                    text = resp.text.lower()
                    leaks += [f"GET {url} as {name} ({resp.status_code}) shows {kind!r}"
                              for kind, words in secret.items() if words.lower() in text]
    assert visited > 40
    assert not leaks, "\n".join(leaks)

    # the public sees the published revision and its title in the tally; a moderator approves
    public = (await http.get(f"/ideas/{shown}")).json()
    assert public["title"] == f"Benches by the canal {uid}" and public["pending_revision"] is None
    assert [r["state"] for r in (await http.get(f"/ideas/{shown}/history")).json()] == \
        ["approved"]
    own = (await http.get(f"/ideas/{shown}/history", headers=ann)).json()
    assert [r["state"] for r in own] == ["approved", "pending"]


async def test_an_adopted_idea_hidden_since_is_named_neither_in_the_plan_nor_in_the_report(
    client: IdeasClient, http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    # the plan's views and the quarterly report go beyond staff (the steering group, the
    # funding parties): they name an idea only while it is published
    planner, steering = token("planner", sub=f"planner-{uid}"), bearer(token("steering"))
    year, iid = await new_plan(http, planner)
    campaign_id = await client.campaign(moderation="post")  # published when submitted
    secret = f"Secret adopted {uid} call Jens on 12345678"
    idea, submitted = await submit(client, campaign_id, secret)
    await reporting_knows(http, planner, submitted)
    base = f"/plans/{year}/initiatives/{iid}"
    adopted = await post(http, f"{base}/ideas", {"idea_id": idea}, planner)
    r = await http.get(base, params={"wait_for": adopted["event_id"]}, headers=steering)
    assert [(i["idea_id"], i["title"]) for i in r.json()["ideas"]] == [(idea, secret)]

    hidden = await client.decide(idea, "hide", "names a person after all")
    await reporting_knows(http, planner, hidden.json()["event_id"])
    r = await http.get(base, headers=steering)
    assert [(i["idea_id"], i["title"], i["status"]) for i in r.json()["ideas"]] == [
        (idea, None, "hidden")]
    assert secret.lower() not in r.text.lower()

    quarter = f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"
    # the quarter is under way: a marked draft
    made = await http.post("/reports", json={"quarter": quarter, "draft": True},
                           headers=steering)
    assert made.status_code == 201, made.text
    for name, link in made.json()["files"].items():
        if name.endswith(".pdf"):
            continue  # compressed; the same document as the others
        text = (await http.get(link, headers=steering)).text
        assert secret.lower() not in text.lower(), f"the {name} report names the hidden idea"
    report = (await http.get(made.json()["files"]["en.json"], headers=steering)).json()
    (campaign,) = [c for c in report["report"]["campaigns"]["items"]
                   if c["campaign_id"] == campaign_id]
    assert [a["idea_title"] for a in campaign["adopted_ideas"]] == [f"#{idea[:8]}"]


async def test_a_revision_waits_in_the_queue_with_its_diff_and_every_view_follows_approval(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="pre")
    ann = client.participant("ann")
    idea = await client.submit(campaign_id, ann, "Longer library hours")
    await client.decide(idea, "approve", "fits")
    r = await http.post(f"/ideas/{idea}/revisions", headers=ann,
                        json={"title": "BUY CHEAP PILLS", "body": "spam", "tags": []})
    await client.wait(r, f"/ideas/{idea}", ann)
    queue = await client.queue(campaign_id)
    assert [(q["kind"], q["revision"]) for q in queue] == [("revision", 2)]
    assert queue[0]["published"]["title"] == "Longer library hours"
    assert "+title: BUY CHEAP PILLS" in queue[0]["diff"]
    assert queue[0]["decisions"] == ["approve", "reject"]
    assert (await http.get(f"/ideas/{idea}")).json()["title"] == "Longer library hours"

    rejected = await http.post("/moderation/decisions", headers=client.moderator, json={
        "idea_id": idea, "decision": "reject", "reason": "spam", "revision": 2})
    await client.wait(rejected)
    assert await client.queue(campaign_id) == []
    assert (await http.get(f"/ideas/{idea}")).json()["title"] == "Longer library hours"

    r = await http.post(f"/ideas/{idea}/revisions", headers=ann,
                        json={"title": "Library open until 22", "body": "Evenings too."})
    await client.wait(r, f"/ideas/{idea}", ann)
    approve = await http.post("/moderation/decisions", headers=client.moderator, json={
        "idea_id": idea, "decision": "approve", "reason": "clearer", "revision": 3})
    await client.wait(approve)
    assert (await http.get(f"/ideas/{idea}")).json()["title"] == "Library open until 22"
    await eventually(lambda: http.get(f"/campaigns/{campaign_id}/ranking"),
                     lambda resp: [i["title"] for i in resp.json()["ranking"]] ==
                     ["Library open until 22"], what="the ranking shows the approved title")
    log = (await http.get("/moderation/log", params={"idea_id": idea},
                          headers=client.moderator)).json()
    assert [(e["kind"], e["decision"], e["revision"]) for e in log][:2] == [
        ("revision", "approve", 3), ("revision", "reject", 2)]


async def test_flags_refused_for_authors_and_repeats_and_the_automatic_hide_is_logged(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="post", flag_threshold=2)
    ann = client.participant("ann")
    idea = await client.submit(campaign_id, ann, "Free bus on Sundays")
    own = await http.post(f"/ideas/{idea}/flags", headers=ann, json={"reason": "spam"})
    assert own.status_code == 403 and own.json()["detail"]["code"] == "own_idea"
    bo, cy = client.participant("bo"), client.participant("cy")
    first = await http.post(f"/ideas/{idea}/flags", headers=bo,
                            json={"reason": "off_topic", "note": "not about transport"})
    await client.wait(first)
    again = await http.post(f"/ideas/{idea}/flags", headers=bo, json={"reason": "spam"})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "already_flagged"
    await client.wait(await http.post(f"/ideas/{idea}/flags", headers=cy,
                                      json={"reason": "spam"}))
    queue = await client.queue(campaign_id)
    assert queue[0]["status"] == "hidden"
    assert {(f["reason"], f["note"]) for f in queue[0]["flags"]} == {
        ("off_topic", "not about transport"), ("spam", None)}
    log = await eventually(
        lambda: http.get("/moderation/log", params={"idea_id": idea}, headers=client.moderator),
        lambda resp: any(e["kind"] == "auto_hide" for e in resp.json()), what="the hide logged")
    entry = log.json()[0]
    assert entry["moderator"] == "system:ideas" and entry["decision"] == "hide"
    assert f"bo-{client.uid}" in entry["reason"] and f"cy-{client.uid}" in entry["reason"]


async def test_similar_pending_ideas_are_hinted_at_each_other(client: IdeasClient) -> None:
    campaign_id = await client.campaign(moderation="pre")
    first = await client.submit(campaign_id, client.participant("ann"), "Solar panels on schools")
    second = await client.submit(campaign_id, client.participant("bo"),
                                 "Solar panels on the schools")
    queue = {q["idea_id"]: q for q in await client.queue(campaign_id)}
    assert [(s["idea_id"], s["status"]) for s in queue[second]["similar"]] == [(first, "pending")]
    assert [s["idea_id"] for s in queue[first]["similar"]] == [second]


async def test_a_restricted_campaign_refuses_votes_and_ideas_from_a_token_without_a_sector(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="post", audience=["municipality"])
    inside = client.participant("mia", sector="municipality")
    idea = await client.submit(campaign_id, inside, "Shared car pool for home care")
    # votes are judged by the voting service, which learns of the idea from its status event
    await eventually(lambda: http.get(f"/campaigns/{campaign_id}/tally"),
                     lambda resp: [i["idea_id"] for i in resp.json()["ideas"]] == [idea],
                     what="voting knows the idea")
    nobody = client.participant("nn")
    citizen = client.participant("cit", sector="citizen")
    for headers, code in ((nobody, "no_sector"), (citizen, "not_in_audience")):
        r = await http.post(f"/ideas/{idea}/votes", headers=headers, json={"value": 1})
        assert r.status_code == 403 and r.json()["detail"]["code"] == code, r.text
        assert "municipality" in r.json()["detail"]["message"]
        r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=headers,
                            json={"title": "x", "body": "y"})
        assert r.status_code == 403 and r.json()["detail"]["code"] == code, r.text
    ok = await http.post(f"/ideas/{idea}/votes", headers=inside, json={"value": 1})
    assert ok.status_code == 202


async def test_a_hostile_title_is_exported_as_text_not_a_formula(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="post")
    hostile = '=HYPERLINK("http://evil.example","Click")'
    idea = await client.submit(campaign_id, client.participant("ann"), hostile)
    await eventually(lambda: http.get(f"/campaigns/{campaign_id}/tally",
                                      params={"format": "csv"}),
                     lambda r: idea in r.text, what="the idea in the export")
    text = (await http.get(f"/campaigns/{campaign_id}/tally", params={"format": "csv"})).text
    row = next(line for line in text.splitlines() if idea in line)
    assert ",'=HYPERLINK(" in row.replace('"', "")
    assert ",=HYPERLINK(" not in row.replace('"', "")
