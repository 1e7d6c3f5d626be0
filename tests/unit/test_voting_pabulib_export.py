"""A campaign written as a Pabulib file reads back with the project reader: titles with the
separator, costs, votes, the selected column and every ballot survive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from clients import pabulib
from services.voting.domain import pabulib_export

pytestmark = pytest.mark.unit


def test_an_export_reads_back_with_its_projects_ballots_and_window() -> None:
    a, b, c = (uuid.uuid4() for _ in range(3))
    campaign = {"campaign_id": uuid.uuid4(), "title": 'Parks; "green" streets',
                "opens_at": datetime(2026, 3, 1, tzinfo=UTC),
                "closes_at": datetime(2026, 3, 15, tzinfo=UTC), "budget": 100,
                "min_votes_to_fund": 2, "max_votes": 1}
    ideas = [{"idea_id": a, "title": "Trees; benches", "cost": 60, "supports": 3},
             {"idea_id": b, "title": "Bike racks", "cost": 50, "supports": 2},
             {"idea_id": c, "title": "No price yet", "cost": None, "supports": 0}]
    ballots = [("v1", [str(a), str(b)]), ("v2", [str(a)]), ("v3", [str(a), str(b)])]
    text = pabulib_export.render(campaign, ideas, ballots, {str(a)})
    back = pabulib.parse(text.encode())
    assert back.meta["description"] == 'Parks; "green" streets'
    assert back.meta["budget"] == "100" and back.meta["min_project_score_threshold"] == "2"
    # the rules allowed one vote at the end, yet ballots of two were counted before: they fit
    assert back.meta["max_length"] == "2"
    assert pabulib.window(back) == (campaign["opens_at"], campaign["closes_at"])
    assert {pid: (p.name, p.cost, p.votes, p.selected) for pid, p in back.projects.items()} == {
        str(a): ("Trees; benches", 60, 3, True), str(b): ("Bike racks", 50, 2, False),
        str(c): ("No price yet", None, 0, False)}
    assert back.ballots == [(v, ids) for v, ids in ballots]
