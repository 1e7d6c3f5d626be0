"""Participants' pages: open campaigns, a campaign with its ideas and live tally, an idea,
submitting, revising, voting, flagging, and "my ideas / my votes / my data"."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from schemas.ideas import FlagReason
from services.web.api import Api
from services.web.i18n import translate
from services.web.render import back, page, problem, unavailable
from services.web.session import LANG, LANGUAGES, Visit, form, secure, visit

router = APIRouter(include_in_schema=False)

ACTIVE = ("counted", "pending", "held")  # a vote that uses budget and can be withdrawn
SORTS = ("support", "newest")  # the campaign page's orders, the API's `sort`; the first is default
PAGE_SIZE = 20  # ideas per campaign page; "More" shows the next ones
SEARCH_SIZE = 500  # ideas a search on the campaign page looks through
MAX_LOOKUPS = 100  # ideas looked up one by one for the titles of a person's votes


def local(path: str | None, default: str = "/") -> str:
    """Only a path on this site: never an open redirect to another one."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


def signed_in(request: Request, v: Visit, *roles: str) -> Response | None:
    if v.principal is None:
        return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)
    if roles and not v.has(*roles):
        return problem(request, v, 403, translate("need_role", v.lang))
    return None


async def posted(request: Request, *roles: str) -> tuple[Visit, dict[str, str]] | Response:
    """What every form handler starts with: the visit and the posted form (its CSRF token and
    origin checked, a 403 saying why if not), then sign-in with one of `roles` (a redirect to
    sign in, or a 403 page). Returns the visit and the form's fields, or the response to send."""
    v = visit(request)
    f = await form(request)
    if (refused := signed_in(request, v, *roles)) is not None:
        return refused
    return v, f


def tags_of(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()][:10]


def matches(idea: dict[str, Any], q: str) -> bool:
    text = " ".join([idea["title"], idea["body"], *idea.get("tags", [])]).casefold()
    return all(word in text for word in q.casefold().split())


def active_votes(mine: dict[str, Any]) -> set[str]:
    return {str(m["idea_id"]) for m in mine["votes"]
            if m.get("kind", "cast") == "cast" and m["state"] in ACTIVE}


@router.get("/")
async def campaigns(request: Request) -> Response:
    v = visit(request)
    r = await Api(request, v.token).get("/campaigns", limit=200)
    if not r.ok:
        return unavailable(request, v, r)
    return page(request, v, "campaigns.html", campaigns=r.body)


@router.get("/c/{campaign_id}")
async def campaign(request: Request, campaign_id: uuid.UUID, sort: str = "support",
                   q: str = "", after: str | None = None) -> Response:
    v = visit(request)
    api = Api(request, v.token)
    c = await api.get(f"/campaigns/{campaign_id}")
    if not c.ok:
        return unavailable(request, v, c)
    sort = sort if sort in SORTS else SORTS[0]
    q = q.strip()[:200]
    # a search looks through the first SEARCH_SIZE ideas in the order chosen
    ideas = await api.get(f"/campaigns/{campaign_id}/ideas", sort=sort, after=after,
                          limit=SEARCH_SIZE if q else PAGE_SIZE)
    if not ideas.ok and ideas.code == "invalid_cursor":  # a "More" link someone changed
        return unavailable(request, v, ideas)
    listed: list[dict[str, Any]] = ideas.body["ideas"] if ideas.ok else []
    items = [i for i in listed if matches(i, q)] if q else listed
    more = None
    if ideas.ok and ideas.body["next"] and not q:
        more = f"/c/{campaign_id}?{urlencode({'sort': sort, 'after': ideas.body['next']})}"
    mine = None
    titles = {str(i["idea_id"]): i["title"] for i in listed}
    if v.has("participant"):
        mv = await api.get("/me/votes", campaign=campaign_id)
        mine = mv.body if mv.ok else None
        if mine:
            titles |= await vote_titles(api, mine, titles)
    return page(request, v, "campaign.html", c=c.body, ideas=items, sort=sort, q=q, mine=mine,
                voted=active_votes(mine) if mine else set(), titles=titles, more=more,
                first_page=after is None)


async def vote_titles(api: Api, mine: dict[str, Any], known: dict[str, str]) -> dict[str, str]:
    """Titles of the ideas a person voted on that are not listed on this page (as anyone may
    see them: an idea that is not public any more keeps its id)."""
    titles = {}
    for idea_id in sorted({str(m["idea_id"]) for m in mine["votes"]} - set(known))[:MAX_LOOKUPS]:
        r = await api.get(f"/ideas/{idea_id}")
        if r.ok:
            titles[idea_id] = r.body["title"]
    return titles


@router.post("/c/{campaign_id}/ideas")
async def submit(request: Request, campaign_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    r = await Api(request, v.token).post(f"/campaigns/{campaign_id}/ideas", {
        "title": f.get("title", ""), "body": f.get("body", ""), "tags": tags_of(f.get("tags", ""))})
    if not r.ok:
        return back(request, v, f"/c/{campaign_id}#submit-h", reply=r)
    return back(request, v, f"/i/{r.body['idea_id']}?wait={r.body['event_id']}", ok="idea_received")


@router.get("/i/{idea_id}")
async def idea(request: Request, idea_id: uuid.UUID, wait: uuid.UUID | None = None) -> Response:
    v = visit(request)
    api = Api(request, v.token)
    r = await api.get(f"/ideas/{idea_id}", wait_for=wait)
    if not r.ok:
        return unavailable(request, v, r)
    history = await api.get(f"/ideas/{idea_id}/history")
    own = v.principal is not None and v.principal.sub == r.body["author"]
    return page(request, v, "idea.html", idea=r.body, own=own,
                history=history.body if history.ok else [],
                flag_reasons=[f.value for f in FlagReason])


@router.post("/i/{idea_id}/revise")
async def revise(request: Request, idea_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    r = await Api(request, v.token).post(f"/ideas/{idea_id}/revisions", {
        "title": f.get("title", ""), "body": f.get("body", ""), "tags": tags_of(f.get("tags", ""))})
    if not r.ok:
        return back(request, v, f"/i/{idea_id}", reply=r)
    return back(request, v, f"/i/{idea_id}?wait={r.body['event_id']}", ok="revised")


@router.post("/i/{idea_id}/flag")
async def flag(request: Request, idea_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    body: dict[str, Any] = {"reason": f.get("reason", "")}
    if f.get("note", "").strip():
        body["note"] = f["note"]
    r = await Api(request, v.token).post(f"/ideas/{idea_id}/flags", body)
    return back(request, v, f"/i/{idea_id}", ok="flagged", reply=r)


async def _vote(request: Request, idea_id: uuid.UUID, withdraw: bool) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    api = Api(request, v.token)
    found = await api.get(f"/ideas/{idea_id}")
    if not found.ok:
        return unavailable(request, v, found)
    to = f"/c/{found.body['campaign_id']}#idea-{idea_id}"
    if withdraw:
        r = await api.delete(f"/ideas/{idea_id}/votes")
        return back(request, v, to, ok="unvote_received", reply=r)
    value = -1 if f.get("value") == "-1" else 1
    r = await api.post(f"/ideas/{idea_id}/votes", {"value": value})
    return back(request, v, to, ok="vote_received", reply=r)


@router.post("/i/{idea_id}/vote")
async def vote(request: Request, idea_id: uuid.UUID) -> Response:
    return await _vote(request, idea_id, withdraw=False)


@router.post("/i/{idea_id}/unvote")
async def unvote(request: Request, idea_id: uuid.UUID) -> Response:
    return await _vote(request, idea_id, withdraw=True)


@router.get("/my")
async def mine(request: Request) -> Response:
    v = visit(request)
    if (refused := signed_in(request, v, "participant")) is not None:
        return refused
    api = Api(request, v.token)
    ideas = await api.get("/me/ideas", limit=500)
    if not ideas.ok:
        return unavailable(request, v, ideas)
    titles = {str(i["idea_id"]): i["title"] for i in ideas.body}
    listed = await api.get("/campaigns", limit=200)
    votes = []
    for c in listed.body if listed.ok else []:
        mv = await api.get("/me/votes", campaign=c["campaign_id"])
        if mv.ok and mv.body["votes"]:
            titles |= await vote_titles(api, mv.body, titles)
            votes.append((c, mv.body))
    data = await api.get("/me/data")
    return page(request, v, "my.html", ideas=ideas.body, votes=votes, titles=titles, data=data)


@router.post("/my/erase")
async def erase(request: Request) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    if f.get("confirm") != "yes":
        return back(request, v, "/my#data-h")
    r = await Api(request, v.token).delete("/me")
    return back(request, v, "/my#data-h", ok="erase_requested", reply=r, route="DELETE /me")


@router.get("/lang/{code}")
async def language(request: Request, code: str, next: str = "/") -> Response:
    response = RedirectResponse(local(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG, code, max_age=365 * 86400, samesite="lax",
                            secure=secure(request), httponly=True, path="/")
    return response
