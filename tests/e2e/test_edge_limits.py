"""Abuse limits at the edge, against running gateways: a body limit (413), write rate limits per
participant and per address (429 with Retry-After), and security headers on every response."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from services.infra.auth import mint_token
from services.infra.embedded import free_port
from services.infra.settings import Settings
from services.infra.stack import Stack

pytestmark = pytest.mark.e2e

PRODUCTION_SECRET = "e2e-production-secret-" + "k" * 24


def _error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert detail["code"] == code
    message: str = detail["message"]
    return message


async def test_a_body_over_the_limit_is_a_413_and_never_reaches_the_route(
    http: httpx.AsyncClient, token: Callable[..., str], infra: Settings,
) -> None:
    auth = {"Authorization": f"Bearer {token('admin')}"}
    too_big = b'{"title": "' + b"x" * (infra.max_body_bytes + 1) + b'"}'
    r = await http.post("/campaigns", content=too_big,
                        headers={**auth, "Content-Type": "application/json"})
    assert "larger than 1048576 bytes" in _error(r, 413, "payload_too_large")

    async def chunks() -> object:  # no Content-Length: counted as it streams
        for _ in range(5):
            yield b"x" * (infra.max_body_bytes // 4)

    r = await http.post("/campaigns", content=chunks(),  # type: ignore[arg-type]
                        headers={**auth, "Content-Type": "application/json"})
    _error(r, 413, "payload_too_large")
    # just under the limit reaches the route, which says what is wrong with the request
    r = await http.post("/campaigns", content=too_big[: infra.max_body_bytes - 10],
                        headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 422


async def test_every_response_carries_the_security_headers(
    http: httpx.AsyncClient, token: Callable[..., str],
) -> None:
    answers = [
        await http.get("/campaigns"),
        await http.get("/openapi.json"),
        await http.get("/me/ideas"),  # 401
        await http.get("/reports", headers={"Authorization": f"Bearer {token('participant')}"}),
        await http.get(f"/campaigns/{uuid.uuid4()}"),  # 404
        await http.post("/campaigns", content=b"x" * 2_000_000),  # 413 from the middleware
    ]
    assert [r.status_code for r in answers] == [200, 200, 401, 403, 404, 413]
    for r in answers:
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in r.headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in r.headers  # test env: plain HTTP
        assert "X-Correlation-Id" in r.headers or r.status_code == 413
    docs = await http.get("/docs")
    # the API page's scripts come from the gateway itself: no other origin is allowed
    assert docs.status_code == 200 and "/docs-assets/" in docs.text
    assert "https:" not in docs.headers["Content-Security-Policy"]


@pytest.fixture(scope="module")
def production_gateway(infra: Settings, tmp_path_factory: pytest.TempPathFactory
                       ) -> Iterator[tuple[Stack, Settings]]:
    """A gateway configured as in production (limits on by default), with small limits."""
    log_dir: Path = tmp_path_factory.mktemp("gateway-prod")
    stack = Stack(infra, workers=(), http_port=free_port(), log_dir=log_dir, extra_env={
        "IDEASTORM_ENV": "production", "JWT_SECRET": PRODUCTION_SECRET,
        "LOG_SIGNING_KEY": "q3Vd1mXoF0bYyK0Jr2mJ7r8Z0h5w2pN4cL6sT9uV1xA=",
        "RATE_LIMIT_PER_PARTICIPANT": "3/minute", "RATE_LIMIT_PER_ADDRESS": "6/minute"})
    stack.start_gateway()
    try:
        stack.wait_ready(90, ("gateway",))
        yield stack, infra.model_copy(update={"jwt_secret": PRODUCTION_SECRET})
    finally:
        stack.stop_process("gateway")


async def test_writes_beyond_the_rate_limits_are_429_with_retry_after(
    production_gateway: tuple[Stack, Settings],
) -> None:
    stack, settings = production_gateway

    def bearer() -> dict[str, str]:
        sub = f"p-{uuid.uuid4().hex[:8]}"
        return {"Authorization": f"Bearer {mint_token(settings, sub=sub, roles=['participant'])}"}

    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as client:
        first = await client.get("/campaigns")
        assert "max-age=31536000" in first.headers["Strict-Transport-Security"]

        async def vote(headers: dict[str, str]) -> httpx.Response:
            return await client.post(f"/ideas/{uuid.uuid4()}/votes", headers=headers)

        one = bearer()
        assert [(await vote(one)).status_code for _ in range(3)] == [404, 404, 404]
        r = await vote(one)  # the 4th write from one participant within the minute
        assert "for this participant" in _error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        # another participant from the same address: its own budget, until the address's runs out
        other = bearer()
        assert (await vote(other)).status_code == 404
        assert (await vote(other)).status_code == 404  # the address's 6th write
        r = await vote(other)
        assert "from this address" in _error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "X-Content-Type-Options" in r.headers
        r = await client.post("/campaigns", json={})  # no token: counted by address too
        _error(r, 429, "rate_limited")
        # reading is never rate limited
        assert (await client.get("/campaigns")).status_code == 200
        assert (await client.get("/me/ideas", headers=one)).status_code == 200
