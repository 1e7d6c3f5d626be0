"""HTTP routes of the ideas service: campaigns, idea submission and the public reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import ValidationError

from schemas.base import Payload
from schemas.campaigns import CampaignCreated
from schemas.envelope import derived_id
from schemas.ideas import IdeaSubmitted
from schemas.moderation import IdeaStatus
from services.ideas import queries
from services.ideas.access import OptionalPrincipal
from services.ideas.domain import CampaignPhase, CampaignWindow, visible_to_public
from services.ideas.models import (
    AcceptedCampaign,
    AcceptedIdea,
    CampaignIn,
    CampaignOut,
    IdeaIn,
    IdeaOut,
)
from services.infra.auth import Principal, Role
from services.infra.http import (
    ApiError,
    Context,
    IdempotencyKey,
    accept,
    not_found,
    require,
    wait_for_event,
)

router = APIRouter(tags=["ideas"])

WaitFor = Annotated[uuid.UUID | None, Query(
    description="an event_id from a 202: wait (bounded) until it is visible here")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Participant = Annotated[Principal, Depends(require(Role.PARTICIPANT))]


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


@router.post("/campaigns", status_code=202, response_model=AcceptedCampaign)
async def create_campaign(body: CampaignIn, ctx: Context, principal: Admin,
                          idempotency_key: IdempotencyKey = None) -> AcceptedCampaign:
    """Create a campaign (admin). It opens and closes by itself at `opens_at` / `closes_at`."""
    campaign_id = new_id("campaign", principal, idempotency_key)
    event = build(CampaignCreated, campaign_id=campaign_id, **body.model_dump())
    accepted = await accept(ctx, principal, event, idempotency_key=idempotency_key)
    return AcceptedCampaign(event_id=accepted.event_id, campaign_id=campaign_id)


@router.get("/campaigns", response_model=list[CampaignOut])
async def list_campaigns(ctx: Context, wait_for: WaitFor = None, limit: Limit = 100,
                         offset: Offset = 0) -> list[CampaignOut]:
    """Every campaign, newest first, with its phase (scheduled, open, closed)."""
    await wait_for_event(ctx, "ideas", wait_for)
    now = datetime.now(UTC)
    return [CampaignOut.of(r, window_of(r).phase(now))
            for r in await queries.campaigns(ctx.pool, limit=limit, offset=offset)]


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: uuid.UUID, ctx: Context,
                       wait_for: WaitFor = None) -> CampaignOut:
    """One campaign."""
    await wait_for_event(ctx, "ideas", wait_for)
    row = await queries.campaign(ctx.pool, campaign_id)
    if row is None:
        raise not_found("campaign", campaign_id)
    return CampaignOut.of(row, window_of(row).phase(datetime.now(UTC)))


@router.get("/campaigns/{campaign_id}/ideas", response_model=list[IdeaOut])
async def campaign_ideas(campaign_id: uuid.UUID, ctx: Context, wait_for: WaitFor = None,
                         limit: Limit = 100, offset: Offset = 0) -> list[IdeaOut]:
    """The campaign's published ideas, oldest first."""
    await wait_for_event(ctx, "ideas", wait_for)
    if await queries.campaign(ctx.pool, campaign_id) is None:
        raise not_found("campaign", campaign_id)
    rows = await queries.published_ideas(ctx.pool, campaign_id, limit=limit, offset=offset)
    return [IdeaOut.model_validate(r) for r in rows]


@router.post("/campaigns/{campaign_id}/ideas", status_code=202, response_model=AcceptedIdea)
async def submit_idea(campaign_id: uuid.UUID, body: IdeaIn, ctx: Context,
                      principal: Participant,
                      idempotency_key: IdempotencyKey = None) -> AcceptedIdea:
    """Submit an idea to an open campaign (participant; the sector comes from the token)."""
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
    if principal.sector is not None and principal.sector not in window.audience:
        raise ApiError(403, "not_in_audience",
                       f"campaign {campaign_id} is not open to the sector {principal.sector}")
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
    row = await queries.idea(ctx.pool, idea_id)
    if row is None or not _may_see(row, principal):
        raise not_found("idea", idea_id)
    return IdeaOut.model_validate(row)


def _may_see(row: dict[str, Any], principal: Principal | None) -> bool:
    if visible_to_public(IdeaStatus(row["status"])):
        return True
    if principal is None:
        return False
    return principal.sub == row["author"] or principal.has_any({Role.MODERATOR})
