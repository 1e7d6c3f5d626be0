"""Who is signed in, the CSRF token of every form, one-shot messages and the chosen language.

The session cookie holds the bearer token the gateway's API verifies (HttpOnly, SameSite=Lax,
Secure in production). A form carries HMAC(secret, nonce) where the nonce is in its own HttpOnly
cookie: a page of another site can neither read the nonce nor compute the token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import Response

from services.infra.auth import AuthError, Principal, Role
from services.infra.http import ApiError, HttpContext
from services.web.settings import get_web_settings

SESSION = "ideastorm_session"
CSRF = "ideastorm_csrf"
FLASH = "ideastorm_flash"
LANG = "ideastorm_lang"
RECEIPT = "ideastorm_receipt"  # the receipt of the vote just made, shown once
LANGUAGES = ("da", "en")


@dataclass
class Visit:
    """What a page knows about the person looking at it."""

    token: str | None
    principal: Principal | None
    lang: str
    csrf: str
    nonce: str
    new_nonce: bool
    flash: dict[str, str] | None

    def has(self, *roles: str) -> bool:
        return self.principal is not None and self.principal.has_any({Role(r) for r in roles})

    @property
    def staff(self) -> bool:
        return self.has("moderator", "planner", "steering")


def context(request: Request) -> HttpContext:
    ctx: HttpContext = request.app.state.ctx
    return ctx


def secret(request: Request) -> bytes:
    # production refuses to start without a real one (Settings), so this never signs with the
    # public development secret there
    settings = context(request).settings
    return (settings.web_session_secret or settings.jwt_secret).encode()


def csrf_token(request: Request, nonce: str) -> str:
    return hmac.new(secret(request), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def visit(request: Request) -> Visit:
    token = request.cookies.get(SESSION)
    principal = None
    if token:
        try:
            principal = context(request).verifier.verify(token)
        except AuthError:
            token = None  # expired or from another secret: signed out
    nonce = request.cookies.get(CSRF) or ""
    new_nonce = len(nonce) < 32
    if new_nonce:
        nonce = secrets.token_urlsafe(32)
    lang = request.cookies.get(LANG, "da")
    flash = None
    raw = request.cookies.get(FLASH)
    if raw:
        try:
            flash = {str(k): str(v) for k, v in json.loads(raw).items()}
        except (ValueError, AttributeError):
            flash = None
    return Visit(token, principal, lang if lang in LANGUAGES else "da",
                 csrf_token(request, nonce), nonce, new_nonce, flash)


def secure(request: Request) -> bool:
    return context(request).settings.ideastorm_env == "production"


def finish(request: Request, response: Response, v: Visit) -> Response:
    """Cookies every page answer sets or clears."""
    if v.new_nonce:
        response.set_cookie(CSRF, v.nonce, httponly=True, samesite="strict",
                            secure=secure(request), path="/")
    if v.flash is not None:
        response.delete_cookie(FLASH, path="/")
    if request.cookies.get(SESSION) and v.token is None:
        response.delete_cookie(SESSION, path="/")
    return response


def flash(request: Request, response: Response, kind: str, text: str) -> None:
    response.set_cookie(FLASH, json.dumps({"kind": kind, "text": text[:1500]}), httponly=True,
                        samesite="lax", secure=secure(request), path="/", max_age=60)


def sign_in(request: Request, response: Response, token: str) -> None:
    hours = get_web_settings().session_hours
    response.set_cookie(SESSION, token, httponly=True, samesite="lax", secure=secure(request),
                        path="/", max_age=hours * 3600)


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION, path="/")


async def form(request: Request) -> dict[str, str]:
    """The posted form, once its CSRF token and origin are checked (a 403 saying why if not)."""
    origin = request.headers.get("origin")
    if origin and origin not in ("null",) and origin.split("://", 1)[-1] != request.url.netloc:
        raise ApiError(403, "cross_site", "this form was posted from another site")
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        fields = multipart_fields(content_type, body)
    else:
        raw = body.decode("utf-8", errors="replace")
        fields = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    nonce = request.cookies.get(CSRF, "")
    sent = fields.pop("csrf", "")
    if not nonce or not hmac.compare_digest(sent, csrf_token(request, nonce)):
        raise ApiError(403, "csrf", "the form's security token is missing or stale; reload the "
                                    "page and send it again")
    return fields


def multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    """The fields of a multipart/form-data body (a form with a file), each as text: a file's
    field holds the file's content (UTF-8; an empty file field is an empty string)."""
    message = BytesParser(policy=email_policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: dict[str, str] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or name in fields:
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        fields[name] = raw.decode("utf-8", errors="replace")
    return fields


def cookie_value(payload: dict[str, Any], request: Request) -> str:
    """A signed value for a short-lived cookie (the sign-in state)."""
    body = json.dumps(payload, separators=(",", ":"))
    mac = hmac.new(secret(request), body.encode(), hashlib.sha256).hexdigest()
    return f"{mac}.{body}"


def signed_value(raw: str | None, request: Request) -> dict[str, Any] | None:
    if not raw or "." not in raw:
        return None
    mac, body = raw.split(".", 1)
    good = hmac.new(secret(request), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, good):
        return None
    value = json.loads(body)
    return value if isinstance(value, dict) else None


SHOWN_S = 300  # how long the receipt of a vote just made waits to be shown


def keep_receipt(request: Request, response: Response, v: Visit, campaign_id: str,
                 idea_id: str, kind: str, receipt: dict[str, Any]) -> None:
    """Hand the receipt of a vote or withdrawal (as its 202 gave it) to the page the person is
    sent back to, which shows it once."""
    if v.principal is None:
        return
    payload = {"sub": v.principal.sub, "campaign_id": campaign_id, "idea_id": idea_id,
               "kind": kind, "receipt": receipt}
    response.set_cookie(RECEIPT, cookie_value(payload, request), httponly=True, samesite="lax",
                        secure=secure(request), path="/", max_age=SHOWN_S)


def kept_receipt(request: Request, v: Visit, campaign_id: str) -> dict[str, Any] | None:
    """The receipt of the vote this person just made in this campaign, if any."""
    try:
        payload = signed_value(request.cookies.get(RECEIPT), request)
    except ValueError:
        return None
    if (payload is None or v.principal is None or payload.get("sub") != v.principal.sub
            or payload.get("campaign_id") != campaign_id
            or not isinstance(payload.get("receipt"), dict)):
        return None
    return payload


def forget_receipt(response: Response) -> Response:
    """The receipt was shown: not again (it stays on the person's own page)."""
    response.delete_cookie(RECEIPT, path="/")
    return response
