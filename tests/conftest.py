"""Session-wide real infrastructure: the embedded broker and PostgreSQL (or the configured ones).

Set KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL to run the same tests against external servers.
Tests use fresh ids (uuid) and, where they run a consumer of their own, their own topic and
consumer-group names, so they never see each other's data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio

from services.infra import archive, db
from services.infra.auth import mint_token
from services.infra.embedded import free_port
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.logging import configure_logging
from services.infra.settings import Settings
from services.infra.stack import Infrastructure, Stack

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples" / "data"


@pytest.fixture(scope="session")
def infra() -> Iterator[Settings]:
    """Resolved settings pointing at a running broker and database for the whole session."""
    configure_logging("WARNING", json=True)
    # Not under pytest's own temporary folder: the database server runs as another user, who
    # must be able to reach its data directory, and concurrent pytest runs prune each other's
    # folders there.
    home = Path(tempfile.mkdtemp(prefix="ideastorm-test-"))
    home.chmod(0o755)
    base = Settings(
        ideastorm_env="test",
        ideastorm_home=home,
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
        database_url=os.environ.get("DATABASE_URL") or None,
        kafka_session_timeout_ms=6_000,
    )
    infrastructure = Infrastructure(base, fresh_db=True)
    settings = infrastructure.start()
    try:
        yield settings
    finally:
        infrastructure.stop()
        if not os.environ.get("IDEASTORM_KEEP_TEST_HOME"):  # keep it to read the process logs
            shutil.rmtree(home, ignore_errors=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pool(infra: Settings) -> AsyncIterator[asyncpg.Pool]:
    assert infra.database_url and infra.kafka_bootstrap_servers
    p = await db.create_pool(infra.database_url, min_size=1, max_size=10)
    await ensure_topics(infra.kafka_bootstrap_servers)
    yield p
    await p.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def producer(infra: Settings, pool: asyncpg.Pool) -> AsyncIterator[EventProducer]:
    assert infra.kafka_bootstrap_servers
    await archive.setup(pool)
    p = EventProducer(infra.kafka_bootstrap_servers, archive=pool)
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
def uid() -> str:
    """A short random id for names that must not collide between tests."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def stack(infra: Settings) -> Iterator[Stack]:
    """Every available worker and the gateway as real processes, for the whole session."""
    # Every HTTP request of the session comes from one address with one user agent: to the
    # anomaly detector the whole suite is one client, and its fresh participants look like new
    # accounts. Thresholds well above what the ordinary tests cast keep their votes counted;
    # tests/integration/test_voting_anomalies.py reads the same settings and makes a burst.
    os.environ.setdefault("VOTING_BURST_VOTES", "200")
    os.environ.setdefault("VOTING_BALLOT_VOTERS", "50")
    # signed log heads every second, so a receipt is covered by a head within a test's wait
    os.environ.setdefault("LOG_HEAD_INTERVAL_S", "1")
    # what-if replays of closed campaigns as soon as their votes settle
    os.environ.setdefault("VOTING_WHAT_IF_QUIET_S", "2")
    os.environ.setdefault("VOTING_WHAT_IF_INTERVAL_S", "1")
    # a test holds a campaign's selection computation by putting a file named by its id here
    holds = infra.ideastorm_home / "selection-holds"
    holds.mkdir(exist_ok=True)
    os.environ.setdefault("IDEASTORM_TEST_SELECTION_HOLDS", str(holds))
    # the stored selections are looked for as often as the what-if replays
    os.environ.setdefault("VOTING_SELECTION_INTERVAL_S", "0.5")
    # a free port, never the default one a developer's own `ideastorm up` may be serving
    s = Stack(infra, log_dir=infra.ideastorm_home / "logs", http_port=free_port())
    s.start(timeout=120)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def token(infra: Settings) -> Callable[..., str]:
    """`token("moderator", sub="m-1")` -> a bearer token for the test gateway."""

    def make(*roles: str, sub: str | None = None, sector: str | None = None) -> str:
        return mint_token(infra, sub=sub or f"u-{uuid.uuid4().hex[:8]}", roles=list(roles),
                          sector=sector)

    return make


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The contract fuzzing writes whatever the document allows into the shared stack (plans of
    any year, campaigns, reports): it runs after every other test so none of them meets it."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)
