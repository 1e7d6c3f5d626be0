"""Bearer JWTs: HS256 with a shared secret in development, RS256 from a JWKS URL in production."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict

from schemas.common import Sector
from services.infra.settings import Settings


class Role(StrEnum):
    PARTICIPANT = "participant"
    MODERATOR = "moderator"
    PLANNER = "planner"
    STEERING = "steering"
    ADMIN = "admin"


class Principal(BaseModel):
    """Who is calling: the token's subject, roles and (for participants) sector."""

    model_config = ConfigDict(frozen=True)

    sub: str
    roles: frozenset[Role]
    sector: Sector | None = None

    def has_any(self, roles: set[Role]) -> bool:
        return Role.ADMIN in self.roles or bool(self.roles & roles)


class AuthError(Exception):
    pass


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._jwks: jwt.PyJWKClient | None = (
            jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_algorithm == "RS256"
            and settings.jwt_jwks_url else None
        )

    def verify(self, token: str) -> Principal:
        s = self.settings
        try:
            key: Any = (
                self._jwks.get_signing_key_from_jwt(token).key if self._jwks else s.jwt_secret
            )
            claims = jwt.decode(
                token, key, algorithms=[s.jwt_algorithm], audience=s.jwt_audience,
                issuer=s.jwt_issuer, options={"require": ["sub", "exp"],
                                              "verify_aud": s.jwt_audience is not None},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        raw_roles = claims.get("roles", [])
        if isinstance(raw_roles, str):
            raw_roles = raw_roles.split()
        try:
            roles = frozenset(Role(r) for r in raw_roles)
            sector = Sector(claims["sector"]) if claims.get("sector") else None
        except ValueError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        if not roles:
            raise AuthError("invalid token: no roles")
        return Principal(sub=str(claims["sub"]), roles=roles, sector=sector)


def mint_token(
    settings: Settings, *, sub: str, roles: list[str], sector: str | None = None,
    ttl_s: int = 12 * 3600,
) -> str:
    """A development token signed with the HS256 secret."""
    if settings.jwt_algorithm != "HS256":
        raise AuthError("tokens can only be minted here with HS256; use your identity provider")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "roles": [Role(r).value for r in roles],
                              "iat": now, "exp": now + ttl_s}
    if sector:
        claims["sector"] = Sector(sector).value
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
