"""Following and notifications on the pages: the inbox (`/my/notifications`), the follow button of
an idea or a campaign, the e-mail choice on the profile page, the unsubscribe confirmation of an
e-mail's link, and the unread count in the header.

What the header and the buttons need is fetched for a page by `NotifyState` (an ASGI wrapper
around the gateway app, only for a signed-in browser's page request) through the API, and read by
the templates as `notify`; pages themselves are unchanged. `/staff/mail` lists what the embedded
SMTP sink received, in development.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from services.infra import mailsink
from services.infra.limits import IN_PROCESS
from services.web.api import Api
from services.web.i18n import translate
from services.web.pages import local, posted, signed_in
from services.web.render import back, page, problem, unavailable
from services.web.session import SESSION, form, visit

router = APIRouter(include_in_schema=False)

FREQUENCIES = ("immediately", "daily", "weekly", "never")
_FOLLOWABLE = re.compile(r"^/(i|c)/([0-9a-f-]{36})$")
_TARGETS = {"i": "ideas", "c": "campaigns"}


class NotifyState:
    """For a signed-in participant's page: the unread count, and on an idea's or a campaign's
    page whether they follow it, on the profile page their e-mail choice (`request.state.notify`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "GET" and not scope.get(IN_PROCESS)
                and _wants_page(scope)):
            request = Request(scope)
            if request.cookies.get(SESSION):
                state = await _state(request)
                if state is not None:
                    scope.setdefault("state", {})["notify"] = state
        await self.app(scope, receive, send)


def _wants_page(scope: Scope) -> bool:
    path: str = scope["path"]
    if path.startswith(("/static/", "/docs")):
        return False
    accept = dict(scope["headers"]).get(b"accept", b"")
    return b"text/html" in accept


async def _state(request: Request) -> dict[str, Any] | None:
    v = visit(request)
    if not v.has("participant"):
        return None
    api = Api(request, v.token)
    inbox = await api.get("/me/notifications", limit=1)
    if not inbox.ok:
        return None
    state: dict[str, Any] = {"unread": inbox.body["unread"]}
    followable = _FOLLOWABLE.match(request.url.path)
    if followable:
        follows = await api.get("/me/follows")
        if follows.ok:
            state["following"] = followable.group(2) in {f["target_id"] for f in follows.body}
            state["target"] = followable.group(1)
            state["target_id"] = followable.group(2)
    if request.url.path == "/my/profile":
        prefs = await api.get("/me/notification-preferences")
        if prefs.ok:
            state["email"] = prefs.body["email"]
    return state


@router.get("/my/notifications")
async def inbox(request: Request) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "participant")) is not None:
        return refused_
    r = await Api(request, v.token).get("/me/notifications", limit=200)
    if not r.ok:
        return unavailable(request, v, r)
    return page(request, v, "notifications.html", inbox=r.body)


@router.post("/my/notifications/read")
async def mark_read(request: Request) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    ids = [f["notification_id"]] if f.get("notification_id") else None
    r = await Api(request, v.token).post("/me/notifications/read", {"notification_ids": ids})
    return back(request, v, "/my/notifications", ok="notify_marked_read", reply=r,
                route="POST /me/notifications/read")


async def _follow(request: Request, short: str, target_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    api = Api(request, v.token)
    path = f"/{_TARGETS[short]}/{target_id}/follow"
    following = f.get("following") == "yes"
    r = await (api.put(path, {}) if following else api.delete(path))
    if r.ok:  # the button shows the new state when the page comes back
        await api.get("/me/follows", wait_for=r.body["event_id"])
    return back(request, v, local(f.get("next"), f"/{short}/{target_id}"),
                ok="notify_followed" if following else "notify_unfollowed", reply=r,
                route=f"PUT {path}")


@router.post("/i/{idea_id}/follow")
async def follow_idea(request: Request, idea_id: uuid.UUID) -> Response:
    return await _follow(request, "i", idea_id)


@router.post("/c/{campaign_id}/follow")
async def follow_campaign(request: Request, campaign_id: uuid.UUID) -> Response:
    return await _follow(request, "c", campaign_id)


@router.post("/my/notification-preferences")
async def save_preferences(request: Request) -> Response:
    if isinstance(got := await posted(request, "participant"), Response):
        return got
    v, f = got
    choice = f.get("email", "")
    if choice not in FREQUENCIES:
        return back(request, v, "/my/profile#notify-h", error=translate("notify_pick", v.lang))
    r = await Api(request, v.token).put("/me/notification-preferences",
                                        {"email": choice, "language": v.lang})
    if r.ok:
        await Api(request, v.token).get("/me/notification-preferences",
                                        wait_for=r.body["event_id"])
    return back(request, v, "/my/profile#notify-h", ok="notify_saved", reply=r,
                route="PUT /me/notification-preferences")


@router.get("/afmeld")
async def unsubscribe_page(request: Request, token: str = "") -> Response:
    """The link of an e-mail, opened in a browser: a button to confirm (a GET changes nothing)."""
    v = visit(request)
    if not token:
        return problem(request, v, 404, translate("notify_bad_link", v.lang))
    return page(request, v, "unsubscribe.html", token=token, done=False)


@router.post("/unsubscribe/confirm")
async def unsubscribe_confirm(request: Request) -> Response:
    v = visit(request)
    token = (await form(request)).get("token", "")
    r = await Api(request, None).call("POST", f"/unsubscribe?token={quote(token, safe='')}")
    if not r.ok:
        return unavailable(request, v, r)
    return page(request, v, "unsubscribe.html", token=token, done=True)


@router.get("/staff/mail")
async def sink_mail(request: Request, name: str = "") -> Response:
    """Development: the e-mails the embedded SMTP sink received (only while it is in use)."""
    v = visit(request)
    if (refused_ := signed_in(request, v, "moderator", "planner", "steering")) is not None:
        return refused_
    folder = os.environ.get("SMTP_SINK_DIR")
    if not folder:
        return problem(request, v, 404, translate("notify_no_sink", v.lang))
    files = mailsink.messages(Path(folder))
    opened = None
    if name:
        chosen = [f for f in files if f.name == name]  # only a file the sink stored
        if not chosen:
            return problem(request, v, 404, translate("notify_no_mail", v.lang))
        opened = _read(chosen[0], body=True)
    return page(request, v, "staff/mail.html", mails=[_read(f) for f in files[:200]],
                opened=opened, total=len(files))


def _read(path: Path, body: bool = False) -> dict[str, Any]:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    found: dict[str, Any] = {"name": path.name, "to": str(msg["To"] or ""),
                             "subject": str(msg["Subject"] or ""),
                             "date": str(msg["Date"] or "")}
    if body and isinstance(msg, EmailMessage):
        part = msg.get_body(("plain",))
        found["headers"] = [(k, str(v)) for k, v in msg.items()]
        found["text"] = part.get_content() if isinstance(part, EmailMessage) else ""
    return found
