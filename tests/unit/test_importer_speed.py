"""The importer's and the edge's speed work keeps what they publish and what they serve."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients import pabulib
from schemas.envelope import derived_id
from services.gateway.app import BENCH_ROUTE, create_app
from services.infra.settings import Settings

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"


def test_every_imported_vote_keeps_the_id_derived_from_its_file_voter_and_project() -> None:
    """A re-import must give the same event ids (the consumers apply each id once): the ids
    made with the file's shared hash computed once are the ones `derived_id` gives."""
    election = pabulib.parse((DATA / "france_toulouse_2022_6.pb").read_bytes())
    ballots = [(voter, pid) for voter, ids in election.ballots for pid in ids]
    events = list(pabulib.vote_events(election))
    assert len(events) == len(ballots) > 100
    assert [e.event_id for e in events] == [
        derived_id("pabulib", election.digest, "vote", voter, pid) for voter, pid in ballots]
    assert len({e.event_id for e in events}) == len(events)


def _paths(settings: Settings) -> set[str]:
    return {getattr(r, "path", "") for r in create_app(settings).routes}


def test_the_benchmark_route_is_not_served_unless_asked_for_and_never_documented() -> None:
    assert BENCH_ROUTE not in _paths(Settings(ideastorm_env="test"))
    app = create_app(Settings(ideastorm_env="test", http_bench_route=True))
    assert BENCH_ROUTE in {getattr(r, "path", "") for r in app.routes}
    assert BENCH_ROUTE not in app.openapi()["paths"]
