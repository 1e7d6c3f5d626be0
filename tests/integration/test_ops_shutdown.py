"""A worker stopped with SIGTERM mid-stream finishes its batch, commits and exits 0; restarted, it
neither re-applies nor loses an event. Also: the worker's /healthz, /readyz and /metrics.

The worker is a real `faust.Worker` process built with `build_app` + `ProjectionsService`, running
a projection that records every event it applies in a table WITHOUT a unique key and with
`dedupe` off, so an event applied twice would show up as a second row.

Run as `python -m tests.integration.test_ops_shutdown` it is that worker process.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import asyncpg
import faust
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from schemas.envelope import Envelope
from schemas.ideas import FlagReason, IdeaFlagged
from schemas.topics import Topic
from services.infra.consumer import Message, Outcome
from services.infra.embedded import free_port
from services.infra.kafka import ensure_topics
from services.infra.settings import Settings
from services.infra.worker import ProjectionsService, build_app, run_worker
from tests.helpers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 6_000
BATCH = 200


class RecordingProjection:
    """Appends one row per applied event; each batch holds its transaction open a little so a
    SIGTERM reliably arrives while a batch is in flight."""

    dedupe = False

    def __init__(self, schema: str, topic: str) -> None:
        self.name = f"{schema}-recorder"
        self.schema = schema
        self.topics: Sequence[str] = (topic,)

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        await conn.execute(
            f"INSERT INTO {self.schema}.applied (event_id, part, position)"
            " SELECT * FROM unnest($1::uuid[], $2::int[], $3::bigint[])",
            [m.envelope.event_id for m in messages], [m.partition for m in messages],
            [m.offset for m in messages],
        )
        await conn.execute("SELECT pg_sleep(0.05)")
        return Outcome()


def create_app(settings: Settings) -> faust.App:
    schema, topic = os.environ["OPS_TEST_SCHEMA"], os.environ["OPS_TEST_TOPIC"]
    app = build_app(schema, settings)
    app.service(ProjectionsService(schema, settings,
                                   lambda _: [RecordingProjection(schema, topic)]))
    return app


class WorkerProcess:
    def __init__(self, infra: Settings, schema: str, topic: str, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": str(infra.kafka_bootstrap_servers),
            "DATABASE_URL": str(infra.database_url),
            "IDEASTORM_HOME": str(infra.ideastorm_home),
            "IDEASTORM_ENV": "test",
            "KAFKA_SESSION_TIMEOUT_MS": "6000",
            "CONSUMER_MAX_RECORDS": str(BATCH),
            "WORKER_WEB_PORT": str(self.port),
            "LOG_JSON": "true",
            "OPS_TEST_SCHEMA": schema,
            "OPS_TEST_TOPIC": topic,
            "PYTHONUNBUFFERED": "1",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.test_ops_shutdown"], cwd=ROOT,
                env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def terminate(self, timeout: float = 60) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for w in started:
        w.kill()


async def _produce(bootstrap: str, topic: str, n: int) -> set[uuid.UUID]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    ids: set[uuid.UUID] = set()
    try:
        futures = []
        for _ in range(n):
            env = Envelope.wrap(IdeaFlagged(idea_id=uuid.uuid4(), campaign_id=uuid.uuid4(),
                                            reason=FlagReason.SPAM), actor="tester")
            ids.add(env.event_id)
            futures.append(await producer.send(topic, env.to_bytes(), key=env.key()))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return ids


async def _http_get(url: str) -> httpx.Response | None:
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            return await client.get(url)
    except httpx.HTTPError:
        return None


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if m and ",".join(sorted(m.group(1).split(","))) == wanted:
            return float(m.group(2))
    raise AssertionError(f"{name}{{{wanted}}} not in /metrics")


async def test_sigterm_mid_stream_loses_nothing_and_repeats_nothing(
    infra: Settings, pool: asyncpg.Pool, uid: str, workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    assert infra.kafka_bootstrap_servers
    schema, topic = f"ops_{uid}", Topic(f"ops.flags.{uid}", partitions=4, key="idea id")
    await ensure_topics(infra.kafka_bootstrap_servers, [topic, Topic(topic.dlq, 1, "key")])
    await pool.execute(f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.applied"
                       " (event_id uuid NOT NULL, part int NOT NULL, position bigint NOT NULL)")
    produced = await _produce(infra.kafka_bootstrap_servers, topic.name, EVENTS)

    async def applied() -> int:
        return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.applied"))

    def applied_by(w: WorkerProcess) -> Callable[[], Awaitable[int]]:
        async def probe() -> int:
            assert w.proc is not None and w.proc.poll() is None, (
                f"the worker exited early: {w.log.read_text()[-3000:]}")
            return await applied()
        return probe

    first = WorkerProcess(infra, schema, topic.name, tmp_path / "worker-1.log")
    workers.append(first)
    first.start()
    await eventually(applied_by(first), lambda n: n >= EVENTS // 5, timeout=90,
                     what="the first worker applying a fifth of the events")

    assert first.terminate() == 0, (tmp_path / "worker-1.log").read_text()[-3000:]
    before = await applied()
    assert before < EVENTS, "the worker finished before SIGTERM arrived: the test proved nothing"
    # what it applied is exactly what it committed offsets for: no half batch, no unstored batch
    committed = await pool.fetchval(
        f"SELECT coalesce(sum(next_offset), 0) FROM {schema}.consumer_offsets")
    assert committed == before
    assert "worker.stopped" in (tmp_path / "worker-1.log").read_text()

    second = WorkerProcess(infra, schema, topic.name, tmp_path / "worker-2.log")
    workers.append(second)
    second.start()
    await eventually(applied_by(second), lambda n: n >= EVENTS, timeout=90,
                     what="every event applied")

    rows = await pool.fetch(f"SELECT event_id, part, position FROM {schema}.applied")
    assert len(rows) == EVENTS, "an event was applied twice"
    assert {r["event_id"] for r in rows} == produced, "an event was lost"

    # the restarted worker's own endpoints: alive, ready with every partition, and its
    # counter shows it processed exactly the events the first one had left
    health = await _http_get(f"{second.url}/healthz")
    assert health is not None and health.status_code == 200
    ready = await eventually(lambda: _http_get(f"{second.url}/readyz"),
                             lambda r: r is not None and r.status_code == 200, timeout=30,
                             what="worker /readyz 200")
    assert ready is not None
    assert ready.json()["assigned"] == {
        f"{schema}-recorder": [f"{topic.name}/{p}" for p in range(topic.partitions)]}
    consumer = f"{schema}-recorder"

    def settled(r: httpx.Response | None) -> bool:
        # the gauges are set right after the commit the test saw; give them that moment
        return r is not None and r.status_code == 200 and all(
            _metric(r.text, "ideastorm_consumer_lag", consumer=consumer, topic=topic.name,
                    partition=str(p)) == 0 for p in range(topic.partitions))

    scraped = await eventually(lambda: _http_get(f"{second.url}/metrics"), settled,
                               timeout=15, what="worker /metrics with every partition caught up")
    assert scraped is not None
    assert _metric(scraped.text, "ideastorm_events_processed_total",
                   consumer=consumer, topic=topic.name) == EVENTS - before
    for p in range(topic.partitions):
        stored = await pool.fetchval(
            f"SELECT next_offset FROM {schema}.consumer_offsets WHERE partition = $1", p)
        assert _metric(scraped.text, "ideastorm_consumer_committed_offset", consumer=consumer,
                       topic=topic.name, partition=str(p)) == stored
    assert second.terminate() == 0


if __name__ == "__main__":
    from services.infra.logging import configure_logging

    worker_settings = Settings()
    configure_logging(worker_settings.log_level, worker_settings.log_json)
    run_worker(create_app(worker_settings), loglevel=worker_settings.log_level)
