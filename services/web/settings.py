"""Settings of the web pages: the identity provider (OIDC) in production. (Their session
secret, `WEB_SESSION_SECRET`, is in services/infra/settings.py, checked at start-up.)"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """`OIDC_*` name the identity provider; with `OIDC_AUTHORIZE_URL` unset outside production the
    sign-in page lets a developer choose a role and a participant id instead."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    oidc_issuer: str | None = None
    oidc_authorize_url: str | None = None
    oidc_token_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    # where the provider sends the browser back; default: this gateway's /auth/callback
    oidc_redirect_url: str | None = None
    oidc_scope: str = "openid profile"
    session_hours: int = Field(default=8, ge=1, le=24)


@lru_cache(maxsize=1)
def get_web_settings() -> WebSettings:
    return WebSettings()
