""""Hvor er min idé nu?": one idea's journey as a vertical timeline, from the reporting service's
`GET /ideas/{id}/journey` (what the API shows the signed-in person, and no more)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api
from services.web.render import page, unavailable
from services.web.session import visit

router = APIRouter(include_in_schema=False)


def scenario(sc: dict[str, Any]) -> dict[str, Any]:
    """A count under other rules as the results page names it (`wi_*` words)."""
    kind, _, sector = str(sc["variation"]).partition(":")
    return {**sc, "rule_key": str(sc["rule"]).replace(" ", "_"), "variation_key": kind,
            "sector": sector}


@router.get("/i/{idea_id}/rejse")
async def journey(request: Request, idea_id: uuid.UUID) -> Response:
    v = visit(request)
    r = await Api(request, v.token).get(f"/ideas/{idea_id}/journey")
    if not r.ok:
        return unavailable(request, v, r)
    body: dict[str, Any] = r.body
    for step in body["steps"]:
        if step["kind"] == "selection":
            step["funded_in"] = [scenario(sc) for sc in step["funded_in"]]
    initiatives = {i["initiative_id"]: i for i in body["initiatives"]}
    peak = max((d["total"] for d in body["votes"]["by_day"]), default=0)
    return page(request, v, "journey.html", j=body, initiatives=initiatives, peak=peak)
