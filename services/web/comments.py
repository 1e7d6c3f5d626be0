"""Comments on the idea page (write, reply, flag, delete) and the moderators' comment console."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api
from services.web.forms import missing
from services.web.i18n import translate
from services.web.pages import idea_page, posted, signed_in
from services.web.render import back, page, unavailable
from services.web.session import visit

router = APIRouter(include_in_schema=False)


@router.post("/i/{idea_id}/comments")
async def write(request: Request, idea_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    text = f.get("body", f.get("comment-body", ""))
    parent = f.get("parent_id") or None
    if parent is None and (empty := missing(v.lang, {"comment-body": "comment_body"},
                                            {"comment-body": text})) is not None:
        return await idea_page(request, v, idea_id, status=422, **empty)
    if not text.strip():
        return back(request, v, f"/i/{idea_id}#comment-{parent}",
                    error=translate("comment_body_missing", v.lang))
    body: dict[str, Any] = {"body": text, "parent_id": parent}
    r = await Api(request, v.token).post(f"/ideas/{idea_id}/comments", body)
    if not r.ok:
        return back(request, v, f"/i/{idea_id}#comments", reply=r)
    return back(request, v, f"/i/{idea_id}?wait={r.body['event_id']}#comment-{r.body['comment_id']}",
                ok="comment_received")


@router.post("/i/{idea_id}/comments/{comment_id}/flag")
async def flag(request: Request, idea_id: uuid.UUID, comment_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    r = await Api(request, v.token).post(f"/comments/{comment_id}/flags",
                                         {"reason": f.get("reason", "")})
    if not r.ok:
        return back(request, v, f"/i/{idea_id}#comment-{comment_id}", reply=r)
    return back(request, v, f"/i/{idea_id}?wait={r.body['event_id']}#comments",
                ok="comment_flagged")


@router.post("/i/{idea_id}/comments/{comment_id}/delete")
async def delete(request: Request, idea_id: uuid.UUID, comment_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, _ = got
    r = await Api(request, v.token).delete(f"/comments/{comment_id}")
    if not r.ok:
        return back(request, v, f"/i/{idea_id}#comment-{comment_id}", reply=r)
    return back(request, v, f"/i/{idea_id}?wait={r.body['event_id']}#comments",
                ok="comment_deleted")


@router.get("/staff/comments")
async def queue(request: Request, wait: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "moderator")) is not None:
        return refused_
    r = await Api(request, v.token).get("/moderation/comments", wait_for=wait)
    if not r.ok:
        return unavailable(request, v, r)
    return page(request, v, "staff/comments.html", items=r.body)


@router.post("/staff/comments/{comment_id}/decisions")
async def decide(request: Request, comment_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "moderator"), Response):
        return got
    v, f = got
    r = await Api(request, v.token).post(
        f"/moderation/comments/{comment_id}/decisions",
        {"decision": f.get("decision", ""), "reason": f.get("reason", "")})
    if not r.ok:
        return back(request, v, f"/staff/comments#comment-{comment_id}", reply=r)
    return back(request, v, f"/staff/comments?wait={r.body['event_id']}", ok="comment_decided")
