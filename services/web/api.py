"""The web pages' only way to the data: the gateway's own public JSON API, called in-process.

Every read and write goes through the same route handlers an HTTP client would reach, with the
signed-in person's bearer token, so the pages can never see or do more than that person could
through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import Request
from starlette.types import Receive, Scope, Send

from services.infra.limits import IN_PROCESS


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    content: bytes
    headers: httpx.Headers

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def missing(self) -> bool:
        """The route itself does not exist (yet), as opposed to a thing it looks up."""
        # the router's own answer for an unknown path or method, never a handler's ApiError
        return self.status in (404, 405) and self.message in ("Not Found", "Method Not Allowed")

    @property
    def code(self) -> str:
        detail = self.body.get("detail") if isinstance(self.body, dict) else None
        return str(detail.get("code", "")) if isinstance(detail, dict) else ""

    @property
    def message(self) -> str:
        """What the API said was wrong, in its own words."""
        detail = self.body.get("detail") if isinstance(self.body, dict) else None
        if isinstance(detail, dict):
            return str(detail.get("message", ""))
        return str(detail or "")


class Api:
    """A client of the gateway app this request runs in, acting as the signed-in person."""

    def __init__(self, request: Request, token: str | None) -> None:
        app = request.app
        # the browser's address, not this process's: the API's limits and logs see the person
        client = request.scope.get("client") or ("unknown", 0)

        async def in_process(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "client": tuple(client), IN_PROCESS: True}, receive, send)

        self._app = in_process
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        cid = request.headers.get("X-Correlation-Id")
        if cid:
            self._headers["X-Correlation-Id"] = cid

    async def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                   json: Any = None, headers: dict[str, str] | None = None) -> Reply:
        transport = httpx.ASGITransport(app=self._app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway",
                                     timeout=30) as client:
            r = await client.request(method, path, params=_clean(params), json=json,
                                     headers={**self._headers, **(headers or {})})
        try:
            body = r.json() if "json" in r.headers.get("content-type", "") else None
        except ValueError:
            body = None
        return Reply(r.status_code, body, r.content, r.headers)

    async def get(self, path: str, **params: Any) -> Reply:
        return await self.call("GET", path, params=params)

    async def post(self, path: str, body: Any = None) -> Reply:
        return await self.call("POST", path, json=body if body is not None else {})

    async def patch(self, path: str, body: Any) -> Reply:
        return await self.call("PATCH", path, json=body)

    async def put(self, path: str, body: Any) -> Reply:
        return await self.call("PUT", path, json=body)

    async def delete(self, path: str) -> Reply:
        return await self.call("DELETE", path)


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if params is None else {k: v for k, v in params.items() if v is not None}
