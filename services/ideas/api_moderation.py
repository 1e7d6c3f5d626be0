"""HTTP routes of the staff moderation queue: the queue, decisions, and the audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from schemas.moderation import Decision, IdeaStatus, ModerationDecided
from services.ideas import queries
from services.ideas.domain import FINAL, applicable_decisions, decision_outcome
from services.ideas.models import DecisionIn, LogEntry, QueueCampaign, QueueItem
from services.ideas.web import Limit, Moderator, Offset, WaitFor, build
from services.infra.http import (
    Accepted,
    ApiError,
    Context,
    IdempotencyKey,
    accept,
    not_found,
    wait_for_event,
)

router = APIRouter(tags=["moderation"])

CampaignFilter = Annotated[uuid.UUID | None, Query(description="only this campaign")]


@router.get("/moderation/queue", response_model=list[QueueCampaign])
async def moderation_queue(ctx: Context, principal: Moderator, campaign_id: CampaignFilter = None,
                           wait_for: WaitFor = None, limit: Limit = 200) -> list[QueueCampaign]:
    """Ideas waiting for pre-moderation or hidden by flags, per campaign, oldest first, with
    their flags and the most similar published ideas of the campaign as duplicate hints."""
    await wait_for_event(ctx, "ideas", wait_for)
    rows = await queries.moderation_queue(ctx.pool, campaign_id, limit=limit)
    campaigns: dict[uuid.UUID, QueueCampaign] = {}
    for r in rows:
        group = campaigns.setdefault(r["campaign_id"], QueueCampaign(
            campaign_id=r["campaign_id"], campaign_title=r["campaign_title"], ideas=[]))
        group.ideas.append(QueueItem.model_validate(
            {**r, "decisions": applicable_decisions(IdeaStatus(r["status"]))}))
    return list(campaigns.values())


@router.post("/moderation/decisions", status_code=202, response_model=Accepted)
async def decide(body: DecisionIn, ctx: Context, principal: Moderator,
                 idempotency_key: IdempotencyKey = None) -> Accepted:
    """Approve, reject, hide, restore or merge an idea, with a reason (kept in the audit log)."""
    row = await queries.idea(ctx.pool, body.idea_id)
    if row is None:
        raise not_found("idea", body.idea_id)
    current = IdeaStatus(row["status"])
    if decision_outcome(current, body.decision) is None:
        allowed = ", ".join(d.value for d in applicable_decisions(current)) or "none"
        raise ApiError(409, "decision_not_applicable",
                       f"idea {body.idea_id} is {current.value}: {body.decision.value} does not "
                       f"apply (possible: {allowed})")
    if body.decision is Decision.MERGE:
        assert body.merge_into is not None
        target = await queries.idea(ctx.pool, body.merge_into)
        if target is None:
            raise not_found("idea", body.merge_into)
        if target["campaign_id"] != row["campaign_id"]:
            raise ApiError(409, "other_campaign",
                           f"idea {body.merge_into} belongs to another campaign")
        if IdeaStatus(target["status"]) in FINAL:
            raise ApiError(409, "idea_closed", f"idea {body.merge_into} is {target['status']}")
    event = build(ModerationDecided, campaign_id=row["campaign_id"], **body.model_dump())
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)


@router.get("/moderation/log", response_model=list[LogEntry])
async def moderation_log(ctx: Context, principal: Moderator, campaign_id: CampaignFilter = None,
                         idea_id: Annotated[uuid.UUID | None, Query()] = None,
                         wait_for: WaitFor = None, limit: Limit = 100,
                         offset: Offset = 0) -> list[LogEntry]:
    """Every moderation decision, newest first: who decided what, when, and why."""
    await wait_for_event(ctx, "ideas", wait_for)
    rows = await queries.moderation_log(ctx.pool, campaign_id=campaign_id, idea_id=idea_id,
                                        limit=limit, offset=offset)
    return [LogEntry.model_validate(r) for r in rows]
