"""Voting throughput and latency on the embedded stack, beside this machine's raw limits.

    .venv/bin/python -m bench.voting          (or: make bench)
    .venv/bin/python -m bench.voting --http   (the HTTP figures alone, step 5)
    .venv/bin/python -m bench.voting --no-http   (steps 1-4 alone: the votes' figures)

1. Publishing: the 287,475 votes of poland_warszawa_2026.pb are published the way the importer
   does it (clients/election_import.py `publish_votes`: make the events, archive each chunk in
   PostgreSQL, then send it to the broker) while the voting worker is stopped.
2. End to end: then the worker is started and we time Kafka -> voting worker -> PostgreSQL
   tallies, from the first tallied batch to the last vote; the worker's peak resident memory
   during that load is read from /proc/<pid>/status (VmHWM of the worker process).
3. The same with two voting workers in one consumer group (a copy of the election).
4. Raw limits measured in the same run: consuming the same topic with aiokafka doing nothing, and
   COPYing the same rows (the voting.votes columns) into a PostgreSQL table.
5. Latency: votes POSTed through the HTTP API at a steady 1,000/s for 20 s, each until it is
   visible in GET /campaigns/{id}/tally (the i-th accepted vote counts as visible once the tally,
   polled every 10 ms, shows at least i supports).

Ideas are announced on `status` directly (what the ideas service would publish), so the figures
are the voting service's alone. Uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when set.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parent.parent
# run as a file, this folder would come first on the path and its limits.py would shadow the
# `limits` package the settings use: put the project root there instead
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench.limits import raw_consume  # noqa: E402
from bench.profiling import Probe  # noqa: E402
from clients import pabulib  # noqa: E402
from clients.election_import import publish_votes  # noqa: E402
from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules  # noqa: E402
from schemas.envelope import Envelope  # noqa: E402
from schemas.moderation import IdeaStatus, IdeaStatusChanged  # noqa: E402
from services.infra import db  # noqa: E402
from services.infra.auth import mint_token  # noqa: E402
from services.infra.embedded import free_port  # noqa: E402
from services.infra.kafka import EventProducer, archiving_producer, ensure_topics  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure, Stack  # noqa: E402
from services.voting import queries  # noqa: E402
from services.voting.projections import VOTE_COLUMNS  # noqa: E402

FILE = ROOT / "examples" / "data" / "poland_warszawa_2026.pb"
RATE = 1_000  # votes per second asked through the HTTP API
SECONDS = 20
BENCH_ENV = {"VOTING_BURST_VOTES": "1000000", "HTTP_BENCH_ROUTE": "true"}
RAW_HTTP_REQUESTS = 10_000  # no-op requests timed for the edge's raw limit
SENDERS = 256  # requests in flight at most: enough for RATE at a quarter of a second each


def statuses(election: pabulib.Election) -> list[Envelope]:
    opens, _ = pabulib.window(election)
    cid = pabulib.campaign_id(election)
    return [Envelope.wrap(IdeaStatusChanged(idea_id=pabulib.idea_id(election, pid),
                                            campaign_id=cid, status=IdeaStatus.PUBLISHED),
                          actor="ideas", occurred_at=opens)
            for pid in election.projects]


async def wait(probe: Any, accept: Any, timeout: float = 600, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await probe()
        if accept(value):
            return value
        await asyncio.sleep(every)
    raise TimeoutError("benchmark condition not reached")


async def end_to_end(stack: Stack, pool: asyncpg.Pool, producer: EventProducer,
                     election: pabulib.Election, workers: int = 1,
                     dsn: str | None = None) -> dict[str, float]:
    campaign = pabulib.campaign_events(election, "bench")[0]
    await producer.publish_many([campaign, *statuses(election)])
    ids = [pabulib.idea_id(election, p) for p in election.projects]
    await wait(lambda: queries.known_ideas(pool, ids), lambda n: n == len(ids))

    total = sum(len(ids) for _, ids in election.ballots)
    for key in [k for k in stack.procs if k == "voting" or k.startswith("voting-")]:
        stack.stop_process(key)
    phase = "publish" if workers == 1 else f"publish-{workers}"
    async with Probe(phase, {"importer": os.getpid()}, dsn, idle=True):
        started = time.perf_counter()
        published = await publish_votes(producer, election)
        publish_s = time.perf_counter() - started
    assert published == total, (published, total)

    cid = pabulib.campaign_id(election)

    async def tallied() -> int:
        return int(await pool.fetchval(
            "SELECT coalesce(sum(supports), 0) FROM voting.tallies WHERE campaign_id = $1", cid))

    launched = time.perf_counter()
    for instance in range(1, workers + 1):
        stack.start_worker("voting", instance)
    if workers > 1:  # measure from the moment the group has settled its partitions
        await asyncio.to_thread(stack.wait_ready, 120,
                                ("voting", *(f"voting-{i}" for i in range(2, workers + 1))))
    first = await wait(tallied, lambda n: n > 0, every=0.02)
    t_first = time.perf_counter()
    workers_pids = {key: proc.pid for key, proc in stack.procs.items() if key.startswith("voting")}
    cpu_before = sum(cpu_seconds(pid) for pid in workers_pids.values())
    async with Probe(f"consume-{workers}", workers_pids, dsn):
        await wait(tallied, lambda n: n >= total, every=0.05)
    t_done = time.perf_counter()
    cpu_used = sum(cpu_seconds(pid) for pid in workers_pids.values()) - cpu_before
    return {"votes": total, "publish_per_s": total / publish_s,
            "rss_mb": peak_rss_mb(stack.procs["voting"].pid), "worker_cpu_s": cpu_used,
            "cpu_votes": total - first,
            "worker_start_s": t_first - launched,
            "e2e_per_s": (total - first) / (t_done - t_first)}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM in /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds the process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.2f} {five:.2f} {fifteen:.2f}"


async def raw_copy(pool: asyncpg.Pool, election: pabulib.Election) -> float:
    rows = [(e.event_id, "cast", e.payload["voter_id"], uuid.UUID(e.payload["campaign_id"]),
             uuid.UUID(e.payload["idea_id"]), uuid.UUID(e.payload["idea_id"]), 1, e.occurred_at,
             None, "counted", None, None) for e in pabulib.vote_events(election)]
    async with pool.acquire() as conn:
        await conn.execute("DROP TABLE IF EXISTS public.bench_copy;"
                           " CREATE TABLE public.bench_copy (LIKE voting.votes INCLUDING DEFAULTS)")
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("bench_copy", schema_name="public",
                                             columns=VOTE_COLUMNS, records=rows)
        rate = len(rows) / (time.perf_counter() - started)
        await conn.execute("DROP TABLE public.bench_copy")
    return rate


async def http_latency(stack: Stack, settings: Settings, pool: asyncpg.Pool,
                       producer: EventProducer) -> dict[str, float]:
    now = datetime.now(UTC)
    cid = uuid.uuid4()
    ideas = [uuid.uuid4() for _ in range(20)]
    await producer.publish_many([
        Envelope.wrap(CampaignCreated(campaign_id=cid, title="Latency", question="?",
                                      opens_at=now - timedelta(hours=1),
                                      closes_at=now + timedelta(hours=1),
                                      moderation=ModerationMode.POST,
                                      vote_rules=VoteRules(max_votes_per_participant=5)),
                      actor="bench"),
        *(Envelope.wrap(IdeaStatusChanged(idea_id=i, campaign_id=cid,
                                          status=IdeaStatus.PUBLISHED), actor="bench")
          for i in ideas)])
    await wait(lambda: queries.known_ideas(pool, ideas), lambda n: n == len(ideas))
    count = RATE * SECONDS
    tokens = [mint_token(settings, sub=f"bench-{n}", roles=["participant"]) for n in range(count)]
    accepted: list[float] = []  # POST start times, in the order the gateway accepted them
    polls: list[tuple[float, int]] = []
    errors = 0
    done = asyncio.Event()
    # aiohttp (installed with faust) costs the client far less CPU per request than httpx
    connector = aiohttp.TCPConnector(limit=SENDERS + 4)
    async with aiohttp.ClientSession(base_url=stack.base_url, connector=connector) as client:

        async def poll() -> None:
            while not done.is_set():
                try:
                    async with client.get(f"/campaigns/{cid}/tally") as r:
                        body = await r.json()
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
                    continue
                polls.append((time.perf_counter(), sum(i["supports"] for i in body["ideas"])))
                await asyncio.sleep(0.01)

        async def post(n: int) -> None:
            nonlocal errors
            sent = time.perf_counter()
            try:
                async with client.post(f"/ideas/{ideas[n % len(ideas)]}/votes",
                                       headers={"Authorization": f"Bearer {tokens[n]}"}) as r:
                    await r.read()
                    ok = r.status == 202
                    if not ok and errors < 5:
                        say(f"POST answered {r.status}")
            except aiohttp.ClientError as exc:
                ok = False
                if errors < 5:
                    say(f"POST failed: {exc!r}")
            if ok:
                accepted.append(sent)
            else:
                errors += 1

        poller = asyncio.create_task(poll())
        started = time.perf_counter()
        schedule = iter(range(count))

        async def sender() -> None:
            # a fixed pool of senders keeps to the schedule as long as the gateway keeps up
            for n in schedule:
                delay = started + n / RATE - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await post(n)

        async with Probe("http", {"gateway": stack.procs["gateway"].pid,
                                  "voting": stack.procs["voting"].pid}, settings.database_url):
            await asyncio.gather(*(sender() for _ in range(SENDERS)))
        sent_rate = len(accepted) / (time.perf_counter() - started)

        async def shown() -> int:
            return polls[-1][1] if polls else 0

        await wait(shown, lambda n: n >= len(accepted), timeout=60)
        done.set()
        await poller
    latencies = []
    k = 0
    for i, sent in enumerate(accepted, start=1):
        while polls[k][1] < i:
            k += 1
        latencies.append(max(polls[k][0] - sent, 0.0))
    latencies.sort()
    return {"posted": count, "errors": errors, "rate": sent_rate,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))]}


async def raw_http(stack: Stack, settings: Settings) -> float:
    """Requests per second the gateway answers on its no-op route (`HTTP_BENCH_ROUTE`): the
    same server, middleware and client as the votes, as fast as SENDERS senders can go."""
    from services.gateway.app import BENCH_ROUTE

    token = mint_token(settings, sub="bench-raw", roles=["participant"])
    connector = aiohttp.TCPConnector(limit=SENDERS + 4)
    answered = 0
    async with aiohttp.ClientSession(base_url=stack.base_url, connector=connector) as client:
        schedule = iter(range(RAW_HTTP_REQUESTS))

        async def sender() -> None:
            nonlocal answered
            for _ in schedule:
                async with client.post(BENCH_ROUTE,
                                       headers={"Authorization": f"Bearer {token}"}) as r:
                    await r.read()
                    answered += r.status == 202

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(SENDERS)))
        elapsed = time.perf_counter() - started
    if answered != RAW_HTTP_REQUESTS:
        raise RuntimeError(f"the no-op route answered {answered} of {RAW_HTTP_REQUESTS} with 202")
    return answered / elapsed


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


async def run(settings: Settings, stack: Stack, http_only: bool = False,
              with_http: bool = True) -> None:
    assert settings.kafka_bootstrap_servers and settings.database_url
    election = pabulib.parse(FILE.read_bytes())
    await ensure_topics(settings.kafka_bootstrap_servers)
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=4)
    await db.migrate(pool, "voting")
    load_before = machine()
    async with archiving_producer(settings.kafka_bootstrap_servers, settings.database_url,
                                  linger_ms=20) as producer:
        if http_only:
            await http_figures(stack, settings, pool, producer, load_before)
            await pool.close()
            return
        say("end to end: publishing and tallying the votes")
        e2e = await end_to_end(stack, pool, producer, election, dsn=settings.database_url)
        say(f"publishing {e2e['publish_per_s']:,.0f} votes/s; end to end"
            f" {e2e['e2e_per_s']:,.0f} votes/s; worker peak RSS {e2e['rss_mb']:,.0f} MB")
        say("end to end again with two voting workers in one consumer group")
        # a copy of the election under another identity: new campaign, ideas and vote ids
        twin = dataclasses.replace(election, digest=election.digest + "/second-run")
        e2e_two = await end_to_end(stack, pool, producer, twin, workers=2,
                                   dsn=settings.database_url)
        say(f"two workers: end to end {e2e_two['e2e_per_s']:,.0f} votes/s")
        for key in [k for k in stack.procs if k.startswith("voting-")]:
            stack.stop_process(key)
        # the remaining worker takes back every partition in a rebalance of a few seconds
        # (half the session timeout on the embedded broker); let it settle before timing HTTP
        await asyncio.sleep(3 * settings.kafka_session_timeout_ms / 1000)
        say("raw limit: aiokafka consumer")
        consume = await raw_consume(settings.kafka_bootstrap_servers, "votes", int(e2e["votes"]))
        say("raw limit: COPY")
        copy = await raw_copy(pool, election)
        say(f"raw limits: getmany {consume:,.0f} msgs/s, COPY {copy:,.0f} rows/s")
        http = await http_phase(stack, settings, pool, producer) if with_http else None
    await pool.close()
    limit = min(consume, copy)
    print(f"\nvoting benchmark ({FILE.name}, {int(e2e['votes']):,} votes; broker, database and"
          " workers on this machine)")
    print(f"  machine at start: {load_before}")
    print(f"  machine at end:   {machine()}")
    print(f"  end to end (Kafka -> voting worker -> tallies)  {e2e['e2e_per_s']:>10,.0f} votes/s")
    print(f"  end to end with 2 voting workers (1 group)     {e2e_two['e2e_per_s']:>10,.0f} votes/s")
    print(f"  raw: aiokafka getmany, no processing           {consume:>10,.0f} msgs/s")
    print(f"  raw: COPY of the same rows into PostgreSQL     {copy:>10,.0f} rows/s")
    print(f"  ratio end to end / smaller raw limit            {e2e['e2e_per_s'] / limit:>10.2f}")
    print(f"  ratio with 2 voting workers                     {e2e_two['e2e_per_s'] / limit:>10.2f}")
    print(f"  publishing (importer, archive then broker)     {e2e['publish_per_s']:>10,.0f} votes/s")
    print(f"  voting worker peak RSS  {e2e['rss_mb']:,.0f} MB  (VmHWM of the worker process in"
          " /proc/<pid>/status, after the Warsaw load)")
    print(f"  voting worker CPU during the load  {e2e['worker_cpu_s']:.1f} s"
          f" ({e2e['cpu_votes'] / e2e['worker_cpu_s']:,.0f} votes per CPU second); with 2 workers"
          f" {e2e_two['worker_cpu_s']:.1f} s together")
    print(f"  (worker start to first tally {e2e['worker_start_s']:.1f} s)")
    if http is not None:
        print_http(*http)


async def http_phase(stack: Stack, settings: Settings, pool: asyncpg.Pool,
                     producer: EventProducer) -> tuple[dict[str, float], float]:
    say(f"latency: {RATE} votes/s through HTTP for {SECONDS} s")
    latency = await http_latency(stack, settings, pool, producer)
    say("raw limit: the gateway's no-op route")
    raw_edge = await raw_http(stack, settings)
    say(f"raw limit: HTTP no-op {raw_edge:,.0f} requests/s")
    return latency, raw_edge


async def http_figures(stack: Stack, settings: Settings, pool: asyncpg.Pool,
                       producer: EventProducer, load_before: str) -> None:
    """`--http`: the HTTP figures alone (no election is published)."""
    latency, raw_edge = await http_phase(stack, settings, pool, producer)
    print("\nvoting benchmark, HTTP only (broker, database, worker and gateway on this machine)")
    print(f"  machine at start: {load_before}")
    print(f"  machine at end:   {machine()}")
    print_http(latency, raw_edge)


def print_http(latency: dict[str, float], raw_edge: float) -> None:
    print(f"  HTTP at {RATE} votes/s asked: {latency['rate']:,.0f} votes/s reached,"
          f" p50 {latency['p50_ms']:.0f} ms, p99 {latency['p99_ms']:.0f} ms"
          f"  (POST -> visible in GET tally; {latency['posted']:,} votes in {SECONDS} s asked,"
          f" {latency['errors']} errors)")
    print(f"  raw: HTTP no-op route, same server and client  {raw_edge:>10,.0f} requests/s"
          f"  ({SENDERS} in flight, {RAW_HTTP_REQUESTS:,} requests)")
    print(f"  ratio HTTP votes reached / HTTP raw limit       {latency['rate'] / raw_edge:>10.2f}")


def main() -> int:
    configure_logging("WARNING", json=True)
    with tempfile.TemporaryDirectory(prefix="ideastorm-bench-") as home:
        base = Settings(ideastorm_env="test", ideastorm_home=Path(home),
                        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
                        database_url=os.environ.get("DATABASE_URL") or None)
        infra = Infrastructure(base, fresh_db=True)
        settings = infra.start()
        # BENCH_LOG_DIR keeps the processes' logs (else they go with the temporary home)
        logs = os.environ.get("BENCH_LOG_DIR")
        # one benchmark client sends every HTTP vote: the anomaly rule that holds a burst from
        # one client would hold them all (held votes are not in the tally); this measures the path
        stack = Stack(settings, workers=("voting",), http_port=free_port(),
                      log_dir=Path(logs) if logs else None, extra_env=BENCH_ENV)
        try:
            stack.start(timeout=120)
            asyncio.run(run(settings, stack, http_only="--http" in sys.argv[1:],
                            with_http="--no-http" not in sys.argv[1:]))
        finally:
            stack.stop()
            infra.stop()
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the stack on SIGTERM too
    raise SystemExit(main())
