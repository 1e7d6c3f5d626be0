"""HTTP routes of the voting service: cast and withdraw votes, tallies, rankings, my votes.

A write route parses the request into a command and calls its one handler (`handlers.py`); a read
route calls `queries.py`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Reason
from schemas.moderation import IdeaStatus
from schemas.votes import HoldDecision
from services.infra.auth import Principal, Role
from services.infra.csv import write_csv
from services.infra.http import (
    Accepted,
    ApiError,
    Context,
    HttpContext,
    IdempotencyKey,
    Limit,
    Moderator,
    Offset,
    OptionalPrincipal,
    Participant,
    StrictBody,
    WaitFor,
    not_found,
    wait_for_event,
)
from services.voting import handlers, queries
from services.voting.domain import (
    CastVote,
    DecideHold,
    DecideHolds,
    WithdrawVote,
    shown_publicly,
)
from services.voting.receipts import VoteAccepted

router = APIRouter(tags=["voting"])

MAX_HOLD_DECISIONS = 500
TALLY_COLUMNS = ("idea_id", "title", "status", "supports", "opposes", "score", "voters")


class CastVoteRequest(StrictBody):
    """+1 supports the idea; -1 opposes it (only in `updown` campaigns)."""

    value: Literal[1, -1] = 1


@router.post("/ideas/{idea_id}/votes", status_code=202, response_model=VoteAccepted)
async def cast_vote(idea_id: uuid.UUID, ctx: Context, principal: Participant, request: Request,
                    idempotency_key: IdempotencyKey = None,
                    body: CastVoteRequest | None = None) -> Accepted:
    """Vote on an idea; the result (counted, or refused with a reason) shows in /me/votes.
    The answer carries a signed receipt: keep it to check the vote later (/receipts/verify)."""
    command = CastVote(idea_id=idea_id, value=(body or CastVoteRequest()).value,
                       address=request.client.host if request.client else "-",
                       user_agent=request.headers.get("user-agent"))
    return await handlers.handle(ctx, principal, command, idempotency_key=idempotency_key)


@router.delete("/ideas/{idea_id}/votes", status_code=202, response_model=VoteAccepted)
async def withdraw_vote(idea_id: uuid.UUID, ctx: Context, principal: Participant,
                        idempotency_key: IdempotencyKey = None) -> Accepted:
    """Withdraw your vote on an idea; it stops counting and frees budget (with a receipt)."""
    return await handlers.handle(ctx, principal, WithdrawVote(idea_id=idea_id),
                                 idempotency_key=idempotency_key)


async def _campaign(ctx: Context, campaign_id: uuid.UUID) -> dict[str, Any]:
    campaign = await queries.campaign(ctx.pool, campaign_id)
    if campaign is None:
        raise not_found("campaign", campaign_id)
    return campaign


def _staff(principal: Principal | None) -> bool:
    """Staff see ideas that are not public, and their counts."""
    return principal is not None and principal.has_any(
        {Role.MODERATOR, Role.PLANNER, Role.STEERING})


@router.get("/campaigns/{campaign_id}/tally", response_model=None)
async def tally(campaign_id: uuid.UUID, ctx: Context, request: Request,
                principal: OptionalPrincipal,
                format: Annotated[Literal["json", "csv"] | None, Query()] = None,
                wait_for: WaitFor = None) -> dict[str, Any] | Response:
    """Supports, opposes, score and distinct voters per idea (JSON, or CSV with format=csv);
    the JSON also counts the campaign's votes by state (`pending`: waiting for their idea,
    `held`: held for moderators). Ideas that are not published are listed for staff only."""
    await wait_for_event(ctx, "voting", wait_for)
    await _campaign(ctx, campaign_id)
    rows = [r for r in await queries.tally(ctx.pool, campaign_id)
            if _staff(principal) or shown_publicly(IdeaStatus(r["status"]))]
    wants_csv = format == "csv" or (format is None and
                                    "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        text = write_csv(TALLY_COLUMNS, ([r[c] for c in TALLY_COLUMNS] for r in rows))
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="tally-{campaign_id}.csv"'})
    states = await queries.decided_votes(ctx.pool, campaign_id)
    states["pending"] = states.pop("parked", 0)
    return {"campaign_id": campaign_id,
            "ideas": [{c: r[c] for c in (*TALLY_COLUMNS, "merged_into")} for r in rows],
            "votes": states}


@router.get("/campaigns/{campaign_id}/ranking")
async def ranking(campaign_id: uuid.UUID, ctx: Context) -> dict[str, Any]:
    """Published ideas ranked by score (ties: more supports first)."""
    await _campaign(ctx, campaign_id)
    rows = await queries.ranking(ctx.pool, campaign_id)
    return {"campaign_id": campaign_id, "ranking": [
        {c: r[c] for c in ("rank", "idea_id", "title", "supports", "opposes", "score", "voters")}
        for r in rows]}


@router.get("/campaigns/{campaign_id}/participation")
async def participation(campaign_id: uuid.UUID, ctx: Context) -> dict[str, Any]:
    """Votes and distinct voters per hour and per participant sector."""
    await _campaign(ctx, campaign_id)
    return {"campaign_id": campaign_id, **await queries.participation(ctx.pool, campaign_id)}


@router.get("/me/votes")
async def my_votes(ctx: Context, principal: Participant,
                   campaign: Annotated[uuid.UUID, Query(description="the campaign id")]
                   ) -> dict[str, Any]:
    """Each of your votes in a campaign, counted, held for moderators or refused, with the
    reason; budget left (held votes use it until a moderator discards them)."""
    await _campaign(ctx, campaign)
    return {"campaign_id": campaign, "voter_id": principal.sub,
            **await queries.my_votes(ctx.pool, principal.sub, campaign, datetime.now(UTC))}


async def personal_data(ctx: HttpContext, principal: Principal) -> dict[str, Any]:
    """The voting service's part of `GET /me/data`: every vote of the caller, with its state."""
    data: dict[str, Any] = jsonable_encoder(await queries.personal_data(ctx.pool, principal.sub))
    return data


# -- held votes (moderators)


class HoldDecisionIn(StrictBody):
    """Release (the vote counts, as judged when it was cast) or discard a held vote."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: uuid.UUID
    decision: HoldDecision
    reason: Reason


class HoldDecisionsIn(StrictBody):
    """Release or discard many held votes at once, with one reason (up to 500 per request)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_HOLD_DECISIONS)]
    decision: HoldDecision
    reason: Reason


class HoldDecided(BaseModel):
    vote_event_id: uuid.UUID
    event_id: uuid.UUID = Field(description="the decision's event")


class HoldSkipped(BaseModel):
    vote_event_id: uuid.UUID
    code: Literal["not_found", "vote_not_held"]
    message: str


class HoldDecisionsAccepted(BaseModel):
    decided: list[HoldDecided]
    skipped: list[HoldSkipped] = Field(
        description="votes not decided by this request, each with its reason (another "
                    "moderator decided it first, it is not held, or there is no such vote)")


@router.post("/moderation/votes/decisions/bulk", status_code=202,
             response_model=HoldDecisionsAccepted, tags=["moderation"])
async def decide_held_votes(body: HoldDecisionsIn, ctx: Context, principal: Moderator
                            ) -> dict[str, Any]:
    """Release or discard many held votes (a burst) in one request, with one reason. Each
    decision is its own event in the moderation log. A repeat of the same request decides
    nothing twice; votes already decided are listed as skipped; 409 `vote_not_held` when none
    of them is held and undecided."""
    if len(set(body.event_ids)) != len(body.event_ids):
        raise ApiError(422, "invalid_request", "event_ids: a vote is listed twice")
    return await handlers.decide_holds(ctx, principal, DecideHolds(
        tuple(body.event_ids), body.decision, body.reason))


@router.get("/moderation/votes", tags=["moderation"])
async def held_votes(ctx: Context, principal: Moderator,
                     campaign_id: Annotated[uuid.UUID | None, Query()] = None,
                     wait_for: WaitFor = None, limit: Limit = 100,
                     offset: Offset = 0) -> list[dict[str, Any]]:
    """Votes the anomaly detector holds (not in the tally), oldest first, with the reason."""
    await wait_for_event(ctx, "voting", wait_for)
    return await queries.held_votes(ctx.pool, campaign_id, limit=limit, offset=offset)


@router.post("/moderation/votes/decisions", status_code=202, response_model=Accepted,
             tags=["moderation"])
async def decide_held_vote(body: HoldDecisionIn, ctx: Context, principal: Moderator,
                           idempotency_key: IdempotencyKey = None) -> Accepted:
    """Release or discard a held vote, with a reason (kept in the moderation log)."""
    return await handlers.handle(
        ctx, principal, DecideHold(body.event_id, body.decision, body.reason),
        idempotency_key=idempotency_key)
