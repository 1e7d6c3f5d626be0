"""Settings of the ideas worker, from `IDEAS_*` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdeasSettings(BaseSettings):
    """How long a submission waits for its campaign, and how often the campaign clock ticks."""

    model_config = SettingsConfigDict(env_prefix="IDEAS_", extra="ignore")

    park_seconds: float = Field(default=60.0, gt=0, le=86_400)
    clock_interval_s: float = Field(default=1.0, gt=0, le=60)
