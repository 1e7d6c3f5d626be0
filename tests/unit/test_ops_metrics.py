"""Metrics bookkeeping and the HTTP middleware, on an in-process app (no broker, no database)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from prometheus_client import REGISTRY

from services.infra import metrics

pytestmark = pytest.mark.unit


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_batch_counts_per_topic_and_reason() -> None:
    consumer = "unit-batch"
    metrics.observe_batch(
        consumer, size=6, seconds=0.02, applied=["votes", "votes", "status"],
        skipped=["votes"], refused=[("votes", "unknown_idea"), ("votes", "unknown_idea")],
        committed={("votes", 0): 41, ("status", 3): 7},
    )
    assert _value("ideastorm_events_processed_total", consumer=consumer, topic="votes") == 2
    assert _value("ideastorm_events_processed_total", consumer=consumer, topic="status") == 1
    assert _value("ideastorm_events_skipped_total", consumer=consumer, topic="votes") == 1
    assert _value("ideastorm_events_refused_total", consumer=consumer, topic="votes",
                  reason="unknown_idea") == 2
    assert _value("ideastorm_batch_size_count", consumer=consumer) == 1
    assert _value("ideastorm_batch_size_sum", consumer=consumer) == 6
    assert _value("ideastorm_consumer_committed_offset", consumer=consumer, topic="votes",
                  partition="0") == 41


def test_lag_is_never_negative_and_revoked_partitions_disappear() -> None:
    consumer = "unit-lag"
    # (position, high-water mark): behind by 30; the embedded broker's low high-water mark
    # after catching up; a partition whose high-water mark is not known yet
    metrics.observe_positions(consumer, {("votes", 0): (70, 100), ("votes", 1): (120, 101),
                                         ("votes", 2): (5, None)})
    assert _value("ideastorm_consumer_lag", consumer=consumer, topic="votes", partition="0") == 30
    assert _value("ideastorm_consumer_lag", consumer=consumer, topic="votes", partition="1") == 0
    assert REGISTRY.get_sample_value("ideastorm_consumer_lag", {
        "consumer": consumer, "topic": "votes", "partition": "2"}) is None
    metrics.forget_partitions(consumer, [("votes", 0), ("votes", 2)])
    assert REGISTRY.get_sample_value("ideastorm_consumer_lag", {
        "consumer": consumer, "topic": "votes", "partition": "0"}) is None
    assert _value("ideastorm_consumer_lag", consumer=consumer, topic="votes", partition="1") == 0


async def test_http_requests_are_counted_by_route_template() -> None:
    app = FastAPI()

    @app.get("/unit-ops/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        if item_id == 0:
            raise HTTPException(404, "no such item")
        return {"item": item_id}

    app.add_middleware(metrics.HttpMetricsMiddleware)
    route = "/unit-ops/items/{item_id}"
    before_ok = _value("ideastorm_http_requests_total", method="GET", route=route, status="200")
    before_missing = _value("ideastorm_http_requests_total", method="GET", route=route,
                            status="404")
    before_unmatched = _value("ideastorm_http_requests_total", method="GET",
                              route=metrics.UNMATCHED_ROUTE, status="404")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as client:
        for path in ("/unit-ops/items/1", "/unit-ops/items/2", "/unit-ops/items/0",
                     "/unit-ops/nowhere/3"):
            await client.get(path)
    assert _value("ideastorm_http_requests_total", method="GET", route=route,
                  status="200") == before_ok + 2
    assert _value("ideastorm_http_requests_total", method="GET", route=route,
                  status="404") == before_missing + 1
    assert _value("ideastorm_http_requests_total", method="GET",
                  route=metrics.UNMATCHED_ROUTE, status="404") == before_unmatched + 1
    # the raw paths with ids never become series of their own
    assert "/unit-ops/items/1" not in metrics.render().decode()
    assert _value("ideastorm_http_request_seconds_count", method="GET", route=route) >= 3
