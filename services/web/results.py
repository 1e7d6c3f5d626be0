"""A closed campaign's results: the winners under its rule, the statistics, for a budget which
ideas win under every rule and which depend on the choice (the voting service's what-if), what
became of the ideas the action plan adopted (for those who may read the plan), and a link to
share."""

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
    # a participatory budget: what the budget funds under the greedy rule, once the voting
    # service has computed it (202 while it computes: no winners are named meanwhile)
    computed, computing = selection.status == 200, selection.status == 202
    if computed:
        chosen = {str(s["idea_id"]) for s in selection.body["selected"]}
        winners = [r for r in ranked if str(r["idea_id"]) in chosen]
    elif computing:
        winners = []
    else:
        winners = [r for r in ranked[:WINNERS] if r["supports"] > 0]
    stability = await what_if(api, campaign_id) \
        if (computed or computing) and c.body.get("phase") == "closed" else None
    participation = await api.get(f"/campaigns/{campaign_id}/participation")
    sectors = participation.body["per_sector"] if participation.ok else []
    adopted = await adoptions(api, {str(r["idea_id"]) for r in ranked}, c.body) \
        if v.has("planner", "steering") else None
    share = str(request.url.replace(query="", fragment=""))
    return page(request, v, "results.html", c=c.body, ranked=ranked, winners=winners,
                budget=selection.body if computed else None, selection_pending=computing,
                sectors=sectors,
                votes=sum(r["supports"] + r["opposes"] for r in ranked),
                voters=sum(s["voters"] for s in sectors), adopted=adopted, share=share,
                stability=stability)


async def what_if(api: Api, campaign_id: uuid.UUID) -> dict[str, Any] | None:
    """The closed campaign's replay under other rules as the page shows it (`stability`), or
    `{"pending": True}` while the voting service computes it; None when there is none to show."""
    r = await api.get(f"/campaigns/{campaign_id}/what-if")
    if r.ok:
        return stability_table(r.body)
    if r.status == 409 and r.code == "what_if_pending":
        return {"pending": True}
    return None


def stability_table(body: dict[str, Any]) -> dict[str, Any]:
    """One row per idea funded under any scenario (those funded under every one first, then the
    closest to stable), with a mark per scenario; the scenarios with their figures. An idea
    that is not published is not named (`titles` has None for it)."""
    scenarios = body["scenarios"]
    names = [sc["name"] for sc in scenarios]
    where = {d["idea_id"]: set(d["funded_in"]) for d in body["depends"]}
    rows = [{"idea_id": i, "title": body["titles"].get(i), "stable": True,
             "funded": [True] * len(names), "count": len(names)} for i in body["stable"]]
    rows += [{"idea_id": d["idea_id"], "title": body["titles"].get(d["idea_id"]),
              "stable": False, "funded": [n in where[d["idea_id"]] for n in names],
              "count": len(where[d["idea_id"]])} for d in body["depends"]]
    return {"pending": False, "official": body["official"], "budget": body["budget"],
            "votes": body["votes"], "rows": rows, "skipped": sorted(body["skipped"]),
            "scenarios": [{**sc, "rule_key": sc["rule"].replace(" ", "_"),
                           "sector": sc["variation"].partition(":")[2],
                           "variation_key": sc["variation"].partition(":")[0]}
                          for sc in scenarios]}


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
