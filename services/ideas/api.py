"""HTTP routes of the ideas service: campaigns here; ideas and moderation in their own modules."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from schemas.campaigns import CampaignCreated
from services.ideas import api_ideas, api_moderation, queries
from services.ideas.models import AcceptedCampaign, CampaignIn, CampaignOut, IdeaOut
from services.ideas.web import Admin, Limit, Offset, WaitFor, build, new_id, now, window_of
from services.infra.http import Context, IdempotencyKey, accept, not_found, wait_for_event

router = APIRouter()
campaigns = APIRouter(tags=["campaigns"])


@campaigns.post("/campaigns", status_code=202, response_model=AcceptedCampaign)
async def create_campaign(body: CampaignIn, ctx: Context, principal: Admin,
                          idempotency_key: IdempotencyKey = None) -> AcceptedCampaign:
    """Create a campaign (admin). It opens and closes by itself at `opens_at` / `closes_at`."""
    campaign_id = new_id("campaign", principal, idempotency_key)
    event = build(CampaignCreated, campaign_id=campaign_id, **body.model_dump())
    accepted = await accept(ctx, principal, event, idempotency_key=idempotency_key)
    return AcceptedCampaign(event_id=accepted.event_id, campaign_id=campaign_id)


@campaigns.get("/campaigns", response_model=list[CampaignOut])
async def list_campaigns(ctx: Context, wait_for: WaitFor = None, limit: Limit = 100,
                         offset: Offset = 0) -> list[CampaignOut]:
    """Every campaign, newest first, with its phase (scheduled, open, closed)."""
    await wait_for_event(ctx, "ideas", wait_for)
    at = now()
    return [CampaignOut.of(r, window_of(r).phase(at))
            for r in await queries.campaigns(ctx.pool, limit=limit, offset=offset)]


@campaigns.get("/campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: uuid.UUID, ctx: Context,
                       wait_for: WaitFor = None) -> CampaignOut:
    """One campaign."""
    await wait_for_event(ctx, "ideas", wait_for)
    row = await queries.campaign(ctx.pool, campaign_id)
    if row is None:
        raise not_found("campaign", campaign_id)
    return CampaignOut.of(row, window_of(row).phase(now()))


@campaigns.get("/campaigns/{campaign_id}/ideas", response_model=list[IdeaOut])
async def campaign_ideas(campaign_id: uuid.UUID, ctx: Context, wait_for: WaitFor = None,
                         limit: Limit = 100, offset: Offset = 0) -> list[IdeaOut]:
    """The campaign's published ideas, oldest first."""
    await wait_for_event(ctx, "ideas", wait_for)
    if await queries.campaign(ctx.pool, campaign_id) is None:
        raise not_found("campaign", campaign_id)
    rows = await queries.published_ideas(ctx.pool, campaign_id, limit=limit, offset=offset)
    return [IdeaOut.model_validate(r) for r in rows]


router.include_router(campaigns)
router.include_router(api_ideas.router)
router.include_router(api_moderation.router)
