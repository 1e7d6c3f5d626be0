"""Settings for every process, from environment variables, validated at start-up."""

from __future__ import annotations

import base64
import os
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
    # How long the broker may hold a fetch while the consumer has nothing to read. Short, so a
    # lone vote is read as soon as it lands (light load); under heavy load fetches find data at
    # once and batches grow while the previous one is being written, up to the max records.
    consumer_fetch_wait_ms: int = Field(default=50, ge=0, le=5_000)

    db_pool_min: int = Field(default=1, ge=0)
    db_pool_max: int = Field(default=10, ge=1)
    # A projection that lost the database or broker retries after 0.5 s, 1 s, 2 s, ... at most
    # this long apart (services/infra/worker.py); `ideastorm up` restarts an exited process
    # after 1 s, 2 s, 4 s, ... at most `restart_backoff_max_s` apart (services/infra/supervise.py).
    outage_backoff_max_s: float = Field(default=15.0, gt=0, le=600)
    restart_backoff_max_s: float = Field(default=60.0, gt=0, le=3_600)

    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_jwks_url: str | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    # RS256: the identity provider's keys are cached this long, then refreshed in the background;
    # a token naming an unknown key refreshes them at most once per `jwt_jwks_min_refresh_s`
    jwt_jwks_refresh_s: float = Field(default=300.0, gt=0, le=86_400)
    jwt_jwks_min_refresh_s: float = Field(default=10.0, ge=0, le=3_600)
    # signs the web pages' CSRF tokens and their short-lived sign-in state; unset: JWT_SECRET,
    # which with RS256 may be unset too (then production refuses to start, see below)
    web_session_secret: str | None = None

    # Abuse limits at the edge (services/infra/limits.py). Rate limits count writes (POST, PUT,
    # PATCH, DELETE) per signed-in participant and per client address; None: on in production
    # only, so development, tests and benchmarks (thousands of votes/s from one address) are not
    # throttled. Each gateway process counts on its own with the default `memory://` storage.
    rate_limits: bool | None = None
    rate_limit_per_participant: str = "60/minute"
    rate_limit_per_address: str = "1200/minute"
    rate_limit_storage: str = "memory://"
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    # gateway processes sharing the port (each with its own pool and producer); unset: one per
    # two cores, at most four (the broker, database and workers need the rest of the machine)
    http_workers: int | None = Field(default=None, ge=1, le=64)
    wait_for_timeout_s: float = Field(default=5.0, gt=0, le=5)  # http.WAIT_FOR_MAX_S
    # bench.voting's raw limit of the HTTP edge: an undeclared route that does nothing, behind
    # the same middleware and server settings as every route; never in production
    http_bench_route: bool = False

    # A worker's own web server (/healthz, /readyz, /metrics). 0: any free port, so several
    # workers share a laptop; containers set a fixed port and bind 0.0.0.0 for their probes.
    worker_web_host: str = "127.0.0.1"
    worker_web_port: int = Field(default=0, ge=0, le=65535)

    # The installation's Ed25519 key for vote receipts and signed log heads: base64 of a 32-byte
    # seed. Unset: in development and tests one is made and kept in <home>/log-signing.key;
    # production refuses to start without it (a key lost is every receipt unverifiable).
    log_signing_key: str | None = None
    # A signed head of each vote partition at least this often while votes arrive
    log_head_interval_s: float = Field(default=60.0, gt=0, le=60)

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
            if self.jwt_algorithm == "RS256" and not (self.jwt_issuer and self.jwt_audience):
                raise ValueError("JWT_ISSUER and JWT_AUDIENCE are required with RS256 in production:"
                                 " a token from the same provider for another service is refused")
            if self.web_session_secret is not None and (
                len(self.web_session_secret) < MIN_SECRET_LENGTH
                or PLACEHOLDER in self.web_session_secret
            ):
                raise ValueError(f"WEB_SESSION_SECRET must be at least {MIN_SECRET_LENGTH}"
                                 f" characters and not the '{PLACEHOLDER}' placeholder")
            if self.web_session_secret is None and self.jwt_algorithm == "RS256" and (
                self.jwt_secret == DEV_JWT_SECRET or len(self.jwt_secret) < MIN_SECRET_LENGTH
                or PLACEHOLDER in self.jwt_secret
            ):
                # else the gateway would start, ready, and answer every web page with a 503
                raise ValueError("WEB_SESSION_SECRET is required with RS256 in production: the"
                                 " web pages sign their forms and sign-in state with it, and"
                                 " JWT_SECRET (unused by RS256) is no real secret to fall back on")
            if self.http_bench_route:
                raise ValueError("HTTP_BENCH_ROUTE is for benchmarks only; unset it in production")
            if not self.kafka_bootstrap_servers or not self.database_url:
                raise ValueError("production needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL")
            if PLACEHOLDER in self.database_url:
                raise ValueError(f"DATABASE_URL still holds the '{PLACEHOLDER}' placeholder")
            if not self.log_signing_key or PLACEHOLDER in self.log_signing_key:
                raise ValueError("LOG_SIGNING_KEY is required in production (receipts and log "
                                 "heads are signed with it): base64 of 32 random bytes")
        if self.log_signing_key and PLACEHOLDER not in self.log_signing_key:
            try:
                seed = base64.b64decode(self.log_signing_key, validate=True)
            except ValueError:
                seed = b""
            if len(seed) != 32:
                raise ValueError("LOG_SIGNING_KEY must be base64 of 32 bytes (openssl rand "
                                 "-base64 32)")
        return self

    @model_validator(mode="after")
    def _rate_limits_parse(self) -> Self:
        from limits import parse_many

        for name in ("rate_limit_per_participant", "rate_limit_per_address"):
            try:
                parse_many(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"{name.upper()} is not a rate like '60/minute': {exc}") from exc
        return self

    @property
    def gateway_processes(self) -> int:
        if self.http_workers is not None:
            return self.http_workers
        return max(1, min((os.cpu_count() or 1) // 2, 4))

    @property
    def rate_limits_on(self) -> bool:
        return self.rate_limits if self.rate_limits is not None else (
            self.ideastorm_env == "production")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
