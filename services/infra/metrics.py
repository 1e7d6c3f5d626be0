"""Prometheus metrics every process exposes at `/metrics`.

Consumers report per batch (`observe_batch`) and per poll (`observe_positions`); the gateway
counts requests with `HttpMetricsMiddleware`. Each process has its own registry (the default one,
which also carries the process and Python collectors), scraped separately.

Consumer lag is `high-water mark - position` per assigned partition, from the high-water mark the
broker returns with every fetch (no extra request). Apache Kafka reports it exactly. The embedded
broker returns the last record batch's *base* offset + 1 instead (STACK-NOTES.md), so there the
lag reads low by up to one producer batch while the consumer is behind, and correctly 0 when it
has caught up.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = CONTENT_TYPE_LATEST

EVENTS_PROCESSED = Counter(
    "ideastorm_events_processed_total",
    "Events a projection consumer applied to its read model.",
    ["consumer", "topic"],
)
EVENTS_SKIPPED = Counter(
    "ideastorm_events_skipped_total",
    "Events dropped because their event_id was already applied (a re-published duplicate).",
    ["consumer", "topic"],
)
EVENTS_REFUSED = Counter(
    "ideastorm_events_refused_total",
    "Messages a consumer refused and sent to <topic>.dlq, by reason.",
    ["consumer", "topic", "reason"],
)
CONSUMER_LAG = Gauge(
    "ideastorm_consumer_lag",
    "Messages between a consumer's position and the partition's high-water mark.",
    ["consumer", "topic", "partition"],
)
CONSUMER_POSITION = Gauge(
    "ideastorm_consumer_committed_offset",
    "The next offset a consumer stored in PostgreSQL with its read model.",
    ["consumer", "topic", "partition"],
)
BATCH_SIZE = Histogram(
    "ideastorm_batch_size",
    "Messages per consumer batch (one PostgreSQL transaction).",
    ["consumer"],
    buckets=(1, 5, 10, 50, 100, 500, 1_000, 2_000, 5_000, 10_000, 50_000),
)
BATCH_SECONDS = Histogram(
    "ideastorm_batch_seconds",
    "Time to decode, apply and commit one consumer batch.",
    ["consumer"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
HTTP_REQUESTS = Counter(
    "ideastorm_http_requests_total",
    "HTTP requests by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "ideastorm_http_request_seconds",
    "HTTP request latency by method and route template.",
    ["method", "route"],
)

UNMATCHED_ROUTE = "<unmatched>"


def render(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The registry in the Prometheus text format."""
    return generate_latest(registry)


def observe_batch(
    consumer: str,
    *,
    size: int,
    seconds: float,
    applied: Iterable[str],
    skipped: Iterable[str] = (),
    refused: Iterable[tuple[str, str]] = (),
    committed: Mapping[tuple[str, int], int] | None = None,
) -> None:
    """Record one committed batch: `applied`/`skipped` list a topic per event, `refused` a
    (topic, reason) per refused message, `committed` the stored next offsets."""
    BATCH_SIZE.labels(consumer).observe(size)
    BATCH_SECONDS.labels(consumer).observe(seconds)
    for topic, n in Tally(applied).items():
        EVENTS_PROCESSED.labels(consumer, topic).inc(n)
    for topic, n in Tally(skipped).items():
        EVENTS_SKIPPED.labels(consumer, topic).inc(n)
    for (topic, reason), n in Tally(refused).items():
        EVENTS_REFUSED.labels(consumer, topic, reason).inc(n)
    for (topic, partition), offset in (committed or {}).items():
        CONSUMER_POSITION.labels(consumer, topic, str(partition)).set(offset)


def observe_committed(consumer: str, committed: Mapping[tuple[str, int], int]) -> None:
    """Set the stored next offset of partitions (e.g. read from the database on assignment)."""
    for (topic, partition), offset in committed.items():
        CONSUMER_POSITION.labels(consumer, topic, str(partition)).set(offset)


def observe_positions(
    consumer: str, positions: Mapping[tuple[str, int], tuple[int, int | None]]
) -> None:
    """Set the lag of each assigned partition from (position, high-water mark or None)."""
    for (topic, partition), (position, highwater) in positions.items():
        if highwater is None:
            continue
        CONSUMER_LAG.labels(consumer, topic, str(partition)).set(max(highwater - position, 0))


def forget_partitions(consumer: str, partitions: Iterable[tuple[str, int]]) -> None:
    """Drop the per-partition series of partitions this process no longer owns, so two
    workers never both report a partition after a rebalance."""
    for topic, partition in partitions:
        for gauge in (CONSUMER_LAG, CONSUMER_POSITION):
            try:
                gauge.remove(consumer, topic, str(partition))
            except KeyError:
                pass


class HttpMetricsMiddleware:
    """ASGI middleware counting requests by route *template* (`/ideas/{idea_id}`), never by raw
    path, so ids in URLs do not create a series each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED_ROUTE
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(method, template, str(status)).inc()
            HTTP_SECONDS.labels(method, template).observe(time.perf_counter() - started)
