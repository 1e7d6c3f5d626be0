"""Settings of the identity service, from `IDENTITY_*` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    """How many participants' sign-in claims one gateway process remembers having stored."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    claims_memo_size: int = Field(default=100_000, ge=1, le=10_000_000)
