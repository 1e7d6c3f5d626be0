"""`bench.selection --healthz`: the gateway's `/healthz` while the voting worker computes an
equal-shares selection of a large election (the stack on an embedded broker and database)."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from clients import pabulib
from clients.election_import import publish_votes
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.infra import db
from services.infra.embedded import free_port
from services.infra.kafka import archiving_producer, ensure_topics
from services.infra.logging import configure_logging
from services.infra.settings import Settings
from services.infra.stack import Infrastructure, Stack

BENCH_ENV = {"VOTING_BURST_VOTES": "1000000"}


def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


async def _run(settings: Settings, stack: Stack, election: pabulib.Election,
               say: Callable[[str], None], machine: Callable[[], str]) -> None:
    assert settings.kafka_bootstrap_servers and settings.database_url
    await ensure_topics(settings.kafka_bootstrap_servers)
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    cid = pabulib.campaign_id(election)
    opens, _ = pabulib.window(election)
    async with archiving_producer(settings.kafka_bootstrap_servers, settings.database_url,
                                  linger_ms=20) as producer:
        campaign = pabulib.campaign_events(election, "bench")[0]
        await producer.publish_many([campaign, *(
            Envelope.wrap(IdeaStatusChanged(idea_id=pabulib.idea_id(election, pid),
                                            campaign_id=cid, status=IdeaStatus.PUBLISHED,
                                            cost=p.cost),
                          actor="ideas", occurred_at=opens)
            for pid, p in election.projects.items())])
        total = await publish_votes(producer, election)
    say(f"published {total:,} votes; waiting for the tallies")
    for _ in range(7_200):  # an hour at most
        if int(await pool.fetchval("SELECT coalesce(sum(supports), 0) FROM voting.tallies"
                                   " WHERE campaign_id = $1", cid)) >= total:
            break
        await asyncio.sleep(0.5)
    budget = int(await pool.fetchval("SELECT budget FROM voting.campaigns"
                                     " WHERE campaign_id = $1", cid)) - 1  # asked by nobody yet
    url = f"/campaigns/{cid}/selection?rule=equal-shares&budget={budget}"
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=120) as http:
        idle = []
        for _ in range(200):
            t = time.perf_counter()
            (await http.get("/healthz")).raise_for_status()
            idle.append(time.perf_counter() - t)
        first = await http.get(url)
        say(f"GET selection: {first.status_code} ({first.json().get('status')})")
        busy: list[float] = []
        started = time.perf_counter()
        while True:
            t = time.perf_counter()
            (await http.get("/healthz")).raise_for_status()
            busy.append(time.perf_counter() - t)
            if len(busy) % 50 == 0:
                r = await http.get(url)
                if r.status_code == 200 and r.json()["current"]:
                    break
        waited = time.perf_counter() - started
    seconds, cpu = await pool.fetchrow(
        "SELECT seconds, cpu_seconds FROM voting.selections WHERE campaign_id = $1"
        " AND rule = 'equal-shares' AND budget = $2", cid, budget)
    await pool.close()
    for label, values in (("idle", idle), ("while the worker computes", busy)):
        ms = [v * 1000 for v in values]
        say(f"/healthz {label}: {len(ms)} requests, p50 {_quantile(ms, 0.5):.1f} ms,"
            f" p99 {_quantile(ms, 0.99):.1f} ms, slowest {max(ms):.1f} ms")
    say(f"the worker computed it in {seconds:.1f} s ({cpu:.1f} s of processor time, at a"
        f" lower priority than the projections); answered as stored {waited:.1f} s after"
        f" the request; {machine()}")


def healthz_while_computing(election: pabulib.Election, say: Callable[[str], None],
                            machine: Callable[[], str]) -> None:
    configure_logging("WARNING", json=True)
    with tempfile.TemporaryDirectory(prefix="ideastorm-bench-") as home:
        base = Settings(ideastorm_env="test", ideastorm_home=Path(home),
                        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
                        database_url=os.environ.get("DATABASE_URL") or None)
        infra = Infrastructure(base, fresh_db=True)
        settings = infra.start()
        stack = Stack(settings, workers=("voting",), http_port=free_port(), extra_env=BENCH_ENV)
        try:
            stack.start(timeout=180)
            asyncio.run(_run(settings, stack, election, say, machine))
        finally:
            stack.stop()
            infra.stop()
