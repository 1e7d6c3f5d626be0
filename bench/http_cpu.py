"""The HTTP edge's CPU per vote: bench.voting's HTTP phase made short, with the gateway's and the
voting worker's CPU seconds read from /proc around it (steadier than requests per second on a
shared machine).

    .venv/bin/python -m bench.http_cpu [seconds]      (default 5: 5,000 votes asked at 1,000/s)

Prints one line: votes reached per second, p50 / p99 (POST -> visible in the tally), the no-op
route's raw limit, the gateway's CPU per vote and per no-op request, the worker's CPU per vote,
and the load average at the start, after the votes and after the no-op requests.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import bench.voting as voting
from services.infra import db
from services.infra.embedded import free_port
from services.infra.kafka import archiving_producer, ensure_topics
from services.infra.logging import configure_logging
from services.infra.settings import Settings
from services.infra.stack import Infrastructure, Stack

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds the process used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def run(settings: Settings, stack: Stack, seconds: int) -> None:
    assert settings.kafka_bootstrap_servers and settings.database_url
    await ensure_topics(settings.kafka_bootstrap_servers)
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=4)
    gateway, worker = stack.procs["gateway"].pid, stack.procs["voting"].pid
    voting.SECONDS = seconds
    voting.RAW_HTTP_REQUESTS = 1_000 * seconds
    async with archiving_producer(settings.kafka_bootstrap_servers, settings.database_url,
                                  linger_ms=20) as producer:
        loads = [os.getloadavg()[0]]
        gw0, wk0 = cpu_seconds(gateway), cpu_seconds(worker)
        latency = await voting.http_latency(stack, settings, pool, producer)
        gw1, wk1 = cpu_seconds(gateway), cpu_seconds(worker)
        loads.append(os.getloadavg()[0])
        raw = await voting.raw_http(stack, settings)
        gw2 = cpu_seconds(gateway)
        loads.append(os.getloadavg()[0])
    await pool.close()
    votes = latency["posted"] - latency["errors"]
    print(f"HTTP at {voting.RATE}/s asked for {seconds} s: {latency['rate']:,.0f} votes/s reached,"
          f" p50 {latency['p50_ms']:,.0f} ms, p99 {latency['p99_ms']:,.0f} ms,"
          f" {latency['errors']} errors; raw no-op {raw:,.0f} requests/s"
          f" (ratio {latency['rate'] / raw:.2f}); gateway CPU {1e3 * (gw1 - gw0) / votes:.2f} ms"
          f" per vote, {1e3 * (gw2 - gw1) / voting.RAW_HTTP_REQUESTS:.3f} ms per no-op;"
          f" voting worker CPU {1e3 * (wk1 - wk0) / votes:.2f} ms per vote;"
          f" load {' -> '.join(f'{x:.1f}' for x in loads)}")


def main() -> int:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    configure_logging("WARNING", json=True)
    with tempfile.TemporaryDirectory(prefix="ideastorm-bench-") as home:
        infra = Infrastructure(Settings(ideastorm_env="test", ideastorm_home=Path(home)),
                               fresh_db=True)
        settings = infra.start()
        stack = Stack(settings, workers=("voting",), http_port=free_port(),
                      extra_env=voting.BENCH_ENV)
        try:
            stack.start(timeout=180)
            started = time.perf_counter()
            asyncio.run(run(settings, stack, seconds))
            voting.say(f"done in {time.perf_counter() - started:.0f} s")
        finally:
            stack.stop()
            infra.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
