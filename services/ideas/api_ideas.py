"""HTTP routes for ideas: submit, read, revise (with history), flag, withdraw."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from schemas.ideas import IdeaFlagged, IdeaRevised, IdeaSubmitted, IdeaWithdrawn
from schemas.moderation import IdeaStatus
from services.ideas import queries
from services.ideas.domain import FINAL, CampaignPhase
from services.ideas.models import (
    AcceptedIdea,
    FlagIn,
    IdeaIn,
    IdeaOut,
    RevisionOut,
    WithdrawalIn,
)
from services.ideas.web import (
    Limit,
    Offset,
    OptionalPrincipal,
    Participant,
    WaitFor,
    build,
    new_id,
    now,
    visible_idea,
    window_of,
)
from services.infra.auth import Principal
from services.infra.http import (
    Accepted,
    ApiError,
    Context,
    HttpContext,
    IdempotencyKey,
    accept,
    not_found,
    wait_for_event,
)

router = APIRouter(tags=["ideas"])


async def open_campaign(ctx: HttpContext, campaign_id: uuid.UUID,
                        principal: Principal) -> dict[str, Any]:
    """The campaign, if ideas may be submitted or revised in it now; otherwise a 404/409/403."""
    row = await queries.campaign(ctx.pool, campaign_id)
    if row is None:
        raise not_found("campaign", campaign_id)
    window = window_of(row)
    phase = window.phase(now())
    if phase is CampaignPhase.SCHEDULED:
        raise ApiError(409, "campaign_not_open",
                       f"campaign {campaign_id} opens at {row['opens_at'].isoformat()}")
    if phase is CampaignPhase.CLOSED:
        raise ApiError(409, "campaign_closed",
                       f"campaign {campaign_id} closed at {row['closes_at'].isoformat()}")
    if principal.sector is not None and principal.sector not in window.audience:
        raise ApiError(403, "not_in_audience",
                       f"campaign {campaign_id} is not open to the sector {principal.sector}")
    return row


async def own_open_idea(ctx: HttpContext, idea_id: uuid.UUID,
                        principal: Principal) -> dict[str, Any]:
    row = await visible_idea(ctx, idea_id, principal)
    if row["author"] != principal.sub:
        raise ApiError(403, "not_author", f"only the author of idea {idea_id} may change it")
    if IdeaStatus(row["status"]) in FINAL:
        raise ApiError(409, "idea_closed", f"idea {idea_id} is {row['status']}")
    return row


@router.post("/campaigns/{campaign_id}/ideas", status_code=202, response_model=AcceptedIdea)
async def submit_idea(campaign_id: uuid.UUID, body: IdeaIn, ctx: Context,
                      principal: Participant,
                      idempotency_key: IdempotencyKey = None) -> AcceptedIdea:
    """Submit an idea to an open campaign (participant; the sector comes from the token)."""
    await open_campaign(ctx, campaign_id, principal)
    idea_id = new_id("idea", principal, idempotency_key)
    event = build(IdeaSubmitted, idea_id=idea_id, campaign_id=campaign_id,
                  sector=principal.sector, **body.model_dump())
    accepted = await accept(ctx, principal, event, idempotency_key=idempotency_key)
    return AcceptedIdea(event_id=accepted.event_id, idea_id=idea_id)


@router.get("/ideas/{idea_id}", response_model=IdeaOut)
async def get_idea(idea_id: uuid.UUID, ctx: Context, principal: OptionalPrincipal,
                   wait_for: WaitFor = None) -> IdeaOut:
    """One idea. Its author and moderators also see it while it is pending, hidden or rejected,
    with the status and the reason."""
    await wait_for_event(ctx, "ideas", wait_for)
    return IdeaOut.model_validate(await visible_idea(ctx, idea_id, principal))


@router.get("/me/ideas", response_model=list[IdeaOut])
async def my_ideas(ctx: Context, principal: Participant, wait_for: WaitFor = None,
                   limit: Limit = 100, offset: Offset = 0) -> list[IdeaOut]:
    """The caller's own ideas, newest first, each with its status and the reason for it."""
    await wait_for_event(ctx, "ideas", wait_for)
    rows = await queries.ideas_by_author(ctx.pool, principal.sub, limit=limit, offset=offset)
    return [IdeaOut.model_validate(r) for r in rows]


@router.post("/ideas/{idea_id}/revisions", status_code=202, response_model=Accepted)
async def revise_idea(idea_id: uuid.UUID, body: IdeaIn, ctx: Context, principal: Participant,
                      idempotency_key: IdempotencyKey = None) -> Accepted:
    """Revise your own idea while its campaign is open; every revision is kept."""
    row = await own_open_idea(ctx, idea_id, principal)
    await open_campaign(ctx, row["campaign_id"], principal)
    event = build(IdeaRevised, idea_id=idea_id, campaign_id=row["campaign_id"],
                  **body.model_dump())
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)


@router.get("/ideas/{idea_id}/history", response_model=list[RevisionOut])
async def idea_history(idea_id: uuid.UUID, ctx: Context, principal: OptionalPrincipal,
                       wait_for: WaitFor = None) -> list[RevisionOut]:
    """Every revision of an idea, first to last, each credited to its author."""
    await wait_for_event(ctx, "ideas", wait_for)
    await visible_idea(ctx, idea_id, principal)
    return [RevisionOut.model_validate(r) for r in await queries.revisions(ctx.pool, idea_id)]


@router.post("/ideas/{idea_id}/flags", status_code=202, response_model=Accepted)
async def flag_idea(idea_id: uuid.UUID, body: FlagIn, ctx: Context, principal: Participant,
                    idempotency_key: IdempotencyKey = None) -> Accepted:
    """Flag a published idea (once per participant). Enough flags hide it for moderation."""
    row = await visible_idea(ctx, idea_id, principal)
    if row["status"] != IdeaStatus.PUBLISHED:
        raise ApiError(409, "not_published", f"idea {idea_id} is {row['status']}")
    if await queries.has_flagged(ctx.pool, idea_id, principal.sub):
        raise ApiError(409, "already_flagged", f"you have already flagged idea {idea_id}")
    event = build(IdeaFlagged, idea_id=idea_id, campaign_id=row["campaign_id"],
                  **body.model_dump())
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)


@router.post("/ideas/{idea_id}/withdrawal", status_code=202, response_model=Accepted)
async def withdraw_idea(idea_id: uuid.UUID, body: WithdrawalIn, ctx: Context,
                        principal: Participant,
                        idempotency_key: IdempotencyKey = None) -> Accepted:
    """Withdraw your own idea."""
    row = await own_open_idea(ctx, idea_id, principal)
    event = build(IdeaWithdrawn, idea_id=idea_id, campaign_id=row["campaign_id"],
                  **body.model_dump())
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)
