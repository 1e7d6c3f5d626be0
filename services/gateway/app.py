"""The HTTP edge: one FastAPI app composed of the routers the services define."""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway import openapi
from services.gateway.queries import IdempotencyTable
from services.infra import archive, db, faults, health, limits, metrics, vault
from services.infra.auth import TokenVerifier
from services.infra.feed import StatusFeed
from services.infra.http import HttpContext, error_body
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.logging import bind_request
from services.infra.settings import Settings
from services.web import routes as web

log = structlog.get_logger(__name__)

CORRELATION_HEADER = "X-Correlation-Id"
# mounted only with HTTP_BENCH_ROUTE (off by default, refused in production): bench.voting
BENCH_ROUTE = "/_bench/noop"
# what a 503 tells a client to wait before trying again: a restarted database or broker is
# usually back within seconds
RETRY_AFTER_S = 2

# (service whose schema the routes read, module with a `router`): what the gateway serves.
# A module may also define `attach(ctx)` (it offers something to the other services through the
# HTTP context) and `personal_data(ctx, principal)` (its part of `GET /me/data`).
ROUTERS = (
    ("identity", "services.identity.api"),
    ("ideas", "services.ideas.api"),
    ("ideas", "services.ideas.comments.api"),
    ("voting", "services.voting.api"),
    ("voting", "services.voting.selection_api"),
    ("voting", "services.voting.receipts_api"),
    ("reporting", "services.reporting.api"),
    ("reporting", "services.reporting.journey.api"),
    ("identity", "services.identity.notifications.api"),
)


def _routers() -> list[tuple[str, Any]]:
    """(service, module) of every router module present."""
    found = []
    for service, name in ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        found.append((service, module))
    return found


def create_app(settings: Settings) -> FastAPI:
    routers = _routers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        assert settings.database_url and settings.kafka_bootstrap_servers
        pool = await db.create_pool(settings.database_url, min_size=settings.db_pool_min,
                                    max_size=settings.db_pool_max)
        await db.migrate(pool, "gateway")
        for name in dict.fromkeys(n for n, _ in routers):
            await db.migrate(pool, name)
        await ensure_topics(settings.kafka_bootstrap_servers,
                            replication_factor=settings.kafka_replication_factor)
        await archive.setup(pool)
        await vault.setup(pool)  # re-shred before any text is sealed or opened
        producer = EventProducer(settings.kafka_bootstrap_servers, archive=pool)
        await producer.start()
        verifier = TokenVerifier(settings)
        await verifier.start()
        feed = StatusFeed(settings.kafka_bootstrap_servers,
                          fetch_wait_ms=settings.consumer_fetch_wait_ms)
        ctx = HttpContext(settings=settings, pool=pool, producer=producer, verifier=verifier,
                          idempotency=IdempotencyTable(pool), status_feed=feed)
        for service, module in routers:
            if hasattr(module, "attach"):
                module.attach(ctx)
            if hasattr(module, "personal_data"):
                ctx.personal_data[service] = module.personal_data
        app.state.ctx = ctx
        try:
            yield
        finally:
            await feed.stop()
            await verifier.close()
            await producer.stop()
            await pool.close()

    app = FastAPI(
        title="ideastorm",
        version=openapi.VERSION,
        description="Ideastorm campaigns, votes, moderation, action-plan progress and reports.",
        lifespan=lifespan,
        docs_url=None,  # /docs is served with local Swagger UI files by the web layer
        redoc_url=None,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{p['where']}: {p['problem']}" for p in problems[:5])
        return JSONResponse(status_code=422, content=error_body(
            "invalid_request", f"the request is not valid: {summary}", errors=problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail: Any = exc.detail
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = {"code": "unreadable_body",
                      "message": "the request body could not be read: send UTF-8 encoded JSON"}
        elif not isinstance(detail, dict):
            detail = {"code": _code_for(exc.status_code), "message": str(detail)}
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # every method the path answers, not only those of the first route that matched
            headers = {**(headers or {}), "Allow": ", ".join(_methods_of(app, request.url.path))}
        return JSONResponse(status_code=exc.status_code, content={"detail": detail},
                            headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if faults.outage(exc) is not None:
            return _unavailable(request, exc)
        if await _database_away(request):
            # a failure no rule above knows, while the database cannot be reached: most likely
            # the driver's own way of meeting the outage; the client is told to come back, and
            # the failure is logged whole for the rule it deserves
            log.warning("http.failed_during_outage", path=request.url.path, exc_info=exc)
            return _unavailable(request, exc)
        log.exception("http.unexpected", path=request.url.path)
        return JSONResponse(status_code=500, content=error_body(
            "internal_error", "the server failed to handle this request; it has been logged"))

    async def _maybe_unavailable(request: Request, exc: Exception) -> JSONResponse:
        return await _unexpected(request, exc)

    # Handled inside the middleware (the 503 carries the security headers and correlation id
    # like any answer); `_unexpected` still catches an outage raised outside a route.
    for candidate in faults.CANDIDATES:
        app.add_exception_handler(candidate, _maybe_unavailable)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "Not ready"}})
    async def readyz(request: Request) -> JSONResponse:
        """Broker and database reachable, migrations applied."""
        ctx: HttpContext = request.app.state.ctx
        problems = await health.readiness_problems(
            pool=ctx.pool, producer=ctx.producer,
            schemas=("gateway", *(n for n, _ in routers)))
        return JSONResponse(status_code=503 if problems else 200,
                            content=health.readiness_body(problems))

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def prometheus() -> Response:
        """Prometheus metrics of this process."""
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    if settings.http_bench_route:
        @app.post(BENCH_ROUTE, include_in_schema=False, status_code=202)
        async def bench_noop() -> dict[str, str]:
            """Nothing: bench.voting's raw limit of this edge (every middleware, no work)."""
            return {"status": "accepted"}

    # innermost first: a 413 / 429 is answered before the request reaches a route
    limits.install(app, settings)

    app.add_middleware(Correlate)
    app.add_middleware(metrics.HttpMetricsMiddleware)
    # outermost: every response carries them, errors and refusals included
    app.add_middleware(limits.SecurityHeaders, headers=limits.security_headers(settings))

    for _, module in routers:
        app.include_router(module.router)
    web.mount(app)  # pages, after the API: they call its routes in-process
    openapi.install(app)
    return app


class Correlate:
    """One id per request, or the caller's own (`X-Correlation-Id`), so its log lines and
    events can be joined; the answer carries it. Plain ASGI: no task and streams per request,
    which a function middleware (`@app.middleware`) costs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get(limits.IN_PROCESS):
            # a page calling the API in its own request's task: the call gets a context of its
            # own, so its id and log fields do not stay with the page's request afterwards
            await asyncio.create_task(self._handle(scope, receive, send),
                                      context=contextvars.copy_context())
        else:
            await self._handle(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        correlation = _correlation_from(Headers(scope=scope).get(CORRELATION_HEADER))
        bind_request(correlation)
        value = str(correlation)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[CORRELATION_HEADER] = value
            await send(message)

        await self.app(scope, receive, send_with_id)


def app_from_environment() -> FastAPI:
    """The app with settings read from the environment (for several gateway processes)."""
    from services.infra.logging import configure_logging
    from services.infra.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)


def _methods_of(app: FastAPI, path: str) -> list[str]:
    methods: set[str] = set()
    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path) and rc.methods:
            methods |= set(rc.methods)
    return sorted(methods)


def _correlation_from(header: str | None) -> uuid.UUID:
    if header:
        try:
            return uuid.UUID(header)
        except ValueError:
            pass
    return uuid.uuid4()


async def _database_away(request: Request) -> bool:
    """Whether the database fails to answer right now (`health.database_answers`)."""
    ctx: HttpContext | None = getattr(request.app.state, "ctx", None)
    return ctx is not None and not await health.database_answers(ctx.pool)


def _unavailable(request: Request, exc: BaseException) -> JSONResponse:
    """503: the database or the broker cannot be reached. A write may or may not have been
    accepted before it went away: repeating it with its `Idempotency-Key` does it once."""
    kind = faults.outage(exc) or faults.DATABASE
    log.warning("http.unavailable", path=request.url.path, outage=kind, error=repr(exc)[:300])
    return JSONResponse(
        status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)},
        content=error_body(f"{kind}_unavailable",
                           f"the {kind} cannot be reached right now; retry in "
                           f"{RETRY_AFTER_S} s (a write with the same Idempotency-Key is "
                           "done at most once)"))


def _code_for(status_code: int) -> str:
    return {401: "unauthenticated", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
            429: "rate_limited"}.get(status_code, "error")
