"""HTTP routes of the identity service: my profile, my data, erasure, the erasure log.

A write route parses the request into a command and calls its one handler (`handlers.py`); a read
route calls `queries.py`. `attach` wires the registry into the HTTP context at start-up: the
edge then keeps profiles in step with sign-in claims, and the other services resolve display
names through `ctx.names` without importing this service. `GET /me/data` collects every
service's `personal_data` (each from its own queries) into one document.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from schemas.common import ParticipantId
from services.identity import handlers, queries
from services.identity.handlers import Directory, ProfileSync
from services.identity.models import (
    EraseParticipant,
    ErasureIn,
    ErasureOut,
    ProfileIn,
    ProfileOut,
    PutProfile,
)
from services.identity.notifications.queries import personal_data as notifications_data
from services.identity.settings import IdentitySettings
from services.infra.auth import Principal
from services.infra.http import (
    Accepted,
    Admin,
    ApiError,
    Context,
    HttpContext,
    Limit,
    Offset,
    Participant,
    require,
)

router = APIRouter(tags=["identity"])

SignedIn = Annotated[Principal, Depends(require())]


def attach(ctx: HttpContext) -> None:
    """Keep the registry from the edge, and offer display names to the other services."""
    ctx.principal_seen = ProfileSync(ctx.pool, IdentitySettings().claims_memo_size)
    ctx.names = Directory(ctx.pool)


async def personal_data(ctx: HttpContext, principal: Principal) -> dict[str, Any]:
    """The identity service's part of `GET /me/data`: the profile (None once erased), what the
    person follows and their e-mail choice."""
    profile = await queries.profile(ctx.pool, principal.sub)
    return {"profile": ProfileOut.model_validate(profile).model_dump(mode="json")
            if profile else None, **await notifications_data(ctx.pool, principal.sub)}


@router.get("/me/profile", response_model=ProfileOut)
async def my_profile(ctx: Context, principal: SignedIn) -> dict[str, Any]:
    """Your profile: made from your sign-in on first use, and as you last edited it."""
    profile = await queries.profile(ctx.pool, principal.sub)
    if profile is None:
        raise ApiError(404, "not_found", f"participant {principal.sub} has no profile"
                       " (it was erased)")
    return profile


@router.put("/me/profile", response_model=ProfileOut)
async def put_my_profile(body: ProfileIn, ctx: Context, principal: SignedIn) -> dict[str, Any]:
    """Replace your profile (name, e-mail, organisation, sector, whether your name is shown)."""
    result: dict[str, Any] = await handlers.handle(ctx, principal, PutProfile(body))
    return result


@router.get("/me/data")
async def my_data(ctx: Context, principal: SignedIn) -> dict[str, Any]:
    """Everything held about you (right of access): your profile, ideas and revisions, flags
    you made, your votes and their states, moderation decisions about your ideas, and the
    copies the reports count from; one part per service."""
    document: dict[str, Any] = {"participant_id": principal.sub}
    for service, part in sorted(ctx.personal_data.items()):
        document[service] = await part(ctx, principal)
    return document


@router.delete("/me", status_code=202, response_model=Accepted)
async def erase_me(ctx: Context, principal: Participant) -> Accepted:
    """Erase yourself (right to erasure): your profile is deleted and the key of the text you
    wrote destroyed, so it reads as erased everywhere; your votes keep counting, without you."""
    result: Accepted = await handlers.handle(ctx, principal, EraseParticipant(principal.sub, None))
    return result


@router.post("/participants/{participant_id}/erasure", status_code=202, response_model=Accepted)
async def erase_participant(participant_id: Annotated[ParticipantId, Path()], body: ErasureIn,
                            ctx: Context, principal: Admin) -> Accepted:
    """Erase a participant (admin), with the reason; recorded in the erasure log."""
    result: Accepted = await handlers.handle(
        ctx, principal, EraseParticipant(participant_id, body.reason))
    return result


@router.get("/participants/erasures", response_model=list[ErasureOut])
async def erasure_log(ctx: Context, principal: Admin, limit: Limit = 100,
                      offset: Offset = 0) -> list[dict[str, Any]]:
    """Every erasure, newest first: whose (a pseudonymous id), who asked, when and why."""
    return await queries.erasures(ctx.pool, limit=limit, offset=offset)
