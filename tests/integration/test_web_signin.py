"""Production sign-in through the identity provider, as far as it can go without one: the
redirect with PKCE, the state cookie, and refusals on the way back; no development sign-in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio

from services.gateway.app import create_app
from services.infra.embedded import free_port
from services.infra.settings import Settings
from services.web import oidc
from services.web.settings import get_web_settings

pytestmark = pytest.mark.integration

AUTHORIZE = "https://login.example.dk/oauth2/authorize"
SECRET = secrets.token_urlsafe(40)


@pytest_asyncio.fixture(loop_scope="session")
async def production(infra: Settings, monkeypatch: pytest.MonkeyPatch
                     ) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("OIDC_AUTHORIZE_URL", AUTHORIZE)
    # a port nothing listens on: the exchange must fail with a reason, not hang or crash
    monkeypatch.setenv("OIDC_TOKEN_URL", f"http://127.0.0.1:{free_port()}/token")
    monkeypatch.setenv("OIDC_CLIENT_ID", "ideastorm-web")
    get_web_settings.cache_clear()
    settings = infra.model_copy(update={"ideastorm_env": "production",
                                        "jwt_secret": SECRET})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="https://ideer.example.dk") as client:
            yield client
    get_web_settings.cache_clear()


async def test_sign_in_goes_to_the_provider_with_pkce_and_comes_back_checked(
        production: httpx.AsyncClient) -> None:
    page = await production.get("/signin")
    assert page.status_code == 200
    assert 'href="/signin/oidc?next=/"' in page.text and 'name="sub"' not in page.text

    start = await production.get("/signin/oidc", params={"next": "/my"})
    assert start.status_code == 303
    url = urlsplit(start.headers["location"])
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == AUTHORIZE
    assert q["client_id"] == "ideastorm-web" and q["response_type"] == "code"
    assert q["redirect_uri"] == "https://ideer.example.dk/auth/callback"
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    cookie = start.headers["set-cookie"]
    assert "ideastorm_oidc=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "Path=/auth/callback" in cookie and "samesite=lax" in cookie.lower()
    assert q["code_challenge"] not in cookie  # the verifier stays server-signed, never shown

    forged = await production.get("/auth/callback", params={"code": "c", "state": "forged"})
    assert forged.status_code == 400 and "does not match" in forged.text

    back = await production.get("/auth/callback", params={"code": "c", "state": q["state"]})
    assert back.status_code == 401 and "did not answer" in back.text
    assert "ideastorm_session" not in back.cookies

    refused = await production.get("/auth/callback", params={"error": "access_denied",
                                                             "state": q["state"]})
    assert refused.status_code == 401 and "access_denied" in refused.text


async def test_production_has_no_development_sign_in(production: httpx.AsyncClient) -> None:
    page = await production.get("/signin")
    nonce = page.cookies["ideastorm_csrf"]
    assert "Secure" in page.headers["set-cookie"]
    # a form token as a page of this site would carry it: the check that follows is the role's
    token = hmac.new(SECRET.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()
    r = await production.post("/signin", cookies={"ideastorm_csrf": nonce},
                              data={"csrf": token, "role": "admin", "sub": "mallory"})
    assert r.status_code == 403 and "development sign-in is off" in r.text
    assert "ideastorm_session" not in r.cookies
    assert oidc.configured(get_web_settings())
