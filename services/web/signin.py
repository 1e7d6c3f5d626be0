"""Signing in and out: in development a role and a participant id (the same tokens
`ideastorm token` mints), in production the identity provider's OIDC flow with PKCE."""

from __future__ import annotations

import time

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from schemas.common import Sector
from services.infra.auth import AuthError, Role, mint_token
from services.web import oidc
from services.web.pages import local
from services.web.render import back, page, problem
from services.web.session import (
    context,
    cookie_value,
    form,
    secure,
    sign_in,
    sign_out,
    signed_value,
    visit,
)
from services.web.settings import get_web_settings

router = APIRouter(include_in_schema=False)
STATE = "ideastorm_oidc"


def development(request: Request) -> bool:
    s = context(request).settings
    return s.ideastorm_env != "production" and s.jwt_algorithm == "HS256"


def landing(roles: frozenset[Role], next_path: str) -> str:
    if next_path != "/":
        return next_path
    return "/" if Role.PARTICIPANT in roles or not roles else "/staff/"


@router.get("/signin")
async def signin_page(request: Request, next: str = "/") -> Response:
    v = visit(request)
    return page(request, v, "signin.html", next=local(next),
                oidc=oidc.configured(get_web_settings()), development=development(request),
                roles=[r.value for r in Role], sectors=[s.value for s in Sector])


@router.post("/signin")
async def signin(request: Request) -> Response:
    v = visit(request)
    f = await form(request)
    if not development(request):
        return problem(request, v, 403, "development sign-in is off in production")
    try:
        roles = [Role(f.get("role", "")).value]
        sector = Sector(f["sector"]).value if f.get("sector") else None
        token = mint_token(context(request).settings, sub=f.get("sub", "").strip(), roles=roles,
                           sector=sector, ttl_s=get_web_settings().session_hours * 3600)
        principal = context(request).verifier.verify(token)
    except (ValueError, AuthError) as exc:
        return problem(request, v, 422, f"cannot sign in: {exc}")
    if not principal.sub:
        return problem(request, v, 422, "cannot sign in: the participant id is empty")
    response = back(request, v, landing(principal.roles, local(f.get("next"))), ok="signed_in")
    sign_in(request, response, token)
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    v = visit(request)
    await form(request)
    response = back(request, v, "/", ok="signed_out")
    sign_out(response)
    return response


def _redirect_uri(request: Request) -> str:
    return get_web_settings().oidc_redirect_url or str(request.url_for("oidc_callback"))


@router.get("/signin/oidc")
async def oidc_start(request: Request, next: str = "/") -> Response:
    v = visit(request)
    s = get_web_settings()
    if not oidc.configured(s):
        return problem(request, v, 503, "sign-in is not configured: set OIDC_AUTHORIZE_URL, "
                                        "OIDC_TOKEN_URL and OIDC_CLIENT_ID")
    flow = oidc.start(s, _redirect_uri(request))
    response = RedirectResponse(flow.url, status_code=303)
    # lax: the provider sends the browser back with a top-level GET, which must carry it
    response.set_cookie(STATE, cookie_value({"state": flow.state, "nonce": flow.nonce,
                                             "verifier": flow.verifier, "next": local(next),
                                             "at": int(time.time())}, request),
                        httponly=True, samesite="lax", secure=secure(request), max_age=600,
                        path="/auth/callback")
    return response


@router.get("/auth/callback", name="oidc_callback")
async def oidc_callback(request: Request, code: str = "", state: str = "",
                        error: str = "") -> Response:
    v = visit(request)
    s = get_web_settings()
    saved = signed_value(request.cookies.get(STATE), request)
    if error:
        return problem(request, v, 401, f"the identity provider refused the sign-in: {error}")
    if saved is None or not state or saved.get("state") != state:
        return problem(request, v, 400, "the sign-in state is missing or does not match; "
                                        "start the sign-in again")
    if time.time() - int(saved.get("at", 0)) > 600:
        return problem(request, v, 400, "the sign-in took too long; start it again")
    try:
        tokens = await oidc.exchange(s, code, str(saved["verifier"]), _redirect_uri(request))
        _check_nonce(tokens, str(saved["nonce"]))
        principal = context(request).verifier.verify(tokens["access_token"])
    except (ValueError, AuthError) as exc:
        return problem(request, v, 401, str(exc))
    response = back(request, v, landing(principal.roles, local(str(saved.get("next")))),
                    ok="signed_in")
    sign_in(request, response, tokens["access_token"])
    response.delete_cookie(STATE, path="/auth/callback")
    return response


def _check_nonce(tokens: dict[str, object], nonce: str) -> None:
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        return
    # the id token came straight from the provider over TLS: its nonce ties it to this browser
    claims = jwt.decode(id_token, options={"verify_signature": False})
    if claims.get("nonce") != nonce:
        raise ValueError("the identity provider's id token does not carry this sign-in's nonce")
