"""A participant's own pages: my ideas and votes, my profile (the name shown and whether to show
it), my data as a readable page and as a JSON download, and erasure."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemas.common import Sector
from services.web.api import Api
from services.web.forms import missing, refused
from services.web.i18n import readable
from services.web.pages import posted, reason_text, signed_in, vote_titles
from services.web.render import back, page, unavailable
from services.web.session import Visit, visit

router = APIRouter(include_in_schema=False)

PROFILE_FIELDS = {"display_name": "display_name", "email": "email",
                  "organisation": "organisation", "sector": "sector"}


@router.get("/my")
async def mine(request: Request) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "participant")) is not None:
        return refused_
    api = Api(request, v.token)
    ideas = await api.get("/me/ideas", limit=500)
    if not ideas.ok:
        return unavailable(request, v, ideas)
    titles = {str(i["idea_id"]): i["title"] for i in ideas.body}
    listed = await api.get("/campaigns", limit=200)
    votes = []
    receipts: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for c in listed.body if listed.ok else []:
        mv = await api.get("/me/votes", campaign=c["campaign_id"])
        if mv.ok and mv.body["votes"]:
            titles |= await vote_titles(api, mv.body, titles)
            votes.append((c, mv.body))
            kept = await api.get("/me/receipts", campaign=c["campaign_id"])
            if kept.ok and kept.body["receipts"]:
                receipts.append((c, kept.body["receipts"]))
    return page(request, v, "my.html", ideas=ideas.body, votes=votes, titles=titles,
                receipts=receipts, reason_text=lambda r: reason_text(r, v.lang))


async def profile_page(request: Request, v: Visit, *, status: int = 200,
                       **form_state: Any) -> Response:
    r = await Api(request, v.token).get("/me/profile")
    current: dict[str, Any] = r.body if r.ok and isinstance(r.body, dict) else {}
    if "values" not in form_state:
        form_state["values"] = {
            "display_name": current.get("display_name") or "",
            "email": current.get("email") or "", "organisation": current.get("organisation") or "",
            "sector": current.get("sector") or "",
            "show_name": "yes" if current.get("show_name") else ""}
    return page(request, v, "profile.html", status=status,
                sectors=[s.value for s in Sector], **form_state)


@router.get("/my/profile")
async def profile(request: Request) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v)) is not None:
        return refused_
    return await profile_page(request, v)


@router.post("/my/profile")
async def save_profile(request: Request) -> Response:
    if isinstance(got := await posted(request), Response):
        return got
    v, f = got
    values = {k: f.get(k, "").strip() for k in (*PROFILE_FIELDS, "show_name")}
    if (empty := missing(v.lang, {"display_name": "display_name"}, values)) is not None:
        return await profile_page(request, v, status=422, **empty)
    body: dict[str, Any] = {"display_name": values["display_name"],
                            "show_name": values["show_name"] == "yes"}
    for k in ("email", "organisation", "sector"):
        if values[k]:
            body[k] = values[k]
    r = await Api(request, v.token).put("/me/profile", body)
    if not r.ok:
        return await profile_page(request, v, status=r.status, **refused(
            r, v.lang, PROFILE_FIELDS, values, summary_field="display_name"))
    return back(request, v, "/my/profile", ok="profile_saved")


@router.get("/my/data")
async def my_data(request: Request) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v)) is not None:
        return refused_
    r = await Api(request, v.token).get("/me/data")
    if not r.ok:
        return unavailable(request, v, r)
    return page(request, v, "data.html", data=readable(r.body, v.lang))


@router.get("/my/data.json")
async def my_data_file(request: Request) -> Response:
    """Everything held about the person, as one JSON file in UTF-8 (letters, not escapes)."""
    v = visit(request)
    if (refused_ := signed_in(request, v)) is not None:
        return refused_
    r = await Api(request, v.token).get("/me/data")
    if not r.ok:
        return unavailable(request, v, r)
    text = json.dumps(r.body, ensure_ascii=False, indent=2) + "\n"
    return Response(text.encode("utf-8"), media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="mine-data.json"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.post("/my/erase")
async def erase(request: Request) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    if f.get("confirm") != "yes":
        return back(request, v, "/my/data#erase-h")
    r = await Api(request, v.token).delete("/me")
    return back(request, v, "/my/data#erase-h", ok="erase_requested", reply=r, route="DELETE /me")
