"""Staff pages: the moderation queue and its decisions, held votes, the moderation log, the
action plan with its change feed, and the steering group's reports."""

from __future__ import annotations

import difflib
import uuid
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api
from services.web.pages import posted, signed_in
from services.web.render import back, page, unavailable
from services.web.session import visit

router = APIRouter(prefix="/staff", include_in_schema=False)

REPORT_FORMATS = ("pdf", "html", "md", "json")


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """Lines of two revisions as (mark, text): '+' added, '-' removed, ' ' kept."""
    a = [old["title"], "", *old["body"].splitlines()]
    b = [new["title"], "", *new["body"].splitlines()]
    return [(line[0], line[2:]) for line in difflib.ndiff(a, b) if line[:1] in "+- "]


@router.get("/")
async def home(request: Request) -> Response:
    v = visit(request)
    if (refused := signed_in(request, v, "moderator", "planner", "steering")) is not None:
        return refused
    return page(request, v, "staff/home.html")


@router.get("/moderation")
async def queue(request: Request, campaign: uuid.UUID | None = None,
                wait: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused := signed_in(request, v, "moderator")) is not None:
        return refused
    api = Api(request, v.token)
    r = await api.get("/moderation/queue", campaign_id=campaign, wait_for=wait)
    if not r.ok:
        return unavailable(request, v, r)
    others: dict[str, dict[str, Any]] = {}
    diffs: dict[str, list[tuple[str, str]]] = {}
    for group in r.body:
        for item in group["ideas"]:
            for hint in item["similar"]:
                key = str(hint["idea_id"])
                if key not in others:
                    found = await api.get(f"/ideas/{key}")
                    others[key] = found.body if found.ok else {"title": hint["title"], "body": ""}
            if item.get("kind") == "revision" and item.get("published"):
                # a revision waiting for a decision: shown against what is public now
                diffs[f"{item['idea_id']}-{item['revision']}"] = diff(item["published"], item)
                continue
            history = await api.get(f"/ideas/{item['idea_id']}/history")
            if history.ok and len(history.body) > 1:
                diffs[str(item["idea_id"])] = diff(history.body[-2], history.body[-1])
    return page(request, v, "staff/moderation.html", groups=r.body, others=others, diffs=diffs,
                campaign=campaign)


@router.post("/moderation/decisions")
async def decide(request: Request) -> Response:
    if isinstance(got := await posted(request, "moderator"), Response):
        return got
    v, f = got
    body: dict[str, Any] = {"idea_id": f.get("idea_id", ""), "decision": f.get("decision", ""),
                            "reason": f.get("reason", "")}
    if body["decision"] == "merge":
        body["merge_into"] = f.get("merge_into") or None
    if f.get("revision"):
        body["revision"] = f.get("revision")
    r = await Api(request, v.token).post("/moderation/decisions", body)
    to = "/staff/moderation" + (f"?wait={r.body['event_id']}" if r.ok else "")
    return back(request, v, to, ok="decided", reply=r, route="POST /moderation/decisions")


@router.get("/votes")
async def held_votes(request: Request) -> Response:
    v = visit(request)
    if (refused := signed_in(request, v, "moderator")) is not None:
        return refused
    r = await Api(request, v.token).get("/moderation/votes")
    if not r.ok and not r.missing:
        return unavailable(request, v, r)
    return page(request, v, "staff/votes.html", held=r)


@router.post("/votes/decisions")
async def decide_vote(request: Request) -> Response:
    if isinstance(got := await posted(request, "moderator"), Response):
        return got
    v, f = got
    r = await Api(request, v.token).post("/moderation/votes/decisions", {
        "event_id": f.get("event_id", ""), "decision": f.get("decision", ""),
        "reason": f.get("reason", "")})
    return back(request, v, "/staff/votes", ok="decided", reply=r,
                route="POST /moderation/votes/decisions")


@router.get("/log")
async def log(request: Request, campaign: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused := signed_in(request, v, "moderator")) is not None:
        return refused
    r = await Api(request, v.token).get("/moderation/log", campaign_id=campaign, limit=200)
    if not r.ok:
        return unavailable(request, v, r)
    return page(request, v, "staff/log.html", entries=r.body)


@router.get("/plan")
async def plan(request: Request, year: int | None = None, as_of: date | None = None,
               start: date | None = None, end: date | None = None) -> Response:
    v = visit(request)
    if (refused := signed_in(request, v, "planner", "steering")) is not None:
        return refused
    api = Api(request, v.token)
    plans = await api.get("/plans", as_of=as_of)
    if not plans.ok:
        return unavailable(request, v, plans)
    years = [p["year"] for p in plans.body]
    year = year if year is not None else (max(years) if years else date.today().year)
    view = await api.get(f"/plans/{year}", as_of=as_of)
    end = end or as_of or date.today()
    start = start or end - timedelta(days=90)
    changes = await api.get(f"/plans/{year}/changes", **{"from": start, "to": end})
    return page(request, v, "staff/plan.html", plans=plans.body, year=year, as_of=as_of,
                view=view.body if view.ok else None, view_error=None if view.ok else view.message,
                changes=changes.body if changes.ok else [],
                changes_error=None if changes.ok else changes.message, start=start, end=end)


@router.get("/reports")
async def reports(request: Request) -> Response:
    v = visit(request)
    if (refused := signed_in(request, v, "steering")) is not None:
        return refused
    r = await Api(request, v.token).get("/reports")
    if not r.ok:
        return unavailable(request, v, r)
    return page(request, v, "staff/reports.html", reports=r.body["reports"],
                formats=REPORT_FORMATS)


@router.get("/reports/{report_id}.{fmt}")
async def download(request: Request, report_id: uuid.UUID, fmt: str,
                   lang: str = "da") -> Response:
    """A report file from the API, as a download named by quarter, language and format."""
    v = visit(request)
    if (refused := signed_in(request, v, "steering")) is not None:
        return refused
    r = await Api(request, v.token).get(f"/reports/{report_id}.{fmt}", lang=lang)
    if not r.ok:
        return unavailable(request, v, r)
    name = f"report-{report_id}-{lang}.{fmt}"
    return Response(r.content, media_type=r.headers.get("content-type"), headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})
