"""Ideas throughput and latency on the embedded stack, beside this machine's raw limits.

    .venv/bin/python bench/ideas.py [--ideas 20000]

1. Projection: N submissions to one post-moderated campaign are put on `ideas.submissions` while
   the ideas worker is stopped; then the worker is started and we time Kafka -> ideas worker ->
   PostgreSQL (ideas, revisions, and one `IdeaStatusChanged` published per idea), from the first
   applied batch to the last idea.
2. Raw limits measured in the same run: reading the same topic with aiokafka doing nothing, and
   `executemany` of the same rows into a bare PostgreSQL table (how the projection writes them).
3. Latency: ideas POSTed through the HTTP API one after another, each until `GET /ideas/{id}`
   with `wait_for` shows it published.

Uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when set, otherwise starts the embedded ones.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.limits import raw_consume  # noqa: E402
from schemas.campaigns import CampaignCreated, ModerationMode  # noqa: E402
from schemas.envelope import Envelope  # noqa: E402
from schemas.ideas import IdeaSubmitted  # noqa: E402
from services.infra import db  # noqa: E402
from services.infra.auth import mint_token  # noqa: E402
from services.infra.embedded import free_port  # noqa: E402
from services.infra.kafka import EventProducer, ensure_topics  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure, Stack  # noqa: E402

LATENCY_SAMPLES = 200


async def wait(probe: Any, accept: Any, timeout: float = 600, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await probe()
        if accept(value):
            return value
        await asyncio.sleep(every)
    raise TimeoutError("benchmark condition not reached")


def events(n: int) -> tuple[Envelope, list[Envelope]]:
    now = datetime.now(UTC)
    campaign = Envelope.wrap(CampaignCreated(
        campaign_id=uuid.uuid4(), title="Bench campaign", question="Anything?",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1),
        moderation=ModerationMode.POST), actor="bench-admin")
    cid = campaign.model().campaign_id  # type: ignore[attr-defined]
    ideas = [Envelope.wrap(IdeaSubmitted(idea_id=uuid.uuid4(), campaign_id=cid,
                                         title=f"Idea number {i}", body="A bench idea " * 10,
                                         tags=["bench"]), actor=f"p-{i % 997}")
             for i in range(n)]
    return campaign, ideas


async def projection(stack: Stack, pool: asyncpg.Pool, producer: EventProducer,
                     n: int) -> dict[str, float]:
    campaign, ideas = events(n)
    cid = campaign.model().campaign_id  # type: ignore[attr-defined]
    await producer.publish(campaign)
    await wait(lambda: pool.fetchval("SELECT count(*) FROM ideas.campaigns WHERE campaign_id = $1",
                                     cid), lambda c: c == 1)
    stack.stop_process("ideas")
    started = time.perf_counter()
    await producer.publish_many(ideas)
    publish_s = time.perf_counter() - started

    async def applied() -> int:
        return int(await pool.fetchval(
            "SELECT count(*) FROM ideas.ideas WHERE campaign_id = $1", cid))

    launched = time.perf_counter()
    stack.start_worker("ideas")
    first = await wait(applied, lambda c: c > 0, every=0.02)
    t_first = time.perf_counter()
    await wait(applied, lambda c: c >= n)
    t_done = time.perf_counter()
    return {"publish_per_s": n / publish_s, "worker_start_s": t_first - launched,
            "e2e_per_s": (n - first) / max(t_done - t_first, 1e-9)}


async def raw_insert(pool: asyncpg.Pool, n: int) -> float:
    _, ideas = events(n)
    rows = [(e.model().idea_id, e.model().campaign_id, e.actor, None,  # type: ignore[attr-defined]
             e.payload["title"], e.payload["body"], e.payload["tags"], "published",
             e.actor, e.occurred_at, e.event_id) for e in ideas]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TEMP TABLE bench_ideas (idea_id uuid PRIMARY KEY,"
                           " campaign_id uuid, author text, sector text, title text, body text,"
                           " tags text[], status text, status_by text, status_at timestamptz,"
                           " status_cause uuid)")
        started = time.perf_counter()
        async with conn.transaction():
            await conn.executemany(
                "INSERT INTO bench_ideas VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                " ON CONFLICT DO NOTHING", rows)
        return n / (time.perf_counter() - started)


async def latency(stack: Stack, settings: Settings) -> list[float]:
    admin = {"Authorization": "Bearer " + mint_token(settings, sub="bench-admin",
                                                     roles=["admin"])}
    author = {"Authorization": "Bearer " + mint_token(settings, sub="bench-author",
                                                      roles=["participant"])}
    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        r = await http.post("/campaigns", headers=admin, json={
            "title": "Latency", "question": "Fast?", "moderation": "post",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat()})
        cid = r.json()["campaign_id"]
        await http.get(f"/campaigns/{cid}", params={"wait_for": r.json()["event_id"]})
        samples = []
        for i in range(LATENCY_SAMPLES):
            started = time.perf_counter()
            r = await http.post(f"/campaigns/{cid}/ideas", headers=author,
                                json={"title": f"Quick {i}", "body": "Timed."})
            got = await http.get(f"/ideas/{r.json()['idea_id']}",
                                 params={"wait_for": r.json()["event_id"]})
            assert got.json()["status"] == "published", got.text
            samples.append(time.perf_counter() - started)
        return samples


async def measure(stack: Stack, settings: Settings, n: int
                  ) -> tuple[dict[str, float], float, float, list[float]]:
    assert settings.database_url and settings.kafka_bootstrap_servers
    await ensure_topics(settings.kafka_bootstrap_servers)
    pool = await db.create_pool(settings.database_url)
    try:
        async with EventProducer(settings.kafka_bootstrap_servers) as producer:
            proj = await projection(stack, pool, producer, n)
            consume = await raw_consume(settings.kafka_bootstrap_servers, "ideas.submissions", n)
            insert = await raw_insert(pool, n)
            lat = await latency(stack, settings)
    finally:
        await pool.close()
    return proj, consume, insert, lat


def main(n: int) -> None:
    configure_logging("WARNING", json=True)
    home = Path(tempfile.mkdtemp(prefix="ideastorm-bench-"))
    home.chmod(0o755)
    infra = Infrastructure(Settings(ideastorm_home=home), fresh_db=True)
    settings = infra.start()
    stack = Stack(settings, workers=("ideas",), http_port=free_port())
    try:
        stack.start(timeout=180)
        proj, consume, insert, lat = asyncio.run(measure(stack, settings, n))
    finally:
        stack.stop()
        infra.stop()
        shutil.rmtree(home, ignore_errors=True)
    q = statistics.quantiles(lat, n=100)
    print(f"ideas bench: {n} submissions, one post-moderated campaign\n")
    print(f"  publish to ideas.submissions      {proj['publish_per_s']:>10,.0f} /s")
    print(f"  ideas worker, Kafka -> PostgreSQL  {proj['e2e_per_s']:>10,.0f} /s"
          f"   (worker start {proj['worker_start_s']:.1f} s)")
    print("  raw limits, same run:")
    print(f"    aiokafka getmany, no work        {consume:>10,.0f} /s")
    print(f"    asyncpg executemany, same rows   {insert:>10,.0f} /s")
    print(f"\n  HTTP submit -> visible (wait_for), {LATENCY_SAMPLES} sequential: "
          f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=20_000)
    main(parser.parse_args().ideas)
