"""The OpenID Connect authorization-code flow with PKCE (RFC 7636), as pure steps.

`start` makes the state, nonce and code verifier and the URL to send the browser to; `exchange`
trades the code the provider sent back for tokens at its token endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from services.web.settings import WebSettings


@dataclass(frozen=True)
class Start:
    url: str
    state: str
    nonce: str
    verifier: str


def challenge(verifier: str) -> str:
    """S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def configured(s: WebSettings) -> bool:
    return bool(s.oidc_authorize_url and s.oidc_token_url and s.oidc_client_id)


def start(s: WebSettings, redirect_uri: str) -> Start:
    assert s.oidc_authorize_url and s.oidc_client_id
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43..128
    query = urlencode({
        "response_type": "code", "client_id": s.oidc_client_id, "redirect_uri": redirect_uri,
        "scope": s.oidc_scope, "state": state, "nonce": nonce,
        "code_challenge": challenge(verifier), "code_challenge_method": "S256",
    })
    sep = "&" if "?" in s.oidc_authorize_url else "?"
    return Start(f"{s.oidc_authorize_url}{sep}{query}", state, nonce, verifier)


async def exchange(s: WebSettings, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
    """The provider's token answer; raises ValueError saying what went wrong."""
    assert s.oidc_token_url and s.oidc_client_id
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": s.oidc_client_id, "code_verifier": verifier}
    # a confidential client authenticates with HTTP Basic; a public one by PKCE alone
    auth = httpx.BasicAuth(s.oidc_client_id, s.oidc_client_secret) if s.oidc_client_secret \
        else None
    try:
        async with httpx.AsyncClient(timeout=15, auth=auth) as client:
            r = await client.post(s.oidc_token_url, data=form,
                                  headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise ValueError(f"the identity provider's token endpoint did not answer: {exc}") from exc
    if r.status_code != 200:
        raise ValueError(f"the identity provider refused the sign-in code ({r.status_code}): "
                         f"{r.text[:300]}")
    body: dict[str, Any] = r.json()
    if "access_token" not in body:
        raise ValueError("the identity provider's answer has no access_token")
    return body
