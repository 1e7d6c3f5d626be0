"""A derived event is read only after its cause is committed, whatever the timing.

The ideas worker seals each idea's title under its author's key in the transaction that
publishes the idea; voting and reporting read that sealed title from `idea.status_changed`. Here
the ideas worker holds every batch's transaction open for two seconds before it commits (the
test hook `IDEASTORM_TEST_HOLD_COMMIT`), the widest a slow commit gets. An event sent before its
commit would reach voting and reporting while the key is invisible, and they would name every
idea "[slettet]"; sent after the commit (the outbox), they name each idea by its title.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import asyncpg
import httpx
import pytest

from clients import pabulib
from clients.election_import import import_election
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.e2e.test_no_false_erasure import false_erasures

pytestmark = pytest.mark.e2e

HOLD_S = 2.0
QUARTER = "2019Q3"


def election_of(tag: str) -> pabulib.Election:
    """A small approval election of its own (its id comes from its content), in 2019Q3."""
    projects = [("p1", 40, 3, "Belysning ved skolestien"),
                ("p2", 30, 2, "Cykelparkering ved stationen"),
                ("p3", 20, 2, "Bænke i parken"), ("p4", 10, 1, "Drikkevandspost på torvet")]
    ballots = ["1;p1,p2", "2;p1", "3;p2,p3", "4;p1,p4", "5;p3"]
    text = ("META\nkey;value\n"
            f"description;Commit order {tag}\ncountry;Denmark\nunit;Testby\ninstance;{tag}\n"
            "budget;100\nvote_type;approval\nrule;greedy\n"
            "date_begin;01.07.2019\ndate_end;31.07.2019\n"
            "PROJECTS\nproject_id;cost;votes;name\n"
            + "".join(f"{p};{cost};{votes};{name}\n" for p, cost, votes, name in projects)
            + "VOTES\nvoter_id;vote\n" + "\n".join(ballots) + "\n")
    return pabulib.parse(text.encode())


@pytest.fixture
def ideas_commit_held(stack: Stack) -> Iterator[None]:
    """The session's ideas worker, restarted to hold each batch's commit; restarted plainly
    after the test."""
    stack.stop_process("ideas")
    stack.extra_env_for["ideas"] = {"IDEASTORM_TEST_HOLD_COMMIT": f"ideas={HOLD_S}"}
    stack.start_worker("ideas")
    try:
        stack.wait_ready(120, ("ideas",))
        yield
    finally:
        stack.stop_process("ideas")
        del stack.extra_env_for["ideas"]
        stack.start_worker("ideas")
        stack.wait_ready(120, ("ideas",))


async def test_voting_and_the_report_name_every_idea_while_its_commit_is_held(
        ideas_commit_held: None, infra: Settings, stack: Stack, http: httpx.AsyncClient,
        pool: asyncpg.Pool, token: Callable[..., str]) -> None:
    assert infra.kafka_bootstrap_servers
    tag = uuid.uuid4().hex[:10]
    election = election_of(tag)
    titles = {p.name for p in election.projects.values()}
    # an importer nobody has seen: its key is made by the ideas worker, in the held transaction
    importer = f"import-{tag}"
    checked = await import_election(infra.kafka_bootstrap_servers, stack.base_url,
                                    token("admin", sub=importer), election, check=True,
                                    database_url=infra.database_url, actor=importer,
                                    timeout=300)
    assert checked is not None and checked.ok, checked.differences if checked else None

    # voting's ranking: every idea by its title
    cid = pabulib.campaign_id(election)
    ranking = (await http.get(f"/campaigns/{cid}/ranking")).json()["ranking"]
    assert {r["title"] for r in ranking} == titles

    # the steering group's report: the campaign's top ideas by their titles
    auth = {"Authorization": f"Bearer {token('steering')}"}
    made = await http.post("/reports", json={"quarter": QUARTER}, headers=auth)
    assert made.status_code == 201, made.text
    report = (await http.get(f"/reports/{made.json()['report_id']}.json", headers=auth)).json()
    (campaign,) = [c for c in report["report"]["campaigns"]["items"]
                   if c["campaign_id"] == str(cid)]
    assert {i["title"] for i in campaign["top_ideas"]} == titles
    for lang in ("da", "en"):
        md = (await http.get(f"/reports/{made.json()['report_id']}",
                             params={"lang": lang}, headers={**auth, "Accept": "text/markdown"}))
        assert md.status_code == 200
        assert all(t in md.text for t in titles), lang
    assert await false_erasures(pool) == {}
