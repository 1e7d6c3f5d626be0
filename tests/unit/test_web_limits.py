"""The web pages call the API in-process as the browser that asked: the API sees the browser's
address, and a page's write counts once against that address, never against 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from services.infra import limits
from services.infra.settings import Settings
from services.web.api import Api

pytestmark = pytest.mark.unit


def app_with_pages() -> FastAPI:
    app = FastAPI()

    @app.post("/api/write")
    async def write(request: Request) -> dict[str, str]:
        return {"seen_from": request.client.host if request.client else "-"}

    @app.post("/page")
    async def page(request: Request) -> dict[str, object]:
        r = await Api(request, None).post("/api/write")
        return {"status": r.status, **(r.body or {})}

    limits.install(app, Settings(rate_limits=True, rate_limit_per_address="3/minute"))
    return app


async def test_a_page_write_counts_once_against_the_browsers_own_address() -> None:
    app = app_with_pages()

    def browser(host: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 5000)),
                                 base_url="http://ideer.example")

    async with browser("198.51.100.7") as busy, browser("203.0.113.9") as other:
        answers = [await busy.post("/page") for _ in range(3)]
        assert [a.json() for a in answers] == [{"status": 200, "seen_from": "198.51.100.7"}] * 3
        assert (await busy.post("/page")).status_code == 429  # the fourth, from that address
        # another person's writes are not blocked by the busy one's
        assert (await other.post("/page")).json() == {"status": 200, "seen_from": "203.0.113.9"}
