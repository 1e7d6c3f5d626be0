"""Bearer JWTs: HS256 with a shared secret in development, RS256 from a JWKS URL in production.

Every way a token can be wrong is an `AuthError` (a 401 at the edge), never an exception the
edge did not expect: bad signature, unknown key, missing `exp`, wrong issuer or audience, and
claims this project cannot use (an empty, over-long or malformed `sub`, unknown roles, a sector
that does not exist, a `name`, `email` or `organisation` claim that is not a profile value).
"""

from __future__ import annotations

import asyncio
import time
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
import structlog
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from schemas.common import Sector
from schemas.envelope import ActorId
from schemas.people import DisplayName, Email, Organisation
from services.infra.settings import Settings

log = structlog.get_logger(__name__)

# a token's subject becomes the `actor` of the events it causes: the same rule, said once
_SUBJECT = TypeAdapter(Annotated[str, ActorId])
# optional profile claims: the same rules as a profile edited by its person (schemas.people)
_PROFILE_CLAIMS: dict[str, TypeAdapter[str]] = {
    "name": TypeAdapter(DisplayName), "email": TypeAdapter(Email),
    "organisation": TypeAdapter(Organisation)}
MAX_ROLES = 16
LEEWAY_S = 30  # clock skew tolerated between the identity provider and us


class Role(StrEnum):
    PARTICIPANT = "participant"
    MODERATOR = "moderator"
    PLANNER = "planner"
    STEERING = "steering"
    ADMIN = "admin"


class Principal(BaseModel):
    """Who is calling: the token's subject, roles and (for participants) sector, and the
    profile claims the identity provider sent (name, e-mail, organisation), if any."""

    model_config = ConfigDict(frozen=True)

    sub: str
    roles: frozenset[Role]
    sector: Sector | None = None
    name: str | None = None
    email: str | None = None
    organisation: str | None = None

    def has_any(self, roles: set[Role]) -> bool:
        return Role.ADMIN in self.roles or bool(self.roles & roles)


class AuthError(Exception):
    pass


def principal_from(claims: dict[str, Any]) -> Principal:
    """The caller a verified token's claims describe, or an AuthError saying what is wrong."""
    sub = claims.get("sub")
    try:
        _SUBJECT.validate_python(sub, strict=True)
    except ValidationError as exc:
        raise AuthError("invalid token: sub must be 1 to 128 characters of letters, digits"
                        " and _ . : @ -") from exc
    raw_roles = claims.get("roles", [])
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
        raise AuthError("invalid token: roles must be a list of role names")
    if len(raw_roles) > MAX_ROLES:
        raise AuthError(f"invalid token: more than {MAX_ROLES} roles")
    known = {r.value for r in Role}
    unknown = [r for r in raw_roles if r not in known]
    if unknown:
        raise AuthError(f"invalid token: unknown role {unknown[0][:40]!r};"
                        f" roles are {sorted(known)}")
    if not raw_roles:
        raise AuthError("invalid token: no roles")
    raw_sector = claims.get("sector")
    sector: Sector | None = None
    if raw_sector is not None and raw_sector != "":
        if not isinstance(raw_sector, str) or raw_sector not in {s.value for s in Sector}:
            raise AuthError(f"invalid token: sector must be one of {sorted(s.value for s in Sector)}")
        sector = Sector(raw_sector)
    profile: dict[str, str] = {}
    for claim, adapter in _PROFILE_CLAIMS.items():
        raw = claims.get(claim)
        if raw is None or raw == "":
            continue
        if not isinstance(raw, str):
            raise AuthError(f"invalid token: {claim} must be a string")
        try:
            profile[claim] = adapter.validate_python(raw)
        except ValidationError as exc:
            problem = exc.errors()[0].get("msg", "is not valid")
            raise AuthError(f"invalid token: {claim}: {problem}") from exc
    return Principal(sub=sub, roles=frozenset(Role(r) for r in raw_roles), sector=sector,
                     **profile)


class JwksCache:
    """The identity provider's signing keys, fetched without blocking the event loop.

    Keys are kept by `kid`. Older than `refresh_s`, they are refreshed in the background while
    the cached ones keep serving; a token naming a key not in the cache (the provider rotated)
    refreshes them at once, at most once per `min_refresh_s`, so tokens with made-up key ids
    cannot make us hammer the provider. A failed refresh keeps the keys we had.
    """

    def __init__(self, url: str, *, refresh_s: float = 300.0, min_refresh_s: float = 10.0,
                 timeout_s: float = 5.0) -> None:
        self.url = url
        self.refresh_s = refresh_s
        self.min_refresh_s = min_refresh_s
        self.timeout_s = timeout_s
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at: float | None = None  # monotonic time of the last successful fetch
        self._attempted_at: float | None = None
        self._lock: asyncio.Lock | None = None
        self._background: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        """Fetch the key set now (one fetch at a time; callers waiting share its result)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        started = time.monotonic()
        async with self._lock:
            if self._attempted_at is not None and self._attempted_at >= started:
                return  # someone fetched while we waited for the lock
            self._attempted_at = time.monotonic()
            try:
                async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                    response = await client.get(self.url, headers={"Accept": "application/json"})
                    response.raise_for_status()
                    body = response.json()
                keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(body).keys
                        if k.key_id and k.public_key_use in (None, "sig")}
            except (httpx.HTTPError, ValueError, TypeError, AttributeError, KeyError,
                    jwt.PyJWTError) as exc:  # unreachable, not JSON, not a key set
                log.warning("auth.jwks.refresh_failed", url=self.url, error=str(exc))
                return
            self.keys = keys
            self.fetched_at = time.monotonic()
            log.info("auth.jwks.refreshed", url=self.url, kids=sorted(keys))

    def _may_refresh_now(self) -> bool:
        return self._attempted_at is None or (
            time.monotonic() - self._attempted_at >= self.min_refresh_s)

    def _stale(self) -> bool:
        return self.fetched_at is None or time.monotonic() - self.fetched_at >= self.refresh_s

    def _refresh_in_background(self) -> None:
        if self._background is not None and not self._background.done():
            return
        if not self._may_refresh_now():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._background = loop.create_task(self.refresh())

    def cached(self, kid: str) -> jwt.PyJWK | None:
        """The cached key (never waits); schedules a refresh when stale or unknown."""
        key = self.keys.get(kid)
        if key is None or self._stale():
            self._refresh_in_background()
        return key

    async def get(self, kid: str) -> jwt.PyJWK | None:
        """The key for `kid`, fetching the key set first if it is unknown (rate-limited)."""
        key = self.keys.get(kid)
        if key is None and self._may_refresh_now():
            await self.refresh()
            key = self.keys.get(kid)
        elif self._stale():
            self._refresh_in_background()
        return key

    async def close(self) -> None:
        if self._background is not None:
            self._background.cancel()
            await asyncio.gather(self._background, return_exceptions=True)


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jwks: JwksCache | None = (
            JwksCache(settings.jwt_jwks_url, refresh_s=settings.jwt_jwks_refresh_s,
                      min_refresh_s=settings.jwt_jwks_min_refresh_s)
            if settings.jwt_algorithm == "RS256" and settings.jwt_jwks_url else None
        )

    def verify(self, token: str) -> Principal:
        """Verify with what is cached (never waits on the network): a token signed by a key
        not fetched yet is refused, and the keys are refreshed for the next attempt."""
        if self.jwks is None:
            return self._check(token, self.settings.jwt_secret)
        return self._check(token, self._key(token, self.jwks.cached(_kid(token))))

    async def verify_async(self, token: str) -> Principal:
        """Verify, fetching the provider's keys first when the token names an unknown one."""
        if self.jwks is None:
            return self._check(token, self.settings.jwt_secret)
        return self._check(token, self._key(token, await self.jwks.get(_kid(token))))

    async def start(self) -> None:
        """Fetch the provider's keys before the first request needs them."""
        if self.jwks is not None:
            await self.jwks.refresh()

    async def close(self) -> None:
        if self.jwks is not None:
            await self.jwks.close()

    @staticmethod
    def _key(token: str, key: jwt.PyJWK | None) -> Any:
        if key is None:
            raise AuthError("invalid token: signed with a key the identity provider does not"
                            " publish")
        return key.key

    def _check(self, token: str, key: Any) -> Principal:
        s = self.settings
        required = ["sub", "exp"] + (["iss"] if s.jwt_issuer else []) + (
            ["aud"] if s.jwt_audience else [])
        try:
            claims = jwt.decode(
                token, key, algorithms=[s.jwt_algorithm], audience=s.jwt_audience,
                issuer=s.jwt_issuer, leeway=LEEWAY_S,
                options={"require": required, "verify_aud": s.jwt_audience is not None,
                         "verify_sub": False},  # principal_from says what is wrong with it
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        return principal_from(claims)


def _kid(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthError(f"invalid token: {exc}") from exc
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise AuthError("invalid token: its header names no signing key (kid)")
    return kid


def mint_token(
    settings: Settings, *, sub: str, roles: list[str], sector: str | None = None,
    ttl_s: int = 12 * 3600, profile: dict[str, str] | None = None,
) -> str:
    """A development token signed with the HS256 secret."""
    if settings.jwt_algorithm != "HS256":
        raise AuthError("tokens can only be minted here with HS256; use your identity provider")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "roles": [Role(r).value for r in roles],
                              "iat": now, "exp": now + ttl_s}
    if sector:
        claims["sector"] = Sector(sector).value
    for claim, value in (profile or {}).items():
        if claim not in _PROFILE_CLAIMS:
            raise AuthError(f"{claim!r} is not a profile claim; they are {sorted(_PROFILE_CLAIMS)}")
        claims[claim] = value
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
