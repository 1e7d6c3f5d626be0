"""Scale-out: two voting workers in one consumer group share the `votes` partitions; one is stopped
mid-import and started again, and the tallies still match the official counts of a real election.

The import is driven here in two halves so that the stop falls inside it however fast the machine
is: the second worker is stopped after it has processed part of the first half, the second half is
published while it is down (the first worker takes over its partitions), then it starts again and
takes its partitions back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas import topics
from services.infra import db
from services.infra.embedded import free_port
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.conftest import DATA, ROOT
from tests.helpers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.slow]

pabulib = pytest.importorskip(
    "clients.pabulib", reason="the Pabulib reader is not on this branch yet")
queries = pytest.importorskip("services.voting.queries")

ELECTION = "netherlands_amsterdam_647.pb"
VOTES = topics.VOTES


class SecondWorker:
    """Another `ideastorm worker voting` process beside the stack's, in the same groups."""

    def __init__(self, stack: Stack, log: Path) -> None:
        self.stack, self.log = stack, log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**self.stack.env(), "WORKER_WEB_PORT": str(self.port)}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "worker", "voting"], cwd=ROOT, env=env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def second(stack: Stack, tmp_path: Path) -> Iterator[SecondWorker]:
    worker = SecondWorker(stack, tmp_path / "voting-2.log")
    yield worker
    worker.kill()


async def _get(url: str) -> httpx.Response | None:
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            return await client.get(url)
    except httpx.HTTPError:
        return None


async def _votes_partitions(url: str) -> set[int] | None:
    """The `votes` partitions the worker at `url` owns, once it is ready."""
    r = await _get(f"{url}/readyz")
    if r is None or r.status_code != 200:
        return None
    owned = {int(p.rsplit("/", 1)[1]) for parts in r.json()["assigned"].values()
             for p in parts if p.rsplit("/", 1)[0] == VOTES.name}
    return owned


async def _processed_votes(url: str) -> float:
    r = await _get(f"{url}/metrics")
    assert r is not None and r.status_code == 200
    return sum(s.value for family in text_string_to_metric_families(r.text)
               for s in family.samples
               if s.name == "ideastorm_events_processed_total"
               and s.labels.get("topic") == VOTES.name)


async def test_two_voting_workers_one_stopped_mid_import_tallies_match_official_counts(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
    second: SecondWorker, uid: str,
) -> None:
    assert VOTES.partitions >= 4
    assert "voting" in stack.workers and "ideas" in stack.workers
    await db.migrate(pool, "voting")
    raw = (DATA / ELECTION).read_bytes()
    # a campaign of its own: every id derives from the digest, so other tests' imports of the
    # same file cannot have counted these votes already
    election = dataclasses.replace(
        pabulib.parse(raw), digest=hashlib.sha256(raw + uid.encode()).hexdigest())
    cid = pabulib.campaign_id(election)
    total = election.vote_count
    first_url = stack.worker_url("voting")

    second.start()

    async def split() -> tuple[set[int] | None, set[int] | None]:
        return await _votes_partitions(first_url), await _votes_partitions(second.url)

    def shared(owned: tuple[set[int] | None, set[int] | None]) -> bool:
        a, b = owned
        return bool(a and b and not a & b and a | b == set(range(VOTES.partitions)))

    await eventually(split, shared, timeout=120,
                     what="the two workers sharing the votes partitions")

    await producer.publish_many(pabulib.campaign_events(election, f"scale-{uid}"))
    ideas = [pabulib.idea_id(election, p) for p in election.projects]
    await eventually(lambda: queries.known_ideas(pool, ideas), lambda n: n == len(ideas),
                     timeout=60, what="the voting service knowing every idea")

    votes = list(pabulib.vote_events(election))
    assert len(votes) == total
    half = total // 2
    await producer.publish_many(votes[:half])

    async def decided() -> int:
        states = await queries.decided_votes(pool, cid)
        return sum(n for s, n in states.items() if s != "parked")

    # the second worker takes part: it applies votes from its own partitions
    await eventually(lambda: _processed_votes(second.url), lambda n: n > 0, timeout=60,
                     what="the second worker processing votes")

    assert second.terminate() == 0, second.log.read_text()[-3000:]
    # the rest of the import arrives while one worker is down: the other takes every partition
    await producer.publish_many(votes[half:])
    await eventually(split, lambda owned: owned[0] == set(range(VOTES.partitions)), timeout=90,
                     what="the first worker owning every votes partition")
    await eventually(decided, lambda n: n >= half + (total - half) // 4, timeout=120,
                     what="votes of the second half decided while one worker is down")

    second.start()
    await eventually(split, shared, timeout=120, what="the partitions shared again")
    await eventually(decided, lambda n: n >= total, timeout=180, what="every vote decided")

    official = {pabulib.idea_id(election, pid): p.votes for pid, p in election.projects.items()}
    assert all(v is not None for v in official.values())
    tallies = await queries.supports_by_idea(pool, list(official))
    assert {i: tallies.get(i, 0) for i in official} == official
    assert await queries.decided_votes(pool, cid) == {"counted": total, "parked": 0}
    assert second.terminate() == 0
