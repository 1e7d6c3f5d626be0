"""A closed campaign's results: the winners under its rule, the statistics, what became of the
ideas the action plan adopted (for those who may read the plan), and a link to share."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api
from services.web.render import page, unavailable
from services.web.session import visit

router = APIRouter(include_in_schema=False)

WINNERS = 3  # without a budget, the campaign's rule is most support: the first three win


@router.get("/c/{campaign_id}/results")
async def results(request: Request, campaign_id: uuid.UUID) -> Response:
    v = visit(request)
    api = Api(request, v.token)
    c = await api.get(f"/campaigns/{campaign_id}")
    if not c.ok:
        return unavailable(request, v, c)
    ranking = await api.get(f"/campaigns/{campaign_id}/ranking")
    if not ranking.ok:
        return unavailable(request, v, ranking)
    ranked: list[dict[str, Any]] = ranking.body["ranking"]
    selection = await api.get(f"/campaigns/{campaign_id}/selection")
    if selection.ok:  # a participatory budget: what the budget funds under the greedy rule
        chosen = {str(s["idea_id"]) for s in selection.body["selected"]}
        winners = [r for r in ranked if str(r["idea_id"]) in chosen]
    else:
        winners = [r for r in ranked[:WINNERS] if r["supports"] > 0]
    participation = await api.get(f"/campaigns/{campaign_id}/participation")
    sectors = participation.body["per_sector"] if participation.ok else []
    adopted = await adoptions(api, {str(r["idea_id"]) for r in ranked}, c.body) \
        if v.has("planner", "steering") else None
    share = str(request.url.replace(query="", fragment=""))
    return page(request, v, "results.html", c=c.body, ranked=ranked, winners=winners,
                budget=selection.body if selection.ok else None, sectors=sectors,
                votes=sum(r["supports"] + r["opposes"] for r in ranked),
                voters=sum(s["voters"] for s in sectors), adopted=adopted, share=share)


async def adoptions(api: Api, idea_ids: set[str], c: dict[str, Any]
                    ) -> list[dict[str, Any]]:
    """The campaign's ideas adopted into an initiative of the action plan of the year the
    campaign closed or the next, with the initiative's progress."""
    year = datetime.fromisoformat(str(c["closes_at"])).year
    found = []
    for y in (year, year + 1):
        plan = await api.get(f"/plans/{y}")
        if not plan.ok:
            continue
        for track in plan.body.get("tracks", []):
            for ini in track.get("initiatives", []):
                detail = await api.get(f"/plans/{y}/initiatives/{ini['initiative_id']}")
                if not detail.ok:
                    continue
                for idea in detail.body.get("ideas", []):
                    if str(idea["idea_id"]) in idea_ids:
                        found.append({**idea, "year": y, "initiative": ini})
    return found
