"""Abuse limits at the edge: write rate limits, a request body limit, security headers.

Rate limits use the `limits` library (moving window) with the storage named by
`RATE_LIMIT_STORAGE`. The default, `memory://`, counts inside one gateway process: with
`HTTP_WORKERS=N` processes on one port a caller can get up to N times the limit, since each
process keeps its own counts. A `redis://` (or `memcached://`) storage shared by every process
makes the limits exact across processes and replicas.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.infra.settings import Settings

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IN_PROCESS = "ideastorm.in_process"  # ASGI scope key of the web pages' calls of the API


@dataclass(frozen=True)
class Refusal:
    """A request over a limit: how long until the caller may try again."""

    retry_after_s: int
    message: str


class WriteLimits:
    """Per-participant and per-address limits on writes; `None` from a check means go ahead."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_on
        uri = settings.rate_limit_storage
        storage = storage_from_string(uri if uri.startswith("async+") else f"async+{uri}")
        assert isinstance(storage, Storage)
        self._limiter = MovingWindowRateLimiter(storage)
        self.per_participant = parse_many(settings.rate_limit_per_participant)
        self.per_address = parse_many(settings.rate_limit_per_address)

    async def participant(self, sub: str) -> Refusal | None:
        return await self._hit(self.per_participant, "participant", sub, "for this participant")

    async def address(self, host: str) -> Refusal | None:
        return await self._hit(self.per_address, "address", host, "from this address")

    async def _hit(self, items: list[RateLimitItem], kind: str, who: str, whose: str
                   ) -> Refusal | None:
        if not self.enabled:
            return None
        for item in items:
            if not await self._limiter.hit(item, kind, who):
                stats = await self._limiter.get_window_stats(item, kind, who)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                return Refusal(wait, f"too many writes {whose}: at most {item}; retry in"
                                     f" {wait} s")
        return None


def error_response_parts(status: int, code: str, message: str,
                         headers: dict[str, str] | None = None) -> tuple[Message, Message]:
    """The two ASGI messages of a JSON error in the project's shape."""
    body = json.dumps({"detail": {"code": code, "message": message}}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return ({"type": "http.response.start", "status": status, "headers": raw},
            {"type": "http.response.body", "body": body})


async def _send_error(send: Send, status: int, code: str, message: str,
                      headers: dict[str, str] | None = None) -> None:
    for message_ in error_response_parts(status, code, message, headers):
        await send(message_)


class AddressRateLimit:
    """ASGI middleware: writes from one client address beyond the limit get a 429."""

    def __init__(self, app: ASGIApp, limits: WriteLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # a web page's call of the API in-process was counted as the browser's own request,
        # from the browser's address (only the server can put this key in a scope)
        if scope["type"] == "http" and scope["method"] in WRITE_METHODS \
                and not scope.get(IN_PROCESS):
            host = scope["client"][0] if scope.get("client") else "unknown"
            refusal = await self.limits.address(host)
            if refusal is not None:
                await _send_error(send, 429, "rate_limited", refusal.message,
                                  {"Retry-After": str(refusal.retry_after_s)})
                return
        await self.app(scope, receive, send)


class _TooLarge(HTTPException):
    """Raised while a route reads an over-long chunked body. An HTTPException, so that the app's
    error handler answers it (a body parser would turn any other exception into a 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, detail={"code": "payload_too_large", "message": message})


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` gets a 413, whether it says its length
    up front (refused before it is read) or streams it chunked (refused once it passes)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = (f"the request body is larger than {self.max_bytes} bytes, the most this"
                   f" service accepts")
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_large = int(value) > self.max_bytes
                except ValueError:
                    too_large = False  # the server refuses a malformed length itself
                if too_large:
                    await _send_error(send, 413, "payload_too_large", message)
                    return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(message)
            return msg

        async def tracked_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if started:
                raise
            await _send_error(send, 413, "payload_too_large", message)


# Same-origin scripts only; styles may also be inline because the quarterly report's HTML is one
# self-contained document (inline <style>) that must stay byte-identical when archived, and inline
# CSS cannot run code. No plugins, no framing, no form posts or <base> elsewhere.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# The interactive API page loads Swagger UI from the gateway's own files and starts it with an
# inline script; nothing comes from another origin.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'")
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})


def security_headers(settings: Settings) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(),"
                              " interest-cohort=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.ideastorm_env == "production":
        # only over HTTPS in production: in development it would pin localhost to https
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (a route's own CSP is kept)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.docs_raw = [(k, DOCS_CSP.encode() if k == b"content-security-policy" else v)
                         for k, v in self.raw]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_raw if scope.get("path") in DOCS_PATHS else self.raw

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                present = {k.lower() for k, _ in msg.get("headers", ())}
                msg = {**msg, "headers": [*msg.get("headers", ()),
                                          *((k, v) for k, v in extra if k not in present)]}
            await send(msg)

        await self.app(scope, receive, with_headers)


def install(app: Any, settings: Settings) -> WriteLimits:
    """Put the edge limits around `app` (a FastAPI app); returns the write limits, which the
    auth dependency uses for the per-participant limit."""
    limits = WriteLimits(settings)
    app.add_middleware(AddressRateLimit, limits=limits)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.state.write_limits = limits
    return limits
