"""Participants' pages: open campaigns and a search across them, a campaign with its ideas and
live tally, an idea, submitting, revising, voting, flagging, and "my ideas / my votes"."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from schemas.common import Sector
from schemas.ideas import FlagReason
from services.web.api import Api
from services.web.errors import sentence
from services.web.forms import missing, refused, vote_outcome
from services.web.i18n import translate
from services.web.initiatives import named
from services.web.render import back, page, problem, unavailable
from services.web.session import (
    LANG,
    LANGUAGES,
    Visit,
    forget_receipt,
    form,
    keep_receipt,
    kept_receipt,
    secure,
    visit,
)

router = APIRouter(include_in_schema=False)

ACTIVE = ("counted", "pending", "held")  # a vote that uses budget and can be withdrawn
SORTS = ("support", "newest")  # the campaign page's orders, the API's `sort`; the first is default
PAGE_SIZE = 20  # ideas per campaign page; "More" shows the next ones
SEARCH_SIZE = 500  # ideas a search on the campaign page looks through
MAX_LOOKUPS = 100  # ideas looked up one by one for the titles of a person's votes
SEARCH_CAMPAIGNS = 50  # campaigns a search across campaigns looks through
IDEA_FIELDS = {"title": "title", "body": "body", "tags": "tags"}
FLAG_FIELDS = {"reason": "flag_reason", "note": "flag_note"}


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
    if (refused_ := signed_in(request, v, *roles)) is not None:
        return refused_
    return v, f


def tags_of(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()][:10]


def matches(idea: dict[str, Any], q: str, tag: str = "") -> bool:
    if tag and tag.casefold() not in (t.casefold() for t in idea.get("tags", [])):
        return False
    text = " ".join([idea["title"], idea["body"], *idea.get("tags", [])]).casefold()
    return all(word in text for word in q.casefold().split())


def active_votes(mine: dict[str, Any]) -> dict[str, int]:
    """idea id -> the value (1 for, -1 against) of the person's active vote on it."""
    return {str(m["idea_id"]): int(m.get("value") or 1) for m in mine["votes"]
            if m.get("kind", "cast") == "cast" and m["state"] in ACTIVE}


def audience(c: dict[str, Any]) -> list[str] | None:
    """The sectors a campaign is limited to, or None when everyone may take part."""
    sectors = list(c.get("audience") or [])
    return None if set(sectors) >= {s.value for s in Sector} else sectors


def may_take_part(v: Visit, c: dict[str, Any]) -> bool:
    limited = audience(c)
    if limited is None or v.principal is None:
        return True
    sector = v.principal.sector
    return sector is not None and sector.value in limited


def reason_text(reason: str | None, lang: str) -> str:
    """A vote's or refusal's reason code (maybe followed by details) in words."""
    if not reason:
        return ""
    code = reason.split(":", 1)[0].strip()
    return sentence(code, lang) if code.replace("_", "").isalpha() else reason


@router.get("/")
async def campaigns(request: Request, q: str = "", tag: str = "") -> Response:
    v = visit(request)
    api = Api(request, v.token)
    r = await api.get("/campaigns", limit=200)
    if not r.ok:
        return unavailable(request, v, r)
    q, tag = q.strip()[:200], tag.strip()[:60]
    found: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    tags: set[str] = set()
    if q or tag:
        for c in r.body[:SEARCH_CAMPAIGNS]:
            ideas = await api.get(f"/campaigns/{c['campaign_id']}/ideas", sort="support",
                                  limit=SEARCH_SIZE)
            listed = ideas.body["ideas"] if ideas.ok else []
            tags |= {t for i in listed for t in i.get("tags", [])}
            hits = [i for i in listed if matches(i, q, tag)]
            if hits:
                found.append((c, hits))
    return page(request, v, "campaigns.html", campaigns=r.body, q=q, tag=tag, found=found,
                searched=bool(q or tag), tags=sorted(tags, key=str.casefold),
                limited=audience)


async def campaign_page(request: Request, v: Visit, campaign_id: uuid.UUID, *,
                        sort: str = "support", q: str = "", tag: str = "",
                        after: str | None = None, status: int = 200,
                        wait: uuid.UUID | None = None, **form_state: Any) -> Response:
    api = Api(request, v.token)
    c = await api.get(f"/campaigns/{campaign_id}", wait_for=wait if v.token else None)
    if not c.ok:
        return unavailable(request, v, c)
    sort = sort if sort in SORTS else SORTS[0]
    q, tag = q.strip()[:200], tag.strip()[:60]
    searching = bool(q or tag)
    # a search looks through the first SEARCH_SIZE ideas in the order chosen
    ideas = await api.get(f"/campaigns/{campaign_id}/ideas", sort=sort, after=after,
                          limit=SEARCH_SIZE if searching else PAGE_SIZE)
    if not ideas.ok and ideas.code == "invalid_cursor":  # a "More" link someone changed
        return unavailable(request, v, ideas)
    listed: list[dict[str, Any]] = ideas.body["ideas"] if ideas.ok else []
    items = [i for i in listed if matches(i, q, tag)] if searching else listed
    more = None
    if ideas.ok and ideas.body["next"] and not searching:
        more = f"/c/{campaign_id}?{urlencode({'sort': sort, 'after': ideas.body['next']})}"
    mine = None
    titles = {str(i["idea_id"]): i["title"] for i in listed}
    if v.has("participant"):
        mv = await api.get("/me/votes", campaign=campaign_id)
        mine = mv.body if mv.ok else None
        if mine:
            titles |= await vote_titles(api, mine, titles)
    receipt = kept_receipt(request, v, str(campaign_id))
    if receipt is not None and receipt["idea_id"] not in titles:
        titles |= await vote_titles(api, {"votes": [receipt]}, titles)
    response = page(request, v, "campaign.html", status=status, c=c.body, ideas=items,
                    sort=sort, q=q, tag=tag, mine=mine, voted=active_votes(mine) if mine else {},
                    titles=titles, more=more, first_page=after is None,
                    comment_total=ideas.body.get("comments", 0) if ideas.ok else 0,
                    limited=audience(c.body), allowed=may_take_part(v, c.body),
                    reason_text=lambda r: reason_text(r, v.lang), receipt=receipt,
                    **form_state)
    return forget_receipt(response) if receipt is not None else response


@router.get("/c/{campaign_id}")
async def campaign(request: Request, campaign_id: uuid.UUID, sort: str = "support",
                   q: str = "", tag: str = "", after: str | None = None,
                   wait: uuid.UUID | None = None) -> Response:
    return await campaign_page(request, visit(request), campaign_id, sort=sort, q=q, tag=tag,
                               after=after, wait=wait)


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
    values = {k: f.get(k, "") for k in IDEA_FIELDS}
    if (empty := missing(v.lang, {"title": "title", "body": "body"}, values)) is not None:
        return await campaign_page(request, v, campaign_id, status=422, **empty)
    r = await Api(request, v.token).post(f"/campaigns/{campaign_id}/ideas", {
        "title": values["title"], "body": values["body"], "tags": tags_of(values["tags"])})
    if not r.ok:
        return await campaign_page(request, v, campaign_id, status=r.status,
                                   **refused(r, v.lang, IDEA_FIELDS, values,
                                             summary_field="title"))
    return back(request, v, f"/i/{r.body['idea_id']}?wait={r.body['event_id']}", ok="idea_received")


async def idea_page(request: Request, v: Visit, idea_id: uuid.UUID, *,
                    wait: uuid.UUID | None = None, merged_from: uuid.UUID | None = None,
                    status: int = 200, **form_state: Any) -> Response:
    api = Api(request, v.token)
    r = await api.get(f"/ideas/{idea_id}", wait_for=wait)
    if not r.ok:
        detail = r.body.get("detail") if isinstance(r.body, dict) else None
        target = detail.get("merged_into") if isinstance(detail, dict) else None
        if r.status == 404 and target:
            # a link to an idea merged into another leads on to it
            return RedirectResponse(f"/i/{uuid.UUID(target)}?merged_from={idea_id}",
                                    status_code=303)
        return unavailable(request, v, r)
    history = await api.get(f"/ideas/{idea_id}/history")
    own = v.principal is not None and v.principal.sub == r.body["author"]
    c = await api.get(f"/campaigns/{r.body['campaign_id']}")
    comments = await api.get(f"/ideas/{idea_id}/comments")
    allowed = may_take_part(v, c.body) if c.ok else False
    can_comment = (v.has("participant") and allowed and r.body["status"] == "published"
                   and c.ok and c.body["phase"] == "open")
    answer = r.body.get("answer") or {}
    into = (await named(api, v, str(idea_id), str(answer["initiative_id"]))
            if answer.get("initiative_id") else None)
    return page(request, v, "idea.html", status=status, idea=r.body, own=own, into=into,
                comments=comments.body if comments.ok else [], can_comment=can_comment,
                history=history.body if history.ok else [], merged_from=merged_from,
                campaign=c.body if c.ok else None,
                allowed=may_take_part(v, c.body) if c.ok else False,
                flag_reasons=[f.value for f in FlagReason], **form_state)


@router.get("/i/{idea_id}")
async def idea(request: Request, idea_id: uuid.UUID, wait: uuid.UUID | None = None,
               merged_from: uuid.UUID | None = None) -> Response:
    return await idea_page(request, visit(request), idea_id, wait=wait, merged_from=merged_from)


@router.post("/i/{idea_id}/revise")
async def revise(request: Request, idea_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    values = {k: f.get(k, "") for k in IDEA_FIELDS}
    if (empty := missing(v.lang, {"title": "title", "body": "body"}, values)) is not None:
        return await idea_page(request, v, idea_id, status=422, **empty)
    r = await Api(request, v.token).post(f"/ideas/{idea_id}/revisions", {
        "title": values["title"], "body": values["body"], "tags": tags_of(values["tags"])})
    if not r.ok:
        return await idea_page(request, v, idea_id, status=r.status, **refused(
            r, v.lang, IDEA_FIELDS, values, summary_field="title"))
    return back(request, v, f"/i/{idea_id}?wait={r.body['event_id']}", ok="revised")


@router.post("/i/{idea_id}/flag")
async def flag(request: Request, idea_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    values = {"reason": f.get("reason", ""), "note": f.get("note", "")}
    body: dict[str, Any] = {"reason": values["reason"]}
    if values["note"].strip():
        body["note"] = values["note"]
    r = await Api(request, v.token).post(f"/ideas/{idea_id}/flags", body)
    if not r.ok:
        return await idea_page(request, v, idea_id, status=r.status, **refused(
            r, v.lang, FLAG_FIELDS, values, summary_field="reason"))
    return back(request, v, f"/i/{idea_id}", ok="flagged")


async def _vote(request: Request, idea_id: uuid.UUID, withdraw: bool) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    api = Api(request, v.token)
    found = await api.get(f"/ideas/{idea_id}")
    if not found.ok:
        return unavailable(request, v, found)
    campaign_id = str(found.body["campaign_id"])
    to = f"/c/{campaign_id}#idea-{idea_id}"
    if withdraw:
        r = await api.delete(f"/ideas/{idea_id}/votes")
    else:
        r = await api.post(f"/ideas/{idea_id}/votes", {"value": -1 if f.get("value") == "-1" else 1})
    if not r.ok:
        return back(request, v, to, error=sentence(r.code or "error", v.lang))
    receipt = r.body.get("receipt")
    if isinstance(receipt, dict):
        to = f"/c/{campaign_id}"  # the outcome on top, the receipt to keep below it
    response = await _outcome(request, v, api, campaign_id, str(r.body["event_id"]), to,
                              withdraw)
    if isinstance(receipt, dict):
        keep_receipt(request, response, v, campaign_id, str(idea_id),
                     "withdraw" if withdraw else "cast", receipt)
    return response


async def _outcome(request: Request, v: Visit, api: Api, campaign_id: str, event_id: str,
                   to: str, withdraw: bool) -> Response:
    """Back to the campaign, saying what became of the vote: never "done" for one that is not
    counted."""
    outcome = await vote_outcome(api, campaign_id, event_id)
    if withdraw:
        if outcome is not None and outcome["state"] == "applied":
            return back(request, v, to, ok="unvote_done")
        if outcome is not None and outcome["state"] == "refused":
            return back(request, v, to, error=reason_text(outcome.get("reason"), v.lang))
        return back(request, v, to, info="unvote_received")
    if outcome is None or outcome["state"] == "pending":
        return back(request, v, to, info="vote_pending")
    if outcome["state"] == "counted":
        return back(request, v, to, ok="vote_counted")
    if outcome["state"] == "held":
        return back(request, v, to, info="vote_held")
    why = reason_text(outcome.get("reason"), v.lang)
    return back(request, v, to, error=translate("vote_refused", v.lang) % why)


@router.post("/i/{idea_id}/vote")
async def vote(request: Request, idea_id: uuid.UUID) -> Response:
    return await _vote(request, idea_id, withdraw=False)


@router.post("/i/{idea_id}/unvote")
async def unvote(request: Request, idea_id: uuid.UUID) -> Response:
    return await _vote(request, idea_id, withdraw=True)


@router.get("/lang/{code}")
async def language(request: Request, code: str, next: str = "/") -> Response:
    response = RedirectResponse(local(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG, code, max_age=365 * 86400, samesite="lax",
                            secure=secure(request), httponly=True, path="/")
    return response
