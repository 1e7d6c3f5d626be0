"""The campaign page, `GET /campaigns/{id}/ideas`: published ideas by support or newest first,
a page at a time, with the same support figure as the tally."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from schemas.envelope import Envelope
from schemas.votes import VoteCast
from services.infra.kafka import EventProducer
from tests.e2e.ideas_client import IdeasClient
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


async def page(http: httpx.AsyncClient, campaign_id: str, **params: Any) -> dict[str, Any]:
    r = await http.get(f"/campaigns/{campaign_id}/ideas", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def walk(http: httpx.AsyncClient, campaign_id: str, sort: str,
               limit: int) -> list[list[dict[str, Any]]]:
    """Every page of the list, following `next` until it is null."""
    pages, after = [], None
    while True:
        body = await page(http, campaign_id, sort=sort, limit=limit,
                          **({"after": after} if after else {}))
        assert body["sort"] == sort
        pages.append(body["ideas"])
        after = body["next"]
        if after is None:
            return pages
        assert len(pages) < 20, "the walk does not end"


async def vote(producer: EventProducer, campaign_id: str, idea_id: str, voters: list[str]) -> None:
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=v, campaign_id=uuid.UUID(campaign_id),
                               idea_id=uuid.UUID(idea_id)), actor=v) for v in voters])


async def test_ideas_by_support_and_newest_page_by_page_with_the_tallys_figures(
    http: httpx.AsyncClient, token: Callable[..., str], producer: EventProducer, uid: str
) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(moderation="post")
    ann = ideas.participant("ann")
    names = ["Bus lanes", "Bike racks", "Longer hours", "Shade trees", "Quiet rooms", "Spam"]
    ids = {n: await ideas.submit(campaign_id, ann, f"{n} {uid}") for n in names}
    voters = [f"v{k}-{uid}" for k in range(4)]
    await vote(producer, campaign_id, ids["Bike racks"], voters[:3])
    await vote(producer, campaign_id, ids["Longer hours"], voters[3:])
    await vote(producer, campaign_id, ids["Quiet rooms"], voters[:2])
    await vote(producer, campaign_id, ids["Spam"], voters[3:])
    tally = await eventually(
        lambda: http.get(f"/campaigns/{campaign_id}/tally"),
        lambda r: sum(i["supports"] for i in r.json()["ideas"]) == 7, what="7 votes counted")
    assert {i["idea_id"]: i["supports"] for i in tally.json()["ideas"]}[ids["Spam"]] == 1
    await ideas.decide(ids["Spam"], "hide", "an advert")  # its vote stays counted, unshown
    supports = {i["idea_id"]: i["supports"] for i in tally.json()["ideas"]}
    public = [n for n in names if n != "Spam"]

    first = await eventually(
        lambda: page(http, campaign_id),
        lambda b: {i["idea_id"]: i["supports"] for i in b["ideas"]}
        == {ids[n]: supports[ids[n]] for n in public},
        what="the page shows each published idea with the tally's support")
    # by support by default: 3, 2, 1, then the two without votes by id (descending)
    assert first["sort"] == "support" and first["next"] is None
    unvoted = sorted((ids["Bus lanes"], ids["Shade trees"]), reverse=True)
    by_support = [ids["Bike racks"], ids["Quiet rooms"], ids["Longer hours"], *unvoted]
    assert [i["idea_id"] for i in first["ideas"]] == by_support
    assert [i["supports"] for i in first["ideas"]] == [3, 2, 1, 0, 0]
    shown = first["ideas"][0]
    assert shown["title"] == f"Bike racks {uid}" and shown["body"] == "Details follow."
    assert shown["author"] == f"ann-{uid}" and shown["status"] == "published"

    newest = [ids[n] for n in reversed(public)]
    for sort, expected in (("support", by_support), ("newest", newest)):
        pages = await walk(http, campaign_id, sort, limit=2)
        assert [len(p) for p in pages] == [2, 2, 1]
        assert [i["idea_id"] for p in pages for i in p] == expected  # each once, in order
    assert ids["Spam"] not in {i["idea_id"] for i in (await page(http, campaign_id,
                                                                 sort="newest"))["ideas"]}


async def test_a_cursor_that_is_not_one_is_refused_saying_so(
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(moderation="post")
    ann = ideas.participant("ann")
    for n in range(3):
        await ideas.submit(campaign_id, ann, f"Idea {n} {uid}")
    support = await page(http, campaign_id, limit=1)
    assert support["next"]
    url = f"/campaigns/{campaign_id}/ideas"
    for params, says in (({"after": "bm90IGEgY3Vyc29y"}, "not a cursor of this list"),
                         ({"after": support["next"], "sort": "newest"},
                          "sorted by support, not by newest"),
                         ({"after": "not/a+cursor"}, "pattern")):
        r = await http.get(url, params=params)
        assert r.status_code == 422, r.text
        assert says in r.text
    r = await http.get(url, params={"after": "bm90IGEgY3Vyc29y"})
    assert r.json()["detail"]["code"] == "invalid_cursor"


async def test_a_revised_title_is_listed_once_a_moderator_approved_it(
    http: httpx.AsyncClient, token: Callable[..., str], uid: str
) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(moderation="pre")
    ann = ideas.participant("ann")
    idea_id = await ideas.submit(campaign_id, ann, f"Free coffee {uid}")
    assert (await page(http, campaign_id))["ideas"] == []  # pending: not listed
    await ideas.decide(idea_id, "approve", "fine")
    assert [i["title"] for i in (await page(http, campaign_id))["ideas"]] == [f"Free coffee {uid}"]

    r = await http.post(f"/ideas/{idea_id}/revisions", headers=ann,
                        json={"title": f"Free tea {uid}", "body": "Tea is cheaper."})
    await ideas.wait(r)
    [listed] = (await page(http, campaign_id, sort="newest"))["ideas"]
    assert (listed["title"], listed["body"]) == (f"Free coffee {uid}", "Details follow.")
    assert listed["pending_revision"] is None  # the waiting revision is not the public's
    await ideas.decide(idea_id, "approve", "clearer", revision=2)
    [listed] = (await page(http, campaign_id, sort="newest"))["ideas"]
    assert (listed["title"], listed["body"]) == (f"Free tea {uid}", "Tea is cheaper.")
