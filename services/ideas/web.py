"""Pieces the ideas routes share: optional auth, query parameters, building events from requests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from schemas.base import Payload
from schemas.envelope import derived_id
from schemas.moderation import IdeaStatus
from services.ideas import queries
from services.ideas.domain import CampaignWindow, visible_to_public
from services.infra.auth import AuthError, Principal, Role
from services.infra.http import ApiError, Context, not_found, require

_bearer = HTTPBearer(auto_error=False)


async def optional_principal(
    ctx: Context,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller when a token is sent (an invalid one is a 401), otherwise None."""
    if creds is None:
        return None
    try:
        return ctx.verifier.verify(creds.credentials)
    except AuthError as exc:
        raise HTTPException(401, detail={"code": "unauthenticated", "message": str(exc)},
                            headers={"WWW-Authenticate": "Bearer"}) from exc


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Participant = Annotated[Principal, Depends(require(Role.PARTICIPANT))]
Moderator = Annotated[Principal, Depends(require(Role.MODERATOR))]

WaitFor = Annotated[uuid.UUID | None, Query(
    description="an event_id from a 202: wait (bounded) until it is visible here")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def build(model: type[Payload], **fields: Any) -> Payload:
    """The event for a request; a rule the request model could not check becomes a 422."""
    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(e["msg"] for e in exc.errors()[:5])
        raise ApiError(422, "invalid_request", f"the request is not valid: {problems}") from exc


def new_id(kind: str, principal: Principal, idempotency_key: str | None) -> uuid.UUID:
    """A fresh id, or the same id again when a request is repeated with its Idempotency-Key."""
    if idempotency_key is None:
        return uuid.uuid4()
    return derived_id(kind, principal.sub, idempotency_key)


def window_of(row: dict[str, Any]) -> CampaignWindow:
    return CampaignWindow(row["opens_at"], row["closes_at"], frozenset(row["audience"]))


def may_see(row: dict[str, Any], principal: Principal | None) -> bool:
    """Published and merged ideas are public; the rest only to their author and moderators."""
    if visible_to_public(IdeaStatus(row["status"])):
        return True
    if principal is None:
        return False
    return principal.sub == row["author"] or principal.has_any({Role.MODERATOR})


async def visible_idea(ctx: Any, idea_id: uuid.UUID, principal: Principal | None
                       ) -> dict[str, Any]:
    """The idea, or a 404 when it does not exist or the caller may not see it."""
    row = await queries.idea(ctx.pool, idea_id)
    if row is None or not may_see(row, principal):
        raise not_found("idea", idea_id)
    return row


def now() -> datetime:
    return datetime.now(UTC)
