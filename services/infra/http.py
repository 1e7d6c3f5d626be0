"""HTTP plumbing shared by every service router: context, auth, errors, accepted writes.

Services define their routers with these dependencies; the gateway composes them into one app.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from schemas.base import Payload
from schemas.envelope import Envelope, contains_nul, derived_id
from services.infra import db
from services.infra.auth import AuthError, Principal, Role, TokenVerifier
from services.infra.kafka import EventProducer
from services.infra.settings import Settings

log = structlog.get_logger(__name__)


@dataclass
class HttpContext:
    settings: Settings
    pool: asyncpg.Pool
    producer: EventProducer
    verifier: TokenVerifier


def get_context(request: Request) -> HttpContext:
    ctx: HttpContext = request.app.state.ctx
    return ctx


Context = Annotated[HttpContext, Depends(get_context)]


class ApiError(HTTPException):
    """A 4xx with a machine-readable code and a sentence saying what was wrong."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code=status_code, detail={"code": code, "message": message})


def not_found(what: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident} does not exist")


_bearer = HTTPBearer(auto_error=False)


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: a valid bearer token with one of `roles` (admin passes every check)."""
    wanted = set(roles)

    async def dependency(
        ctx: Context,
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if creds is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                                detail={"code": "unauthenticated",
                                        "message": "a bearer token is required"},
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            principal = ctx.verifier.verify(creds.credentials)
        except AuthError as exc:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                                detail={"code": "unauthenticated", "message": str(exc)},
                                headers={"WWW-Authenticate": "Bearer"}) from exc
        if wanted and not principal.has_any(wanted):
            raise ApiError(403, "forbidden",
                           f"this needs one of the roles {sorted(r.value for r in wanted)}")
        structlog.contextvars.bind_contextvars(actor=principal.sub)
        return principal

    return dependency


IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200,
           description="Repeat a write with the same key to get the same event_id and no new event"),
]


class Accepted(BaseModel):
    """A write was accepted; the event is durably on its topic and will be applied."""

    event_id: uuid.UUID
    status: str = "accepted"


async def accept(
    ctx: HttpContext,
    principal: Principal,
    payload: Payload,
    *,
    idempotency_key: str | None,
    occurred_at: datetime | None = None,
) -> Accepted:
    """Produce one event for a write request, honouring `Idempotency-Key`."""
    if contains_nul(payload.model_dump(mode="json")):
        # every consumer would refuse it (PostgreSQL text cannot hold NUL): say so now, not 202
        raise ApiError(422, "invalid_request", "the request's text contains a NUL character")
    fingerprint = hashlib.sha256(
        json.dumps([type(payload).__name__, payload.model_dump(mode="json")],
                   sort_keys=True).encode()
    ).hexdigest()
    event_id: uuid.UUID | None = None
    if idempotency_key is not None:
        event_id = derived_id("idempotency", principal.sub, idempotency_key)
        row = await ctx.pool.fetchrow(
            "SELECT event_id, fingerprint FROM gateway.idempotency WHERE actor = $1 AND key = $2",
            principal.sub, idempotency_key,
        )
        if row is not None:
            if row["fingerprint"] != fingerprint:
                raise ApiError(422, "idempotency_key_reused",
                               "this Idempotency-Key was already used for a different request")
            return Accepted(event_id=row["event_id"])
    env = Envelope.wrap(payload, actor=principal.sub, occurred_at=occurred_at, event_id=event_id)
    await ctx.producer.publish(env)
    if idempotency_key is not None:
        await ctx.pool.execute(
            "INSERT INTO gateway.idempotency (actor, key, event_id, fingerprint)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            principal.sub, idempotency_key, env.event_id, fingerprint,
        )
    log.info("write.accepted", type=env.type, event_id=str(env.event_id))
    return Accepted(event_id=env.event_id)


async def wait_for_event(ctx: HttpContext, schema: str, event_id: uuid.UUID | None) -> None:
    """Wait (bounded) until the service owning `schema` has processed `event_id`."""
    if event_id is None:
        return
    deadline = asyncio.get_running_loop().time() + ctx.settings.wait_for_timeout_s
    delay = 0.01
    while not await db.event_applied(ctx.pool, schema, event_id):
        if asyncio.get_running_loop().time() > deadline:
            raise ApiError(504, "wait_for_timeout",
                           f"event {event_id} was not processed within "
                           f"{ctx.settings.wait_for_timeout_s:g}s; retry later")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"detail": {"code": code, "message": message, **extra}}
