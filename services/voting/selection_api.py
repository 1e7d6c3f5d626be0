"""HTTP routes of the selection rules: which published ideas a budget funds, and the campaign
written back as a Pabulib file.

`GET /campaigns/{id}/selection` is public like the ranking: it shows only published ideas, by
their approved titles, and counts only votes on them. `GET /campaigns/{id}/export.pb` is for
staff (moderator or admin): it holds every ballot, under pseudonymous voter ids.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from services.infra.http import ApiError, Context, Moderator, not_found
from services.infra.settings import DEV_JWT_SECRET
from services.voting import queries
from services.voting.domain import pabulib_export, selection
from services.voting.queries import selections as selection_store
from services.voting.settings import VotingSettings

router = APIRouter(tags=["voting"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "The campaign does not exist (or the voting service has not seen it)."},
    422: {"description": "An unknown rule (the message names the accepted ones), a negative "
                         "budget, or no budget given for a campaign without one."},
}
_STAFF: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or an invalid bearer token."},
    403: {"description": "The token has neither the moderator nor the admin role."},
    503: {"description": "In production without VOTING_EXPORT_SECRET: no key for pseudonyms."},
}


def _rule(rule: str) -> str:
    if rule not in selection.RULE_NAMES:
        raise ApiError(422, "unknown_rule", f"rule {rule!r} is not one of "
                                            f"{', '.join(sorted(selection.RULE_NAMES))}")
    return rule


async def _inputs(ctx: Context, campaign_id: uuid.UUID
                  ) -> tuple[dict[str, Any], list[dict[str, Any]], list[list[str]]]:
    campaign = await queries.selection_campaign(ctx.pool, campaign_id)
    if campaign is None:
        raise not_found("campaign", campaign_id)
    ideas, ballots = await queries.selection_inputs(ctx.pool, campaign_id)
    return campaign, ideas, ballots


class SelectionPending(BaseModel):
    """A selection not stored yet for the campaign's current votes: ask again at `poll`."""

    code: str = Field(examples=["selection_pending"])
    message: str
    status: Literal["queued", "computing"]
    poll: str
    retry_after_s: int


_SELECTION_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    202: {"description": "Not computed yet for these inputs (`selection_pending`): the voting "
                         "worker computes it; `Location` is where to ask again and "
                         "`Retry-After` when. The body says whether it is queued or computing.",
          "model": SelectionPending,
          "headers": {"Location": {"description": "where to ask again (this same request)",
                                   "schema": {"type": "string"}},
                      "Retry-After": {"description": "seconds to wait before asking again",
                                      "schema": {"type": "integer"}}}},
    429: {"description": "The request would start a computation, and the campaign "
                         "(`selection_campaign_busy`) or the caller (`selection_caller_busy`) "
                         "already has as many waiting as allowed; `Retry-After` says when to "
                         "ask again.",
          "headers": {"Retry-After": {"description": "seconds to wait before asking again",
                                      "schema": {"type": "integer"}}}},
}


RETRY_AFTER_S = 2


def _caller(request: Request, ctx: Context) -> str:
    """Whom the per-caller limit counts: an HMAC of the address, never the address itself."""
    address = request.client.host if request.client else "-"
    return hmac.new(_pseudonym_key(ctx), b"selection-caller:" + address.encode(),
                    hashlib.sha256).hexdigest()[:24]


@router.get("/campaigns/{campaign_id}/selection", responses=_SELECTION_ERRORS,
            response_model=dict[str, Any])
async def campaign_selection(
    campaign_id: uuid.UUID, ctx: Context, request: Request,
    rule: Annotated[str, Query(description="greedy or equal-shares")] = "greedy",
    budget: Annotated[int | None, Query(
        description="currency units; default: the campaign's budget")] = None,
    min_votes: Annotated[int | None, Query(
        description="fewest votes an idea needs to be funded; default: the campaign's")] = None,
) -> Any:
    """The published ideas a budget funds under a rule, their cost, and the share of voters with
    at least one supported idea funded. Computed by the voting worker (when a campaign closes,
    and on request) and stored per rule, budget and minimum: a stored answer is 200 at once
    (`current` false while one for newer votes is computed); otherwise 202 and a place to poll."""
    _rule(rule)
    if budget is not None and budget < 0:
        raise ApiError(422, "negative_budget", f"budget must be 0 or more, not {budget}")
    if min_votes is not None and min_votes < 0:
        raise ApiError(422, "negative_min_votes", f"min_votes must be 0 or more, not {min_votes}")
    campaign = await queries.selection_campaign(ctx.pool, campaign_id)
    if campaign is None:
        raise not_found("campaign", campaign_id)
    budget = campaign["budget"] if budget is None else budget
    if budget is None:
        raise ApiError(422, "budget_required",
                       f"campaign {campaign_id} has no budget: pass ?budget=")
    threshold = campaign["min_votes_to_fund"] or 0 if min_votes is None else min_votes
    stamp = await selection_store.stamp(ctx.pool, campaign_id)
    found = await selection_store.stored(ctx.pool, campaign_id, rule, budget, threshold)
    current = found is not None and found.inputs == stamp
    refusal = None
    if not current and (found is None or not found.pending):
        settings = VotingSettings()
        refusal = await selection_store.request(
            ctx.pool, campaign_id, rule, budget, threshold, caller=_caller(request, ctx),
            per_campaign=settings.selection_pending_per_campaign,
            per_caller=settings.selection_pending_per_caller)
    if found is not None and found.result is not None:
        titles = await queries.idea_titles(ctx.pool, campaign_id)
        # an older answer is shown only while every idea it funds is still published
        if current or all(titles.get(i["idea_id"]) for i in found.result["selected"]):
            return _answer(campaign_id, rule, budget, threshold, found, current, titles)
    if refusal is not None:
        by_campaign = refusal.scope == "campaign"
        code = "selection_campaign_busy" if by_campaign else "selection_caller_busy"
        whose = "this campaign" if by_campaign else "you"
        raise ApiError(429, code, f"{refusal.pending} selections asked for by {whose} are "
                       f"still being computed (at most {refusal.limit}): ask again when they "
                       "are done", headers={"Retry-After": str(RETRY_AFTER_S * 5)})
    poll = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    computing = found is not None and found.started_at is not None
    body = SelectionPending(
        code="selection_pending", status="computing" if computing else "queued", poll=poll,
        retry_after_s=RETRY_AFTER_S,
        message=f"the {rule} selection of campaign {campaign_id} under a budget of {budget} is "
                f"{'being computed' if computing else 'waiting to be computed'}: ask again at "
                "the address in Location")
    return JSONResponse(body.model_dump(), status_code=202,
                        headers={"Location": poll, "Retry-After": str(RETRY_AFTER_S)})


def _answer(campaign_id: uuid.UUID, rule: str, budget: int, threshold: int,
            found: selection_store.Stored, current: bool,
            titles: dict[str, str | None]) -> dict[str, Any]:
    """A stored answer, with the ideas' approved titles as they are now."""
    assert found.result is not None
    result = found.result
    voters, funded = result["voters"], result["funded_voters"]
    return {
        "campaign_id": campaign_id, "rule": rule, "budget": budget, "min_votes": threshold,
        "selected": [{"idea_id": i["idea_id"], "title": titles.get(i["idea_id"]),
                      "votes": i["votes"], "cost": i["cost"]} for i in result["selected"]],
        "total_cost": result["total_cost"], "voters": voters, "funded_voters": funded,
        "funded_voters_share": funded / voters if voters else None,
        "without_cost": result["without_cost"],
        "computed_at": found.computed_at, "current": current,
    }


_WHAT_IF_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "The campaign does not exist (or the voting service has not seen it)."},
    409: {"description": "The campaign is still open (`campaign_open`), or it has closed and "
                         "its replay is being computed (`what_if_pending`; `Retry-After` says "
                         "when to ask again)."},
}


@router.get("/campaigns/{campaign_id}/what-if", responses=_WHAT_IF_ERRORS)
async def campaign_what_if(campaign_id: uuid.UUID, ctx: Context) -> dict[str, Any]:
    """A closed campaign's frozen votes counted under other rules: greedy and equal shares,
    without the minimum score, with held votes released, with merges undone, and without each
    sector's votes. Per scenario the funded ideas; `stable`: funded under every scenario;
    `depends`: funded under some, with which. Computed once by the voting worker after the
    campaign closes and its votes settle."""
    campaign = await queries.selection_campaign(ctx.pool, campaign_id)
    if campaign is None:
        raise not_found("campaign", campaign_id)
    if campaign["closes_at"] > datetime.now(UTC):
        raise ApiError(409, "campaign_open", f"campaign {campaign_id} closes at "
                       f"{campaign['closes_at']:%Y-%m-%d %H:%M} UTC: a what-if replays a closed "
                       "campaign's votes")
    stored = await queries.what_if(ctx.pool, campaign_id)
    if stored is None:
        raise ApiError(409, "what_if_pending", f"campaign {campaign_id} has closed; its what-if "
                       "is computed once its votes have settled", headers={"Retry-After": "30"})
    titles = await queries.idea_titles(ctx.pool, campaign_id)
    result = stored["result"]
    return {"campaign_id": campaign_id, "computed_at": stored["computed_at"],
            "votes": stored["votes"], "budget": campaign["budget"],
            "min_votes": campaign["min_votes_to_fund"] or 0, **result,
            "titles": {k: titles.get(k) for k in sorted(
                {i for sc in result["scenarios"] for i in sc["selected"]})}}


def _pseudonym_key(ctx: Context) -> bytes:
    own = VotingSettings().export_secret
    if own:
        return own.encode()
    if ctx.settings.jwt_secret == DEV_JWT_SECRET and ctx.settings.ideastorm_env == "production":
        raise ApiError(503, "not_configured", "set VOTING_EXPORT_SECRET: there is no secret to "
                                              "derive voter pseudonyms from")
    return hashlib.sha256(b"voter-pseudonym:" + ctx.settings.jwt_secret.encode()).digest()


@router.get("/campaigns/{campaign_id}/export.pb", responses={**_ERRORS, **_STAFF},
            response_class=Response)
async def export_pabulib(campaign_id: uuid.UUID, ctx: Context, staff: Moderator) -> Response:
    """The campaign as a Pabulib file (approval votes, greedy `selected`), voters pseudonymous."""
    campaign, ideas, ballots = await _inputs(ctx, campaign_id)
    key = _pseudonym_key(ctx)
    voters = [(hmac.new(key, b[0].encode(), hashlib.sha256).hexdigest()[:20], b[1:])
              for b in ballots]
    by_id = {str(i["idea_id"]): i for i in ideas}
    tally = {k: i["supports"] for k, i in by_id.items()}
    costs = {k: i["cost"] for k, i in by_id.items() if i["cost"] is not None}
    chosen: set[str] = set()
    if campaign["budget"] is not None:
        chosen = set(selection.greedy(tally, costs, campaign["budget"],
                                      threshold=campaign["min_votes_to_fund"] or 0))
    text = pabulib_export.render(campaign, ideas, voters, chosen)
    return Response(text, media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="campaign-{campaign_id}.pb"'})
