"""What the ideas service's command handlers share at the HTTP edge: who may see an idea, whether
a campaign takes submissions now, and participant text sealed under the caller's key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import HTTPException

from schemas.base import Payload
from schemas.campaigns import (
    audience_refusal,
)
from schemas.common import Sealed, Sector
from schemas.ideas import (
    TextFields,
)
from schemas.moderation import (
    IdeaStatus,
)
from services.ideas import queries
from services.ideas.domain import (
    FINAL,
    CampaignPhase,
    CampaignWindow,
    may_see,
)
from services.infra import vault
from services.infra.auth import Principal, Role
from services.infra.http import ApiError, HttpContext, build, not_found

P = TypeVar("P", bound=Payload)


def window_of(row: dict[str, Any]) -> CampaignWindow:
    return CampaignWindow(row["opens_at"], row["closes_at"],
                          frozenset(Sector(a) for a in row["audience"]))


async def visible_idea(ctx: HttpContext, idea_id: uuid.UUID, principal: Principal | None
                       ) -> dict[str, Any]:
    """The idea, or a 404 when it does not exist or the caller may not see it."""
    row = await queries.idea(ctx.pool, idea_id)
    if row is None or not may_see(
            IdeaStatus(row["status"]), row["author"], principal.sub if principal else None,
            is_staff(principal)):
        if row is not None and row["status"] == IdeaStatus.MERGED and row["merged_into"]:
            # a link to a merged idea leads on to the idea it lives on in (its content stays
            # hidden): the id of the target, which is public, is all this says
            raise HTTPException(404, detail={"code": "not_found",
                                             "message": f"idea {idea_id} does not exist",
                                             "merged_into": str(row["merged_into"])})
        raise not_found("idea", idea_id)
    return row


def is_staff(principal: Principal | None) -> bool:
    """Staff see what is not public: moderators, planners, the steering group, admins."""
    return principal is not None and principal.has_any(
        {Role.MODERATOR, Role.PLANNER, Role.STEERING})


async def open_campaign(ctx: HttpContext, campaign_id: uuid.UUID,
                         principal: Principal) -> dict[str, Any]:
    """The campaign, if ideas may be submitted or revised in it now; otherwise a 404/409/403."""
    row = await queries.campaign(ctx.pool, campaign_id)
    if row is None:
        raise not_found("campaign", campaign_id)
    window = window_of(row)
    phase = window.phase(datetime.now(UTC))
    if phase is CampaignPhase.SCHEDULED:
        raise ApiError(409, "campaign_not_open",
                       f"campaign {campaign_id} opens at {row['opens_at'].isoformat()}")
    if phase is CampaignPhase.CLOSED:
        raise ApiError(409, "campaign_closed",
                       f"campaign {campaign_id} closed at {row['closes_at'].isoformat()}")
    refused = audience_refusal(window.audience, principal.sector)
    if refused is not None:
        raise ApiError(403, refused[0], f"campaign {campaign_id}: {refused[1]}")
    return row


async def own_open_idea(ctx: HttpContext, idea_id: uuid.UUID,
                         principal: Principal) -> dict[str, Any]:
    row = await visible_idea(ctx, idea_id, principal)
    if row["author"] != principal.sub:
        raise ApiError(403, "not_author", f"only the author of idea {idea_id} may change it")
    if IdeaStatus(row["status"]) in FINAL:
        raise ApiError(409, "idea_closed", f"idea {idea_id} is {row['status']}")
    return row



async def seal_text(ctx: HttpContext, principal: Principal, text: TextFields) -> Sealed:
    """The participant-written `text` sealed under the caller's key; a 403 for an erased caller."""
    try:
        async with ctx.pool.acquire() as conn:
            return await vault.seal(conn, principal.sub, text.model_dump(mode="json"))
    except vault.Erased as exc:
        raise ApiError(403, "participant_erased",
                       f"participant {principal.sub} has been erased and can write nothing "
                       "more") from exc


async def sealed(ctx: HttpContext, principal: Principal, plain: P, text: TextFields,
                 clear: dict[str, Any]) -> P:
    """`plain` with its participant-written `text` sealed under the caller's key (the limits
    were checked when `plain` and `text` were built) and the plain fields `clear`ed."""
    sealed = await seal_text(ctx, principal, text)
    return build(type(plain), **{**plain.model_dump(), **clear, "sealed": sealed})
