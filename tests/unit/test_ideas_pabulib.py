"""The Pabulib reader on the real example files."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients.pabulib import read_projects

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"


def test_amsterdam_projects_are_read_with_their_official_votes() -> None:
    pb = read_projects(DATA / "netherlands_amsterdam_647.pb")
    assert pb.meta["num_projects"] == "19" and pb.meta["max_length"] == "5"
    assert len(pb.projects) == 19
    first = pb.projects[0]
    assert (first.project_id, first.name, first.cost, first.votes, first.category) == (
        "44266", "Bomen tegen hittestress", 10000, 1739, "Groen")
    assert sum(p.votes or 0 for p in pb.projects) == 15077


@pytest.mark.parametrize(("name", "count"), [("poland_warszawa_2026.pb", 83),
                                             ("france_toulouse_2022_6.pb", 10)])
def test_every_example_file_has_its_projects(name: str, count: int) -> None:
    pb = read_projects(DATA / name)
    assert len(pb.projects) == count and all(p.name for p in pb.projects)
