"""Which ideas a budget funds, over HTTP, and a campaign exported as a Pabulib file that
re-imports to the same tallies."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from clients import pabulib
from clients.election_import import import_election
from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.conftest import DATA
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC)


def auth(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


async def answer(http: httpx.AsyncClient, url: str) -> httpx.Response:
    """The stored selection for the campaign's current votes (202 until the worker has it)."""
    return await eventually(lambda: http.get(url),
                            lambda r: r.status_code == 200 and r.json()["current"],
                            what=f"the selection at {url}")


async def test_the_selection_funds_published_ideas_within_the_budget_by_their_approved_titles(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer, token: Callable[..., str],
    uid: str,
) -> None:
    cid = uuid.uuid4()
    opens = NOW - timedelta(days=1)
    created = CampaignCreated(campaign_id=cid, title="Budget for greener streets", question="?",
                              opens_at=opens, closes_at=opens + timedelta(days=5),
                              moderation=ModerationMode.POST, budget=100,
                              vote_rules=VoteRules(max_votes_per_participant=3))
    costs = {"a": 60, "b": 50, "c": 30, "d": 10}
    ids = {k: uuid.uuid4() for k in costs}
    await producer.publish_many([
        Envelope.wrap(created, actor="staff-1", occurred_at=opens - timedelta(hours=1)),
        *(Envelope.wrap(IdeaStatusChanged(idea_id=ids[k], campaign_id=cid, cost=cost,
                                          status=IdeaStatus.PUBLISHED, title=f"Idea {k}"),
                        actor="staff-1", occurred_at=opens) for k, cost in costs.items()),
    ])
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == 4,
                     what="campaign and ideas known to the voting service")
    ballots = [("a", "b", "d"), ("a", "b", "d"), ("a", "c", "d"), ("d",)]
    for n, ballot in enumerate(ballots):
        me = auth(token("participant", sub=f"p{n}-{uid}"))
        for k in ballot:
            r = await http.post(f"/ideas/{ids[k]}/votes", headers=me, json={"value": 1})
            assert r.status_code == 202, r.text
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.json()["votes"].get("counted") == 10, what="votes counted")

    r = await http.get(f"/campaigns/{cid}/selection")
    assert r.status_code == 202, r.text  # computed by the voting worker, not by the request
    body = (await answer(http, f"/campaigns/{cid}/selection")).json()
    # d (4 votes, 10) first; then a (60); b (50) no longer fits; c (30) does
    assert [i["idea_id"] for i in body["selected"]] == [str(ids[k]) for k in "dac"]
    assert body["selected"][0] == {"idea_id": str(ids["d"]), "title": "Idea d", "votes": 4,
                                   "cost": 10}
    assert (body["rule"], body["budget"], body["total_cost"]) == ("greedy", 100, 100)
    assert (body["funded_voters"], body["voters"]) == (4, 4)

    # a moderator hides d (with a new title on its last revision): it no longer takes part
    await producer.publish_many([Envelope.wrap(
        IdeaStatusChanged(idea_id=ids["d"], campaign_id=cid, status=IdeaStatus.HIDDEN,
                          previous=IdeaStatus.PUBLISHED, title="Idea d (hidden)"),
        actor="moderator-1", occurred_at=datetime.now(UTC))])
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: str(ids["d"]) not in {i["idea_id"] for i in r.json()["ideas"]},
                     what="d no longer public")
    # the stored answer funds d, hidden now: it is not shown while the new one is computed
    r = await http.get(f"/campaigns/{cid}/selection")
    assert r.status_code == 202 or "Idea d" not in r.text, r.text
    body = (await eventually(
        lambda: http.get(f"/campaigns/{cid}/selection"),
        lambda r: r.status_code == 200 and r.json()["current"] and str(ids["d"]) not in
        {i["idea_id"] for i in r.json()["selected"]}, what="hidden idea left out")).json()
    assert [(i["title"], i["votes"]) for i in body["selected"]] == [("Idea a", 3), ("Idea c", 1)]
    assert (body["total_cost"], body["funded_voters"], body["voters"]) == (90, 3, 3)
    assert "Idea d (hidden)" not in str(body)

    # equal shares: a is paid by all three voters; with 1/3 of 100 each nobody can pay b or c,
    # and raising their budgets funds b (and overspends) before c: then c is added greedily
    shares = (await answer(http, f"/campaigns/{cid}/selection?rule=equal-shares")).json()
    assert [i["title"] for i in shares["selected"]] == ["Idea a", "Idea c"]
    assert shares["rule"] == "equal-shares"
    assert (await answer(http, f"/campaigns/{cid}/selection?budget=60")).json()["total_cost"] == 60

    r = await http.get(f"/campaigns/{cid}/selection?rule=knapsack")
    assert r.status_code == 422
    assert "equal-shares, greedy" in r.json()["detail"]["message"]
    r = await http.get(f"/campaigns/{cid}/selection?budget=-1")
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "negative_budget")
    r = await http.get(f"/campaigns/{uuid.uuid4()}/selection")
    assert (r.status_code, r.json()["detail"]["code"]) == (404, "not_found")


async def test_a_campaign_without_a_budget_needs_one_in_the_request(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer,
) -> None:
    cid = uuid.uuid4()
    created = CampaignCreated(campaign_id=cid, title="No budget", question="?", opens_at=NOW,
                              closes_at=NOW + timedelta(days=1))
    await producer.publish_many([Envelope.wrap(created, actor="staff-1", occurred_at=NOW)])
    r = await eventually(lambda: http.get(f"/campaigns/{cid}/selection"),
                         lambda r: r.status_code != 404, what="campaign known")
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "budget_required")
    r = await answer(http, f"/campaigns/{cid}/selection?budget=5")
    assert r.json()["selected"] == []


async def test_the_export_reimports_to_the_same_tallies_with_pseudonymous_voters(
    stack: Stack, infra: Settings, http: httpx.AsyncClient, token: Callable[..., str],
) -> None:
    if "ideas" not in stack.workers:
        pytest.skip("the import relies on the ideas worker to publish the ideas")
    assert infra.kafka_bootstrap_servers
    election = pabulib.parse((DATA / "france_toulouse_2022_6.pb").read_bytes())
    admin = token("admin", sub="pabulib-import")
    done = await import_election(infra.kafka_bootstrap_servers, stack.base_url, admin, election,
                                 database_url=infra.database_url,
                                 check=True, timeout=120)
    assert done is not None and done.ok, done.differences if done else None
    cid = pabulib.campaign_id(election)
    url = f"/campaigns/{cid}/export.pb"

    assert (await http.get(url)).status_code == 401
    assert (await http.get(url, headers=auth(token("participant")))).status_code == 403
    r = await http.get(url, headers=auth(token("moderator")))
    assert r.status_code == 200, r.text
    exported = pabulib.parse(r.content)

    project_of = {str(pabulib.idea_id(election, pid)): pid for pid in election.projects}
    assert {project_of[pid]: p.votes for pid, p in exported.projects.items()} == \
        {pid: p.votes for pid, p in election.projects.items()}
    assert {project_of[pid]: p.cost for pid, p in exported.projects.items()} == \
        {pid: p.cost for pid, p in election.projects.items()}
    assert Counter(project_of[p] for _, ids in exported.ballots for p in ids) == \
        Counter(p for _, ids in election.ballots for p in ids)
    assert len(exported.ballots) == len(election.ballots)
    assert exported.meta["budget"] == "400000" and exported.meta["vote_type"] == "approval"
    # greedy's selection under the campaign's budget, as the selection route says
    greedy = (await answer(http, f"/campaigns/{cid}/selection")).json()
    assert {pid for pid, p in exported.projects.items() if p.selected} == \
        {i["idea_id"] for i in greedy["selected"]}
    # voter ids are pseudonyms: stable across exports, none is a voter id the votes carried
    carried = {pabulib.voter_id(election, v) for v, _ in election.ballots}
    assert not carried & {v for v, _ in exported.ballots}
    again = pabulib.parse((await http.get(url, headers=auth(token("admin")))).content)
    assert [v for v, _ in again.ballots] == [v for v, _ in exported.ballots]

    # and the export imports as an election of its own with the same counts
    back = await import_election(infra.kafka_bootstrap_servers, stack.base_url, admin, exported,
                                 database_url=infra.database_url,
                                 check=True, timeout=120)
    assert back is not None and back.ok, back.differences
    assert back.selection == [
        f"selected: {len(exported.projects)}/{len(exported.projects)} projects match the file's"
        " selected column (rule greedy)"]
