"""Real elections replayed through Kafka reproduce their official counts, also when imported twice."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from clients import pabulib
from clients.election_import import import_election
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.voting import queries
from services.voting.domain import selection
from tests.conftest import DATA, ROOT

pytestmark = pytest.mark.integration


async def stand_in_for_the_ideas_service(producer: EventProducer, stack: Stack,
                                         election: pabulib.Election) -> None:
    """Without the ideas worker in this build, publish what it would: each idea published."""
    if "ideas" in stack.workers:
        return
    opens, _ = pabulib.window(election)
    cid = pabulib.campaign_id(election)
    await producer.publish_many([
        Envelope.wrap(IdeaStatusChanged(idea_id=pabulib.idea_id(election, pid), campaign_id=cid,
                                        status=IdeaStatus.PUBLISHED, title=p.name[:200],
                                        cost=p.cost),
                      actor="ideas", occurred_at=opens + timedelta(seconds=1 + n))
        for n, (pid, p) in enumerate(election.projects.items())
    ])


@pytest.mark.parametrize("name", ["france_toulouse_2022_6.pb", "netherlands_amsterdam_647.pb"])
async def test_import_reproduces_the_official_counts_and_a_second_import_changes_nothing(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
    token: Callable[..., str], name: str
) -> None:
    assert infra.kafka_bootstrap_servers and infra.database_url
    election = pabulib.parse((DATA / name).read_bytes())
    lines: list[str] = []
    admin = token("admin", sub="pabulib-import")
    runs = [import_election(infra.kafka_bootstrap_servers, stack.base_url, admin, election,
                            database_url=infra.database_url,
                            check=True, timeout=120, say=lines.append),
            stand_in_for_the_ideas_service(producer, stack, election)]
    result, _ = await asyncio.gather(*runs)
    assert result is not None
    assert result.ok, result.differences
    assert result.matching == len(election.projects)
    cid = pabulib.campaign_id(election)
    first = await queries.tally(pool, cid)

    again = await import_election(infra.kafka_bootstrap_servers, stack.base_url, admin, election,
                                  database_url=infra.database_url,
                                  check=True, timeout=120)
    assert again is not None and again.ok, again.differences if again else None
    assert await queries.tally(pool, cid) == first
    states = await queries.decided_votes(pool, cid)
    assert states == {"counted": election.vote_count, "parked": 0}


@pytest.mark.parametrize("name", ["france_toulouse_2022_6.pb",
                                  "poland_wroclaw_2016_rejon-nr-1-250.pb"])
def test_the_command_ends_with_the_votes_and_selection_lines_and_exits_0(
    stack: Stack, infra: Settings, name: str
) -> None:
    if "ideas" not in stack.workers:
        pytest.skip("the command relies on the ideas worker to publish the ideas")
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": str(infra.kafka_bootstrap_servers),
           "DATABASE_URL": str(infra.database_url), "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "import-pabulib",
         str(DATA / name), "--check", "--timeout", "120", "--url", stack.base_url],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # what the server selected, through HTTP, equals what the rules select from the file alone
    election = pabulib.parse((DATA / name).read_bytes())
    expected = selection.check_lines(election, selection.tally_of(ids for _, ids in
                                                                  election.ballots))
    assert done.stdout.strip().splitlines()[-len(expected):] == expected
    assert expected[0] == f"votes: {len(election.projects)}/{len(election.projects)} ideas" \
        " match the official counts"


def test_for_a_file_of_another_rule_the_command_says_what_each_rule_would_select(
    stack: Stack, infra: Settings, tmp_path: Path
) -> None:
    if "ideas" not in stack.workers:
        pytest.skip("the command relies on the ideas worker to publish the ideas")
    raw = (DATA / "france_toulouse_2022_6.pb").read_bytes().replace(b"rule;greedy",
                                                                    b"rule;unknown")
    assert b"rule;unknown" in raw
    path = tmp_path / "toulouse_unknown_rule.pb"
    path.write_bytes(raw)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": str(infra.kafka_bootstrap_servers),
           "DATABASE_URL": str(infra.database_url), "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "import-pabulib", str(path), "--check",
         "--timeout", "120", "--url", stack.base_url],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    election = pabulib.parse(raw)
    expected = selection.check_lines(election, selection.tally_of(ids for _, ids in
                                                                  election.ballots))
    assert expected[1] == "selected: the file's rule is unknown; what each rule would select:"
    assert expected[2].startswith("greedy would select")
    assert expected[3].startswith("equal shares would select")
    out = done.stdout.strip().splitlines()[-4:]
    # the server names the rule as its API does
    assert out == [*expected[:3], expected[3].replace("equal shares", "equal-shares", 1)]


def test_a_file_that_is_not_an_approval_election_is_refused_with_a_reason(tmp_path: object
                                                                         ) -> None:
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    bad = DATA.parent.parent / "README.md"
    done = subprocess.run([sys.executable, "-m", "services.cli", "import-pabulib", str(bad)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 2
    assert "cannot import" in done.stderr
