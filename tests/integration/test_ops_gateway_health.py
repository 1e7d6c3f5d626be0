"""The gateway's /healthz, /readyz and /metrics, on the real gateway process."""

from __future__ import annotations

import re

import httpx
import pytest

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
    assert _counter(text, "/readyz", "200") == _counter(before, "/readyz", "200") + 1
    assert _counter(text, "<unmatched>", "404") == _counter(before, "<unmatched>", "404") + 1
    assert uid not in text  # raw paths never become label values
    assert re.search(r'^ideastorm_http_request_seconds_bucket\{.*route="/readyz"', text, re.M)
    assert "process_resident_memory_bytes" in text
