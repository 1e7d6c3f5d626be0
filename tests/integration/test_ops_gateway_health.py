"""The gateway's /healthz, /readyz and /metrics, on the real gateway process."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas import topics
from services.infra.embedded import free_port
from services.infra.stack import Stack
from tests.helpers import eventually

pytestmark = pytest.mark.integration


def _counter(text: str, route: str, status: str) -> float:
    for line in text.splitlines():
        if (line.startswith("ideastorm_http_requests_total{")
                and f'route="{route}"' in line and f'status="{status}"' in line
                and 'method="GET"' in line):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_gateway_health_and_metrics(http: httpx.AsyncClient, uid: str) -> None:
    alive = await http.get("/healthz")
    assert alive.status_code == 200 and alive.json()["status"] == "ok"

    ready = await http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "problems": []}

    before = (await http.get("/metrics")).text
    missing = await http.get(f"/no-such-route/{uid}")
    assert missing.status_code == 404
    await http.get("/readyz")
    scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    # at least ours: the stack's own readiness probes may land between the two scrapes
    assert _counter(text, "/readyz", "200") >= _counter(before, "/readyz", "200") + 1
    assert _counter(text, "<unmatched>", "404") == _counter(before, "<unmatched>", "404") + 1
    assert uid not in text  # raw paths never become label values
    assert re.search(r'^ideastorm_http_request_seconds_bucket\{.*route="/readyz"', text, re.M)
    assert "process_resident_memory_bytes" in text


async def test_every_worker_of_the_stack_answers_health_and_metrics(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    assert stack.workers, "no service worker on this branch yet"
    for worker in stack.workers:
        log = (stack.log_dir / f"{worker}.log").read_text()
        # the worker says where it serves, for `ideastorm up` users reading its log
        assert '"worker.web"' in log and stack.worker_url(worker) in log
        base = stack.worker_url(worker)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            alive = await client.get("/healthz")
            assert alive.status_code == 200 and alive.json()["service"] == worker
            ready = await eventually(lambda: client.get("/readyz"),
                                     lambda r: r.status_code == 200, what=f"{worker} ready")
            assigned = ready.json()["assigned"]
            assert assigned, f"{worker}: no projection consumers reported"
            wanted: set[tuple[str, ...]] = set()
            for consumer, partitions in assigned.items():
                # the only worker of its service owns every partition of what it reads
                read = {p.rsplit("/", 1)[0] for p in partitions}
                assert len(partitions) == sum(topics.BY_NAME[t].partitions for t in read)
                wanted |= {(consumer, *p.rsplit("/", 1)) for p in partitions}

            def lag_series(r: httpx.Response) -> set[tuple[str, ...]]:
                return {(s.labels["consumer"], s.labels["topic"], s.labels["partition"])
                        for family in text_string_to_metric_families(r.text)
                        for s in family.samples if s.name == "ideastorm_consumer_lag"}

            # a partition's lag appears once the first fetch has told its high-water mark
            await eventually(lambda: client.get("/metrics"),
                             lambda r, wanted=wanted: wanted <= lag_series(r),
                             what=f"{worker}: a lag series for every assigned partition")


def test_container_health_check_command_follows_readiness(stack: Stack) -> None:
    # what compose runs inside the containers, which have no curl
    def check(url: str) -> int:
        return subprocess.run([sys.executable, "-m", "services.infra.health", url],
                              capture_output=True, timeout=30).returncode

    assert check(f"{stack.base_url}/readyz") == 0
    assert check(f"{stack.base_url}/no-such-page") == 1
    assert check(f"http://127.0.0.1:{free_port()}/readyz") == 1
