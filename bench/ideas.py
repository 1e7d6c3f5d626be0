"""Ideas throughput and latency on the embedded stack, beside this machine's raw limits.

    .venv/bin/python bench/ideas.py [--ideas 20000] [--page-ideas 10000]
                                    [--only submissions|projection|page]

1. Projection: N submissions to one post-moderated campaign are put on `ideas.submissions` while
   the ideas worker is stopped; then the worker is started and we time Kafka -> ideas worker ->
   PostgreSQL (ideas, revisions, and one `IdeaStatusChanged` published per idea), from the first
   applied batch to the last idea.
2. Raw limits measured in the same run: reading the same topic with aiokafka doing nothing, and
   `executemany` of the same rows into a bare PostgreSQL table (how the projection writes them).
3. Latency: ideas POSTed through the HTTP API one after another, each until `GET /ideas/{id}`
   with `wait_for` shows it published.
4. Campaign page: 10,000 published ideas in one campaign (submissions, then `TallyChanged` events
   as the voting service publishes them, with a long-tailed support distribution: most ideas
   have a few votes, a few have thousands), then `GET /campaigns/{id}/ideas` over HTTP, 500
   sequential requests per order, each a first page or a page deep in the list (a cursor taken
   from a full walk), beside the bare query through asyncpg on the same cursors in the same run.

Uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when set, otherwise starts the embedded ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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
# the repository instead of bench/, whose limits.py would hide the `limits` library
sys.path[0] = str(ROOT)

from bench.limits import raw_consume  # noqa: E402
from bench.profiling import TICKS, Probe  # noqa: E402
from schemas.campaigns import CampaignCreated, ModerationMode  # noqa: E402
from schemas.envelope import Envelope  # noqa: E402
from schemas.ideas import IdeaSubmitted  # noqa: E402
from schemas.votes import IdeaTally, TallyChanged  # noqa: E402
from services.ideas import queries  # noqa: E402
from services.ideas.domain import PageCursor, PageOrder  # noqa: E402
from services.infra import db  # noqa: E402
from services.infra.auth import mint_token  # noqa: E402
from services.infra.embedded import free_port  # noqa: E402
from services.infra.kafka import EventProducer, ensure_topics  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure, Stack  # noqa: E402

LATENCY_SAMPLES = 200
PAGE_REQUESTS = 500  # per order
PAGE_SIZE = 50


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
    worker = stack.start_worker("ideas")
    first = await wait(applied, lambda c: c > 0, every=0.02)
    t_first, cpu_first = time.perf_counter(), cpu_seconds(worker.pid)
    async with Probe("submissions", {"ideas": worker.pid}, stack.settings.database_url):
        await wait(applied, lambda c: c >= n)
    t_done, cpu_done = time.perf_counter(), cpu_seconds(worker.pid)
    return {"publish_per_s": n / publish_s, "worker_start_s": t_first - launched,
            "e2e_per_s": (n - first) / max(t_done - t_first, 1e-9),
            "worker_cpu_us": 1e6 * (cpu_done - cpu_first) / max(n - first, 1),
            "load": os.getloadavg()[0]}


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


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
    # one author per idea: the edge limits each participant's writes (60 a minute by default)
    authors = [{"Authorization": "Bearer " + mint_token(settings, sub=f"bench-author-{i}",
                                                        roles=["participant"])}
               for i in range(LATENCY_SAMPLES)]
    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        r = await http.post("/campaigns", headers=admin, json={
            "title": "Latency", "question": "Fast?", "moderation": "post",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat()})
        cid = r.json()["campaign_id"]
        # `wait_for` needs the caller's token
        got = await http.get(f"/campaigns/{cid}", params={"wait_for": r.json()["event_id"]},
                             headers=admin)
        assert got.status_code == 200, got.text
        samples = []
        for i in range(LATENCY_SAMPLES):
            started = time.perf_counter()
            r = await http.post(f"/campaigns/{cid}/ideas", headers=authors[i],
                                json={"title": f"Quick {i}", "body": "Timed."})
            assert r.status_code == 202, r.text
            got = await http.get(f"/ideas/{r.json()['idea_id']}",
                                 params={"wait_for": r.json()["event_id"]}, headers=authors[i])
            assert got.status_code == 200 and got.json()["status"] == "published", got.text
            samples.append(time.perf_counter() - started)
        return samples


def support_of(rng: random.Random) -> int:
    """A long tail: most ideas get a handful of votes, a few thousands (Pareto, alpha 1.1)."""
    return min(int(rng.paretovariate(1.1)) - 1, 50_000)


async def load_campaign(pool: asyncpg.Pool, producer: EventProducer, n: int) -> uuid.UUID:
    """N published ideas in one post-moderated campaign, with their support, through events."""
    campaign, ideas = events(n)
    cid = campaign.model().campaign_id  # type: ignore[attr-defined]
    rng = random.Random(7)
    supports = [support_of(rng) for _ in range(n)]
    tallies = [IdeaTally(idea_id=e.model().idea_id, supports=s, opposes=0)  # type: ignore[attr-defined]
               for e, s in zip(ideas, supports, strict=True)]
    await producer.publish(campaign)
    await producer.publish_many(ideas)
    await producer.publish_many([
        Envelope.wrap(TallyChanged(campaign_id=cid, ideas=tallies[i:i + 1_000]),
                      actor="system:voting") for i in range(0, n, 1_000)])
    await wait(lambda: pool.fetchrow(
        "SELECT count(*) AS n, sum(supports) AS s FROM ideas.ideas"
        " WHERE campaign_id = $1 AND status = 'published'", cid),
        lambda r: r["n"] == n and r["s"] == sum(supports))
    return cid


async def campaign_page(stack: Stack, pool: asyncpg.Pool, producer: EventProducer, n: int
                        ) -> dict[str, dict[str, Any]]:
    """Seconds per request over HTTP and per bare query, pages walked and the plan, by order."""
    cid = await load_campaign(pool, producer, n)
    rng = random.Random(11)
    out: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        url = f"/campaigns/{cid}/ideas"
        for order in PageOrder:
            cursors: list[str | None] = [None]  # the first page, then every page's start
            seen: list[str] = []
            while True:
                r = await http.get(url, params={"sort": order.value, "limit": PAGE_SIZE,
                                                **({"after": cursors[-1]} if cursors[-1] else {})})
                assert r.status_code == 200, r.text
                seen += [i["idea_id"] for i in r.json()["ideas"]]
                if r.json()["next"] is None:
                    break
                cursors.append(r.json()["next"])
            assert len(seen) == len(set(seen)) == n, f"a walk by {order} saw {len(seen)} ideas"
            # half first pages (what most visitors ask), half anywhere in the list
            picks = [None if k % 2 == 0 else rng.choice(cursors) for k in range(PAGE_REQUESTS)]
            http_s, sql_s = [], []
            for after in picks:
                params = {"sort": order.value, "limit": PAGE_SIZE}
                started = time.perf_counter()
                r = await http.get(url, params={**params, **({"after": after} if after else {})})
                http_s.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text
            for after in picks:
                cursor = PageCursor.decode(after, order) if after else None
                started = time.perf_counter()
                await queries.campaign_page(pool, cid, order, after=cursor, limit=PAGE_SIZE)
                sql_s.append(time.perf_counter() - started)
            floor_s = []  # the gateway's own cost: the same requests' path with a one-row read
            for _ in picks:
                started = time.perf_counter()
                r = await http.get(f"/campaigns/{cid}")
                floor_s.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text
            deepest = PageCursor.decode(cursors[-1], order) if cursors[-1] else None
            plan = await pool.fetchval(
                "EXPLAIN (FORMAT JSON) " + queries.page_sql(order, later=True),
                cid, PAGE_SIZE + 1, *((deepest.key, deepest.idea_id) if deepest else (0, cid)))
            out[order.value] = {"http": http_s, "sql": sql_s, "floor": floor_s,
                                "pages": len(cursors),
                                "plan": plan_summary(plan)}
    return out


def plan_summary(plan: Any) -> str:
    node = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    while node.get("Node Type") == "Limit" and node.get("Plans"):
        node = node["Plans"][0]
    return f"{node.get('Node Type')} using {node.get('Index Name', '-')}"


async def measure(stack: Stack, settings: Settings, n: int, page_n: int, only: str | None
                  ) -> tuple[dict[str, float] | None, float, float, list[float],
                             dict[str, dict[str, Any]] | None]:
    assert settings.database_url and settings.kafka_bootstrap_servers
    await ensure_topics(settings.kafka_bootstrap_servers)
    pool = await db.create_pool(settings.database_url)
    proj, consume, insert, lat, page = None, 0.0, 0.0, [], None
    try:
        async with EventProducer(settings.kafka_bootstrap_servers) as producer:
            if only in (None, "submissions", "projection"):
                proj = await projection(stack, pool, producer, n)
                consume = await raw_consume(settings.kafka_bootstrap_servers,
                                            "ideas.submissions", n)
                insert = await raw_insert(pool, n)
            if only in (None, "submissions"):
                lat = await latency(stack, settings)
            if only in (None, "page"):
                page = await campaign_page(stack, pool, producer, page_n)
    finally:
        await pool.close()
    return proj, consume, insert, lat, page


def ms(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] * 1000


def main(n: int, page_n: int, only: str | None) -> None:
    configure_logging("WARNING", json=True)
    home = Path(tempfile.mkdtemp(prefix="ideastorm-bench-"))
    home.chmod(0o755)
    infra = Infrastructure(Settings(ideastorm_home=home), fresh_db=True)
    settings = infra.start()
    stack = Stack(settings, workers=("ideas",), http_port=free_port())
    try:
        stack.start(timeout=180)
        proj, consume, insert, lat, page = asyncio.run(measure(stack, settings, n, page_n,
                                                               only))
    finally:
        stack.stop()
        infra.stop()
        shutil.rmtree(home, ignore_errors=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"ideas bench (load average at the end: {load})\n")
    if proj is not None:
        print_submissions(n, proj, consume, insert, lat)
    if page is not None:
        print_page(page_n, page)


def print_page(n: int, page: dict[str, dict[str, Any]]) -> None:
    print(f"\n  campaign page, {n:,} published ideas, {PAGE_SIZE} per page, {PAGE_REQUESTS}"
          " sequential requests per order (half first pages, half deep via cursors):")
    for order, m in page.items():
        print(f"    campaign page ({n:,} ideas, sort={order}) p50 {ms(m['http'], 50):.1f} ms,"
              f" p99 {ms(m['http'], 99):.1f} ms   (HTTP; {m['pages']} pages walked,"
              f" each idea once)")
        print(f"      raw limit, same run: the bare query (asyncpg) p50 {ms(m['sql'], 50):.1f} ms,"
              f" p99 {ms(m['sql'], 99):.1f} ms; deepest page: {m['plan']}")
        print(f"      raw limit, same run: GET /campaigns/{{id}} (one row, same gateway)"
              f" p50 {ms(m['floor'], 50):.1f} ms, p99 {ms(m['floor'], 99):.1f} ms")


def print_submissions(n: int, proj: dict[str, float], consume: float, insert: float,
                      lat: list[float]) -> None:
    print(f"  {n} submissions, one post-moderated campaign\n")
    print(f"  publish to ideas.submissions      {proj['publish_per_s']:>10,.0f} /s")
    print(f"  ideas worker, Kafka -> PostgreSQL  {proj['e2e_per_s']:>10,.0f} /s"
          f"   (worker start {proj['worker_start_s']:.1f} s)")
    print(f"    the worker's CPU per submission  {proj['worker_cpu_us']:>10,.0f} us"
          f"   (load average {proj['load']:.2f} when the last idea was stored)")
    print("  raw limits, same run:")
    print(f"    aiokafka getmany, no work        {consume:>10,.0f} /s")
    print(f"    asyncpg executemany, same rows   {insert:>10,.0f} /s")
    print(f"  ratio to the lower raw limit       {proj['e2e_per_s'] / min(consume, insert):>10.3f}")
    if not lat:
        return
    q = statistics.quantiles(lat, n=100)
    print(f"\n  HTTP submit -> visible (wait_for), {LATENCY_SAMPLES} sequential: "
          f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--page-ideas", type=int, default=10_000)
    parser.add_argument("--only", choices=("submissions", "projection", "page"),
                        help="projection: the worker's rate and raw limits, without the latency")
    args = parser.parse_args()
    main(args.ideas, args.page_ideas, args.only)
