"""HTTP routes of the selection rules: which published ideas a budget funds, and the campaign
written back as a Pabulib file.

`GET /campaigns/{id}/selection` is public like the ranking: it shows only published ideas, by
their approved titles, and counts only votes on them. `GET /campaigns/{id}/export.pb` is for
staff (moderator or admin): it holds every ballot, under pseudonymous voter ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.infra.http import ApiError, Context, Moderator, not_found
from services.infra.settings import DEV_JWT_SECRET
from services.voting import queries
from services.voting.domain import pabulib_export, selection
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


@router.get("/campaigns/{campaign_id}/selection", responses=_ERRORS)
async def campaign_selection(
    campaign_id: uuid.UUID, ctx: Context,
    rule: Annotated[str, Query(description="greedy or equal-shares")] = "greedy",
    budget: Annotated[int | None, Query(
        description="currency units; default: the campaign's budget")] = None,
    min_votes: Annotated[int | None, Query(
        description="fewest votes an idea needs to be funded; default: the campaign's")] = None,
) -> dict[str, Any]:
    """The published ideas a budget funds under a rule, their cost, and the share of voters with
    at least one supported idea funded."""
    _rule(rule)
    if budget is not None and budget < 0:
        raise ApiError(422, "negative_budget", f"budget must be 0 or more, not {budget}")
    if min_votes is not None and min_votes < 0:
        raise ApiError(422, "negative_min_votes", f"min_votes must be 0 or more, not {min_votes}")
    campaign, ideas, ballots = await _inputs(ctx, campaign_id)
    budget = campaign["budget"] if budget is None else budget
    if budget is None:
        raise ApiError(422, "budget_required",
                       f"campaign {campaign_id} has no budget: pass ?budget=")
    threshold = campaign["min_votes_to_fund"] or 0 if min_votes is None else min_votes
    by_id = {str(i["idea_id"]): i for i in ideas}
    tally = {k: i["supports"] for k, i in by_id.items()}
    costs = {k: i["cost"] for k, i in by_id.items() if i["cost"] is not None}
    votes = [b[1:] for b in ballots]
    outcome = await _decide(rule, tally, costs, votes, budget, threshold)
    return {
        "campaign_id": campaign_id, "rule": rule, "budget": budget, "min_votes": threshold,
        "selected": [{"idea_id": k, "title": by_id[k]["title"], "votes": by_id[k]["supports"],
                      "cost": by_id[k]["cost"]} for k in outcome.selected],
        "total_cost": outcome.cost,
        "voters": outcome.voters, "funded_voters": outcome.funded_voters,
        "funded_voters_share": (outcome.funded_voters / outcome.voters
                                if outcome.voters else None),
        "without_cost": sorted(k for k, i in by_id.items() if i["cost"] is None),
    }


# Equal shares takes about half a minute on Warsaw's 61,668 ballots (bench/selection.py), so
# an answer is kept for the same inputs: the same votes, costs and statuses answer at once.
_ANSWERS: OrderedDict[str, selection.Outcome] = OrderedDict()
_KEEP = 32


async def _decide(rule: str, tally: dict[str, int], costs: dict[str, int],
                  votes: list[list[str]], budget: int, threshold: int) -> selection.Outcome:
    key = hashlib.sha256(repr((rule, budget, threshold, sorted(tally.items()),
                               sorted(costs.items()), votes)).encode()).hexdigest()
    if (known := _ANSWERS.get(key)) is not None:
        _ANSWERS.move_to_end(key)
        return known
    # pure computation: off the event loop, so other requests are still served meanwhile
    outcome = await asyncio.to_thread(selection.decide, rule, tally, costs, votes, budget,
                                      threshold=threshold)
    _ANSWERS[key] = outcome
    while len(_ANSWERS) > _KEEP:
        _ANSWERS.popitem(last=False)
    return outcome


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
