"""Production sign-in: RS256 tokens checked against keys an identity provider publishes as a
JWKS over HTTP. The test is the provider: it generates RSA keys, serves them from a real local
HTTP server, signs tokens, and rotates the keys while the verifier (and a gateway) keep running."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from services.infra.auth import AuthError, Role, TokenVerifier
from services.infra.embedded import free_port
from services.infra.settings import Settings
from services.infra.stack import Stack

pytestmark = pytest.mark.integration

ISSUER = "https://login.test.example.dk/"
AUDIENCE = "ideastorm"


class Provider:
    """Signing keys by kid, the ones published at /jwks.json, and how often it was asked."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.published: list[str] = []
        self.fetches = 0
        self.answer: bytes | None = None  # when set: served instead of the key set

    def new_key(self, kid: str, *, publish: bool = True) -> str:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.append(kid)
        return kid

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid in self.published:
            jwk = json.loads(RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            out.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": out}

    def token(self, kid: str, *, sub: str = "p-1", roles: tuple[str, ...] = ("participant",),
              **claims: Any) -> str:
        now = int(time.time())
        body = {"sub": sub, "roles": list(roles), "iss": ISSUER, "aud": AUDIENCE, "iat": now,
                "exp": now + 600, **claims}
        return jwt.encode(body, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def provider() -> Iterator[tuple[Provider, str]]:
    idp = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            if self.path != "/jwks.json":
                self.send_error(404)
                return
            idp.fetches += 1
            body = idp.answer or json.dumps(idp.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp, f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def _settings(url: str, **kw: Any) -> Settings:
    return Settings(jwt_algorithm="RS256", jwt_jwks_url=url, jwt_issuer=ISSUER,
                    jwt_audience=AUDIENCE, **kw)


async def test_keys_are_fetched_rotated_and_unknown_keys_refused(
    provider: tuple[Provider, str],
) -> None:
    idp, url = provider
    old = idp.new_key("2026-a")
    verifier = TokenVerifier(_settings(url, jwt_jwks_min_refresh_s=0))
    try:
        principal = await verifier.verify_async(idp.token(old, sub="citizen-1", roles=("admin",)))
        assert principal.sub == "citizen-1" and principal.roles == {Role.ADMIN}
        assert idp.fetches == 1
        # cached: no fetch per request, and the synchronous path verifies from the cache
        assert verifier.verify(idp.token(old)).sub == "p-1"
        await verifier.verify_async(idp.token(old))
        assert idp.fetches == 1

        # the provider rotates: a new key is published and the old one withdrawn
        new = idp.new_key("2026-b")
        idp.published.remove(old)
        assert (await verifier.verify_async(idp.token(new, sub="citizen-2"))).sub == "citizen-2"
        assert idp.fetches == 2
        with pytest.raises(AuthError, match="key the identity provider does not publish"):
            await verifier.verify_async(idp.token(old))

        # a key the provider never published, and a published kid with another key's signature
        stranger = idp.new_key("stranger", publish=False)
        with pytest.raises(AuthError, match="does not publish"):
            await verifier.verify_async(idp.token(stranger))
        forged = jwt.encode({"sub": "p-1", "roles": ["admin"], "iss": ISSUER, "aud": AUDIENCE,
                             "exp": int(time.time()) + 600}, idp.keys[stranger],
                            algorithm="RS256", headers={"kid": new})
        with pytest.raises(AuthError, match="Signature verification failed"):
            await verifier.verify_async(forged)
        # right key, wrong provider or service
        with pytest.raises(AuthError, match="(?i)issuer"):
            await verifier.verify_async(idp.token(new, iss="https://other-idp.example/"))
        with pytest.raises(AuthError, match="(?i)audience"):
            await verifier.verify_async(idp.token(new, aud="another-service"))
        # an HS256 token made with the public key as a secret (algorithm confusion)
        with pytest.raises(AuthError):
            await verifier.verify_async(jwt.encode(
                {"sub": "p-1", "roles": ["admin"], "exp": int(time.time()) + 600},
                "x" * 40, algorithm="HS256", headers={"kid": new}))
    finally:
        await verifier.close()


async def test_made_up_key_ids_do_not_make_the_verifier_hammer_the_provider(
    provider: tuple[Provider, str],
) -> None:
    idp, url = provider
    known = idp.new_key("k1")
    verifier = TokenVerifier(_settings(url, jwt_jwks_min_refresh_s=60))
    try:
        await verifier.start()
        assert idp.fetches == 1
        for n in range(20):
            with pytest.raises(AuthError, match="does not publish"):
                await verifier.verify_async(_with_kid(idp.token(known), f"made-up-{n}"))
        assert idp.fetches == 1, "unknown kids within the minimum interval fetch nothing"
        assert (await verifier.verify_async(idp.token(known))).sub == "p-1"
    finally:
        await verifier.close()


async def test_a_broken_answer_from_the_provider_keeps_the_keys_we_had(
    provider: tuple[Provider, str],
) -> None:
    idp, url = provider
    known = idp.new_key("k1")
    verifier = TokenVerifier(_settings(url, jwt_jwks_min_refresh_s=0))
    try:
        await verifier.start()
        for answer in (b"<html>maintenance</html>", b"[1, 2]", b'{"keys": "none"}'):
            idp.answer = answer
            with pytest.raises(AuthError, match="does not publish"):
                await verifier.verify_async(_with_kid(idp.token(known), "rotated"))
            assert (await verifier.verify_async(idp.token(known))).sub == "p-1"
        assert idp.fetches == 4
    finally:
        await verifier.close()


def _with_kid(token: str, kid: str) -> str:
    header, payload, signature = token.split(".")
    raw = json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid}).encode()
    return ".".join([jwt.utils.base64url_encode(raw).decode(), payload, signature])


async def test_the_gateway_signs_in_with_rotated_provider_keys_and_refuses_unknown_ones(
    provider: tuple[Provider, str], infra: Settings, tmp_path: Path,
) -> None:
    idp, url = provider
    first = idp.new_key("gw-1")
    stack = Stack(infra, workers=(), http_port=free_port(), log_dir=tmp_path, extra_env={
        "JWT_ALGORITHM": "RS256", "JWT_JWKS_URL": url, "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE, "JWT_JWKS_MIN_REFRESH_S": "0"})
    stack.start_gateway()
    try:
        stack.wait_ready(90, ("gateway",))
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as client:

            async def my_ideas(token: str) -> httpx.Response:
                return await client.get("/me/ideas", headers={"Authorization": f"Bearer {token}"})

            sub = f"citizen-{uuid.uuid4().hex[:8]}"
            assert (await my_ideas(idp.token(first, sub=sub))).status_code == 200
            second = idp.new_key("gw-2")
            idp.published.remove(first)
            assert (await my_ideas(idp.token(second, sub=sub))).status_code == 200
            for token in (idp.token(first), idp.token(idp.new_key("gw-x", publish=False)),
                          idp.token(second, sub="x" * 5000), idp.token(second, sub=""),
                          idp.token(second, roles=("root",)),
                          idp.token(second, aud="another-service")):
                r = await my_ideas(token)
                assert r.status_code == 401, r.text
                assert r.json()["detail"]["code"] == "unauthenticated"
                assert r.json()["detail"]["message"].startswith("invalid token")
                assert r.headers["WWW-Authenticate"] == "Bearer"
    finally:
        stack.stop_process("gateway")
