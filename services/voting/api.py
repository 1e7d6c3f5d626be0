"""HTTP routes of the voting service: cast and withdraw votes, tallies, rankings, my votes."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from schemas.votes import VoteCast, VoteWithdrawn
from services.infra.auth import Principal, Role
from services.infra.http import (
    Accepted,
    ApiError,
    Context,
    IdempotencyKey,
    WaitFor,
    accept,
    not_found,
    require,
    wait_for_event,
)
from services.voting import queries

router = APIRouter(tags=["voting"])

Participant = Annotated[Principal, Depends(require(Role.PARTICIPANT))]
TALLY_COLUMNS = ("idea_id", "title", "status", "supports", "opposes", "score", "voters")


class CastVoteRequest(BaseModel):
    """+1 supports the idea; -1 opposes it (only in `updown` campaigns)."""

    value: Literal[1, -1] = 1


def _fingerprint(request: Request) -> str:
    who = f"{request.client.host if request.client else '-'}|{request.headers.get('user-agent')}"
    return hashlib.sha256(who.encode()).hexdigest()[:32]


async def _votable_idea(ctx: Context, idea_id: uuid.UUID) -> dict[str, Any]:
    idea = await queries.idea(ctx.pool, idea_id)
    if idea is None:
        raise not_found("idea", idea_id)
    campaign = await queries.campaign(ctx.pool, idea["campaign_id"])
    if campaign is None:
        raise not_found("campaign", idea["campaign_id"])
    now = datetime.now(UTC)
    if not campaign["opens_at"] <= now < campaign["closes_at"]:
        raise ApiError(409, "campaign_closed",
                       f"campaign {campaign['campaign_id']} takes votes from "
                       f"{campaign['opens_at']:%Y-%m-%d %H:%M} to "
                       f"{campaign['closes_at']:%Y-%m-%d %H:%M} UTC")
    return idea


@router.post("/ideas/{idea_id}/votes", status_code=202, response_model=Accepted)
async def cast_vote(idea_id: uuid.UUID, ctx: Context, principal: Participant, request: Request,
                    idempotency_key: IdempotencyKey = None,
                    body: CastVoteRequest | None = None) -> Accepted:
    """Vote on an idea; the result (counted, or refused with a reason) shows in /me/votes."""
    idea = await _votable_idea(ctx, idea_id)
    if idea["status"] not in ("published", "merged"):
        raise ApiError(409, "idea_not_votable", f"idea {idea_id} is {idea['status']}")
    payload = VoteCast(voter_id=principal.sub, campaign_id=idea["campaign_id"], idea_id=idea_id,
                       value=(body or CastVoteRequest()).value, sector=principal.sector,
                       client=_fingerprint(request))
    return await accept(ctx, principal, payload, idempotency_key=idempotency_key)


@router.delete("/ideas/{idea_id}/votes", status_code=202, response_model=Accepted)
async def withdraw_vote(idea_id: uuid.UUID, ctx: Context, principal: Participant,
                        idempotency_key: IdempotencyKey = None) -> Accepted:
    """Withdraw your vote on an idea; it stops counting and frees budget."""
    idea = await _votable_idea(ctx, idea_id)
    payload = VoteWithdrawn(voter_id=principal.sub, campaign_id=idea["campaign_id"],
                            idea_id=idea_id)
    return await accept(ctx, principal, payload, idempotency_key=idempotency_key)


async def _campaign(ctx: Context, campaign_id: uuid.UUID) -> dict[str, Any]:
    campaign = await queries.campaign(ctx.pool, campaign_id)
    if campaign is None:
        raise not_found("campaign", campaign_id)
    return campaign


@router.get("/campaigns/{campaign_id}/tally", response_model=None)
async def tally(campaign_id: uuid.UUID, ctx: Context, request: Request,
                format: Annotated[Literal["json", "csv"] | None, Query()] = None,
                wait_for: WaitFor = None) -> dict[str, Any] | Response:
    """Supports, opposes, score and distinct voters per idea (JSON, or CSV with format=csv);
    the JSON also counts the campaign's votes by state (`pending`: waiting for their idea)."""
    await wait_for_event(ctx, "voting", wait_for)
    await _campaign(ctx, campaign_id)
    rows = await queries.tally(ctx.pool, campaign_id)
    wants_csv = format == "csv" or (format is None and
                                    "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(TALLY_COLUMNS)
        writer.writerows([r[c] for c in TALLY_COLUMNS] for r in rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
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
    """Each of your votes in a campaign, counted or refused with the reason; budget left."""
    await _campaign(ctx, campaign)
    return {"campaign_id": campaign, "voter_id": principal.sub,
            **await queries.my_votes(ctx.pool, principal.sub, campaign, datetime.now(UTC))}
