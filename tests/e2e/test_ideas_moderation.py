"""The moderation queue over HTTP: pre-moderation, flags, decisions, merge, revisions."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.e2e.ideas_client import IdeasClient

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> IdeasClient:
    return IdeasClient(http, token, uid)


async def test_pre_moderated_idea_goes_through_the_queue_to_published(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="pre")
    ann = client.participant("ann")
    first = await client.submit(campaign_id, ann, "More benches along the canal")
    await client.decide(first, "approve", "fits the question")
    second = await client.submit(campaign_id, client.participant("bo"),
                                 "More benches along the canal path")
    third = await client.submit(campaign_id, client.participant("cy"), "Free swimming lessons")

    queue = await client.queue(campaign_id)
    assert [i["idea_id"] for i in queue] == [second, third]  # oldest first; approved one gone
    assert queue[0]["status"] == "pending" and "approve" in queue[0]["decisions"]
    assert [s["idea_id"] for s in queue[0]["similar"]] == [first]
    assert queue[0]["similar"][0]["similarity"] > 0.5
    assert queue[1]["similar"] == []

    await client.decide(second, "merge", "same as the canal benches idea", merge_into=first)
    await client.decide(third, "reject", "not a municipal task")
    assert await client.queue(campaign_id) == []

    published = (await http.get(f"/campaigns/{campaign_id}/ideas")).json()["ideas"]
    assert [i["idea_id"] for i in published] == [first]
    merged = await client.idea(second)
    assert merged["status"] == "merged" and merged["merged_into"] == first
    rejected = await client.idea(third, headers=client.participant("cy"))
    assert rejected["status"] == "rejected" and rejected["status_reason"] == "not a municipal task"

    log = (await http.get("/moderation/log", params={"campaign_id": campaign_id},
                          headers=client.moderator)).json()
    assert [(e["idea_id"], e["decision"]) for e in log] == [
        (third, "reject"), (second, "merge"), (first, "approve")]
    assert {e["moderator"] for e in log} == {f"mod-{client.uid}"}
    assert log[1]["reason"] == "same as the canal benches idea"


async def test_enough_flags_hide_an_idea_until_a_moderator_restores_it(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="post", flag_threshold=2)
    idea_id = await client.submit(campaign_id, client.participant("ann"), "Cheaper parking")
    flag = {"reason": "spam", "note": "advert"}
    dan = client.participant("dan")
    r = await http.post(f"/ideas/{idea_id}/flags", headers=dan, json=flag)
    await client.wait(r)
    again = await http.post(f"/ideas/{idea_id}/flags", headers=dan, json=flag)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "already_flagged"
    assert (await client.idea(idea_id))["status"] == "published"

    r = await http.post(f"/ideas/{idea_id}/flags", headers=client.participant("eve"),
                        json={"reason": "off_topic"})
    await client.wait(r)
    hidden = await client.idea(idea_id)
    assert hidden["status"] == "hidden" and hidden["status_reason"] == "flagged by 2 participants"
    assert (await http.get(f"/campaigns/{campaign_id}/ideas")).json()["ideas"] == []
    [queued] = await client.queue(campaign_id)
    assert queued["flag_count"] == 2 and queued["flag_reasons"] == {"spam": 1, "off_topic": 1}

    await client.decide(idea_id, "restore", "flags were unfounded")
    assert (await client.idea(idea_id))["status"] == "published"
    assert await client.queue(campaign_id) == []


async def test_a_flagged_idea_kept_published_leaves_the_queue_and_flags_count_anew(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign(moderation="post", flag_threshold=2)
    idea_id = await client.submit(campaign_id, client.participant("ann"), "Dog park by the lake")
    dan = client.participant("dan")
    r = await http.post(f"/ideas/{idea_id}/flags", headers=dan, json={"reason": "spam"})
    await client.wait(r)
    [queued] = await client.queue(campaign_id)  # below the threshold, still public, queued
    assert queued["status"] == "published" and "keep" in queued["decisions"]

    await client.decide(idea_id, "keep", "the flag is about the author, not the idea")
    assert (await client.idea(idea_id))["status"] == "published"
    assert await client.queue(campaign_id) == []
    # dan's flag was judged: a new one is counted from the decision, one of the two to hide it
    r = await http.post(f"/ideas/{idea_id}/flags", headers=client.participant("eve"),
                        json={"reason": "off_topic"})
    await client.wait(r)
    assert (await client.idea(idea_id))["status"] == "published"
    [queued] = await client.queue(campaign_id)  # back in the queue for the new flag
    assert queued["flags"][-1]["flagger"] == f"eve-{client.uid}"
    log = (await http.get("/moderation/log", params={"campaign_id": campaign_id},
                          headers=client.moderator)).json()
    assert [(e["decision"], e["reason"]) for e in log if e["kind"] != "auto_hide"] == [
        ("keep", "the flag is about the author, not the idea")]


async def test_author_revises_and_the_history_credits_every_revision(
    client: IdeasClient, http: httpx.AsyncClient
) -> None:
    campaign_id = await client.campaign()
    ann = client.participant("ann")
    idea_id = await client.submit(campaign_id, ann, "Night buses", "Run buses at night.")
    r = await http.post(f"/ideas/{idea_id}/revisions", headers=ann,
                        json={"title": "Night buses on weekends", "body": "Fri and Sat only.",
                              "tags": ["transport"]})
    await client.wait(r)
    other = await http.post(f"/ideas/{idea_id}/revisions", headers=client.participant("bo"),
                            json={"title": "Mine now", "body": "x"})
    assert other.status_code == 403 and other.json()["detail"]["code"] == "not_author"

    history = (await http.get(f"/ideas/{idea_id}/history")).json()
    assert [(h["revision"], h["title"], h["author"]) for h in history] == [
        (1, "Night buses", f"ann-{client.uid}"),
        (2, "Night buses on weekends", f"ann-{client.uid}")]
    idea = await client.idea(idea_id)
    assert idea["title"] == "Night buses on weekends" and idea["revision"] == 2

    r = await http.post(f"/ideas/{idea_id}/withdrawal", headers=ann, json={"reason": "done"})
    await client.wait(r)
    mine = (await http.get("/me/ideas", headers=ann)).json()
    assert [(i["idea_id"], i["status"], i["status_reason"]) for i in mine] == [
        (idea_id, "withdrawn", "done")]
