"""The importer's and the edge's speed work keeps what they publish and what they serve."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.partitioner import murmur2
from pydantic import ValidationError

from clients import election_import, pabulib
from schemas.envelope import Envelope, derived_id
from schemas.votes import VoteCast
from services.gateway.app import BENCH_ROUTE, create_app
from services.infra.kafka import kafka_murmur2
from services.infra.limits import IN_PROCESS
from services.infra.logging import current_correlation_id
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


@pytest.mark.parametrize("name", ["netherlands_amsterdam_647.pb", "poland_wroclaw_2016_rejon-nr-1-250.pb"])
def test_the_importers_vote_records_are_the_bytes_of_the_modelled_envelopes(name: str) -> None:
    """The records made without a model per vote are, byte for byte, the topic, key and value
    `Envelope.wrap(VoteCast(...)).to_bytes()` gives for every vote of a whole file (the time
    each was recorded set alike on both sides), so consumers and the archive see the same."""
    election = pabulib.parse((DATA / name).read_bytes())
    recorded = datetime(2026, 12, 7, 22, 0, 0, 123_400, tzinfo=UTC)
    records = list(pabulib.vote_records(election, clock=lambda: recorded))
    events = list(pabulib.vote_events(election))
    assert len(records) == len(events) == election.vote_count > 1_000
    for (topic, key, value, headers), env in zip(records, events, strict=True):
        assert (topic, key, headers) == (env.topic, env.key(), None)
        assert value == env.model_copy(update={"recorded_at": recorded}).to_bytes()


def test_the_records_made_chunk_by_chunk_are_the_whole_files_records_in_order() -> None:
    """`publish_votes` has the ballots' records made in ranges of whole ballots (in another
    process): put together they are the file's records, each once, in the file's order."""
    election = pabulib.parse((DATA / "poland_wroclaw_2016_rejon-nr-1-250.pb").read_bytes())
    recorded = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
    parts = list(election_import.chunks(election, 1_000))
    assert len(parts) > 3 and parts[0].start == 0 and parts[-1].stop == len(election.ballots)
    assert all(a.stop == b.start for a, b in zip(parts, parts[1:], strict=False))
    made = [r for part in parts
            for r in pabulib.vote_records(election, part, clock=lambda: recorded)]
    assert made == list(pabulib.vote_records(election, clock=lambda: recorded))


@pytest.mark.parametrize("at", [datetime(2026, 1, 1, tzinfo=UTC),
                                datetime(2026, 1, 1, 0, 0, 0, 7, tzinfo=UTC),
                                datetime(2026, 1, 1, 0, 0, 0, 999_996, tzinfo=UTC),
                                datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)])
def test_a_ballots_vote_times_are_written_as_the_envelope_writes_them(at: datetime) -> None:
    """Including a ballot whose votes cross into the next second (or year)."""
    assert pabulib._vote_times(at, 12) == [  # noqa: SLF001
        Envelope.wrap(VoteCast(voter_id="v", campaign_id=uuid.uuid4(), idea_id=uuid.uuid4()),
                      actor="v", occurred_at=at + timedelta(microseconds=k)
                      ).model_dump(mode="json")["occurred_at"] for k in range(12)]


@pytest.mark.parametrize(("made", "refusal"), [("x" * 200, ValidationError),
                                              (" pb-voter ", pabulib.PabulibError)])
def test_a_voter_id_the_model_would_refuse_or_change_is_refused_before_any_vote_is_made(
        monkeypatch: pytest.MonkeyPatch, made: str, refusal: type[Exception]) -> None:
    """The voter ids are checked with the models' constraints at once: one the model would
    refuse (too long) or store otherwise (spaces stripped) stops the import before its first
    vote, as the model path would have stopped at that voter."""
    election = pabulib.parse((DATA / "france_toulouse_2022_6.pb").read_bytes())
    real = pabulib.voter_id
    last = election.ballots[-1][0]
    monkeypatch.setattr(pabulib, "voter_id",
                        lambda e, voter: made if voter == last else real(e, voter))
    with pytest.raises(refusal):
        next(pabulib.vote_records(election))


def test_every_key_goes_to_the_partition_kafkas_default_partitioner_picks() -> None:
    """The producer picks each record's partition itself (the archive needs it before the
    broker): its murmur2 is aiokafka's, for every voter of a file and keys of every length."""
    election = pabulib.parse((DATA / "netherlands_amsterdam_647.pb").read_bytes())
    rnd = random.Random(7)
    keys = [pabulib.voter_id(election, voter).encode() for voter, _ in election.ballots]
    keys += [rnd.randbytes(rnd.randrange(0, 64)) for _ in range(5_000)]
    keys += [b"", b"\xff", b"\xff\xff\xff", "żółć".encode()]
    assert [kafka_murmur2(k) for k in keys] == [murmur2(k) for k in keys]


def _paths(settings: Settings) -> set[str]:
    return {getattr(r, "path", "") for r in create_app(settings).routes}


def test_the_benchmark_route_is_not_served_unless_asked_for_and_never_documented() -> None:
    assert BENCH_ROUTE not in _paths(Settings(ideastorm_env="test"))
    app = create_app(Settings(ideastorm_env="test", http_bench_route=True))
    assert BENCH_ROUTE in {getattr(r, "path", "") for r in app.routes}
    assert BENCH_ROUTE not in app.openapi()["paths"]


async def test_every_answer_carries_the_correlation_id_the_request_was_handled_under() -> None:
    """The caller's own id is kept (its log lines and events are joined by it); without one,
    or with one that is no UUID, a new id is made; the route sees the id the answer names."""
    app = create_app(Settings(ideastorm_env="test"))

    @app.get("/correlation-probe")
    async def probe() -> dict[str, str]:
        return {"seen": str(current_correlation_id())}

    mine = str(uuid.uuid4())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gateway") as client:
        kept = await client.get("/correlation-probe", headers={"X-Correlation-Id": mine})
        made = await client.get("/correlation-probe")
        bad = await client.get("/correlation-probe", headers={"X-Correlation-Id": "not-a-uuid"})
        missing = await client.get("/no-such-route", headers={"X-Correlation-Id": mine})
    assert kept.headers["X-Correlation-Id"] == kept.json()["seen"] == mine
    for r in (made, bad):
        assert r.headers["X-Correlation-Id"] == r.json()["seen"] != mine
        uuid.UUID(r.headers["X-Correlation-Id"])
    assert missing.status_code == 404 and missing.headers["X-Correlation-Id"] == mine


async def test_a_pages_call_of_the_api_in_process_leaves_the_pages_correlation_id_alone() -> None:
    app = create_app(Settings(ideastorm_env="test"))

    async def in_process(scope: Any, receive: Any, send: Any) -> None:
        await app({**scope, IN_PROCESS: True}, receive, send)

    @app.get("/correlation-probe")
    async def probe() -> dict[str, str]:
        return {"seen": str(current_correlation_id())}

    @app.get("/page-probe")
    async def page() -> dict[str, str]:
        before = str(current_correlation_id())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=in_process),
                                     base_url="http://gateway") as inner:
            called = (await inner.get("/correlation-probe")).json()["seen"]
        return {"before": before, "called": called, "after": str(current_correlation_id())}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gateway") as client:
        r = await client.get("/page-probe")
    body = r.json()
    assert body["before"] == body["after"] == r.headers["X-Correlation-Id"] != body["called"]
