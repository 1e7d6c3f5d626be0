"""Settings for every process, from environment variables, validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "ideastorm-development-secret-change-me"
# what deploy/.env.example and the example Secret put where a real secret belongs
PLACEHOLDER = "change-me"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """One settings object. Unset broker / database means: start the embedded ones."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    ideastorm_env: Literal["development", "test", "production"] = "development"
    ideastorm_home: Path = Field(default=Path(".ideastorm"))

    kafka_bootstrap_servers: str | None = None
    database_url: str | None = None

    # Consumers: short session timeouts keep joins fast on the embedded broker.
    # replication of the topics this project creates (1 for a single broker)
    kafka_replication_factor: int = Field(default=1, ge=1, le=10)
    kafka_session_timeout_ms: int = Field(default=6_000, ge=1_000)
    kafka_heartbeat_interval_ms: int = Field(default=1_000, ge=100)
    consumer_max_records: int = Field(default=5_000, ge=1)
    consumer_poll_ms: int = Field(default=200, ge=1)

    db_pool_min: int = Field(default=1, ge=0)
    db_pool_max: int = Field(default=10, ge=1)

    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_jwks_url: str | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    # gateway processes sharing the port (each with its own pool and producer)
    http_workers: int = Field(default=1, ge=1, le=64)
    wait_for_timeout_s: float = Field(default=10.0, gt=0, le=60)

    # A worker's own web server (/healthz, /readyz, /metrics). 0: any free port, so several
    # workers share a laptop; containers set a fixed port and bind 0.0.0.0 for their probes.
    worker_web_host: str = "127.0.0.1"
    worker_web_port: int = Field(default=0, ge=0, le=65535)

    log_level: str = "INFO"
    log_json: bool | None = None  # None: JSON when stdout is not a terminal

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> Self:
        if self.ideastorm_env == "production":
            if self.jwt_algorithm == "HS256" and self.jwt_secret == DEV_JWT_SECRET:
                raise ValueError("JWT_SECRET is the development secret; set a real one")
            if self.jwt_algorithm == "HS256" and (
                len(self.jwt_secret) < MIN_SECRET_LENGTH or PLACEHOLDER in self.jwt_secret
            ):
                raise ValueError(f"JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters"
                                 f" and not the '{PLACEHOLDER}' placeholder")
            if self.jwt_algorithm == "RS256" and not self.jwt_jwks_url:
                raise ValueError("JWT_JWKS_URL is required with RS256")
            if not self.kafka_bootstrap_servers or not self.database_url:
                raise ValueError("production needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL")
            if PLACEHOLDER in self.database_url:
                raise ValueError(f"DATABASE_URL still holds the '{PLACEHOLDER}' placeholder")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
