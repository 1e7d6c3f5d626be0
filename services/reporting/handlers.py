"""Write path of the reporting service: judge a planner's event at the edge, then publish it."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from pydantic import ValidationError

from schemas.base import Payload
from schemas.envelope import utcnow
from services.infra.auth import Principal
from services.infra.http import Accepted, ApiError, HttpContext, accept
from services.reporting import queries
from services.reporting.domain import judge_at_edge

P = TypeVar("P", bound=Payload)


def build(model: type[P], **fields: Any) -> P:
    """The event payload, or a 422 naming what is wrong with it (e.g. shares not adding up)."""
    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5])
        raise ApiError(422, "invalid_request", f"the request is not valid: {problems}") from exc


# HTTP status per refusal reason; anything not listed is a 422
STATUS_FOR = {
    "unknown_plan": 404,
    "unknown_initiative": 404,
    "already_drafted": 409,
    "already_defined": 409,
    "initiative_closed": 409,
}


async def record(ctx: HttpContext, principal: Principal, payload: Payload, *,
                 idempotency_key: str | None, path_year: int | None = None) -> Accepted:
    """Publish a plan, progress or governance event if the rules accept it now."""
    now = utcnow()
    if idempotency_key is not None and await queries.written_before(
            ctx.pool, principal.sub, idempotency_key):
        # a repeated request gets its first answer, even if the state has moved on since
        return await accept(ctx, principal, payload, idempotency_key=idempotency_key)
    year = getattr(payload, "year", None)
    initiative_id = getattr(payload, "initiative_id", None)
    known = await queries.known(
        ctx.pool,
        years=[y for y in (year, path_year) if isinstance(y, int)],
        initiative_ids=[initiative_id] if isinstance(initiative_id, uuid.UUID) else [],
    )
    if path_year is not None and path_year not in known.plans:
        raise ApiError(404, "unknown_plan", f"no plan for {path_year} has been drafted")
    refusal = judge_at_edge(known, payload, now, path_year)
    if refusal is not None:
        raise ApiError(STATUS_FOR.get(refusal.reason, 422), refusal.reason, refusal.detail)
    return await accept(ctx, principal, payload, idempotency_key=idempotency_key, occurred_at=now)
