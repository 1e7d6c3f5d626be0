"""Configuration: every setting comes from an environment variable with a development default,
and production refuses development secrets and placeholders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.infra.settings import DEV_JWT_SECRET, Settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]

REAL_SECRET = "x7Jq2v9LrT4mW8nB3kP6sD1fG5hZ0cYa"
PRODUCTION = {
    "IDEASTORM_ENV": "production",
    "JWT_SECRET": REAL_SECRET,
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-0.kafka:9092",
    "DATABASE_URL": "postgresql://ideastorm:s3cr3t@db:5432/ideastorm",
    "LOG_SIGNING_KEY": "q3Vd1mXoF0bYyK0Jr2mJ7r8Z0h5w2pN4cL6sT9uV1xA=",
}
# a value other than the default for every setting, as an operator would write it
OVERRIDES: dict[str, tuple[str, Any]] = {
    "ideastorm_env": ("test", "test"),
    "ideastorm_home": ("/var/lib/ideastorm", "/var/lib/ideastorm"),
    "kafka_bootstrap_servers": ("kafka:9092", "kafka:9092"),
    "database_url": ("postgresql://u:p@db/x", "postgresql://u:p@db/x"),
    "kafka_replication_factor": ("3", 3),
    "http_workers": ("4", 4),
    "http_bench_route": ("true", True),
    "consumer_fetch_wait_ms": ("80", 80),
    "kafka_session_timeout_ms": ("30000", 30_000),
    "kafka_heartbeat_interval_ms": ("3000", 3_000),
    "consumer_max_records": ("2000", 2_000),
    "consumer_poll_ms": ("500", 500),
    "db_pool_min": ("2", 2),
    "db_pool_max": ("20", 20),
    "outage_backoff_max_s": ("5", 5.0),
    "restart_backoff_max_s": ("120", 120.0),
    "jwt_secret": (REAL_SECRET, REAL_SECRET),
    "jwt_algorithm": ("RS256", "RS256"),
    "jwt_jwks_url": ("https://id.example.dk/jwks", "https://id.example.dk/jwks"),
    "jwt_audience": ("ideastorm", "ideastorm"),
    "jwt_issuer": ("https://id.example.dk", "https://id.example.dk"),
    "jwt_jwks_refresh_s": ("600", 600.0),
    "jwt_jwks_min_refresh_s": ("30", 30.0),
    "web_session_secret": (REAL_SECRET, REAL_SECRET),
    "rate_limits": ("false", False),
    "rate_limit_per_participant": ("10/minute;100/hour", "10/minute;100/hour"),
    "rate_limit_per_address": ("5000/minute", "5000/minute"),
    "rate_limit_storage": ("redis://redis:6379", "redis://redis:6379"),
    "max_body_bytes": ("65536", 65_536),
    "http_host": ("0.0.0.0", "0.0.0.0"),
    "http_port": ("8080", 8080),
    "wait_for_timeout_s": ("5", 5.0),
    "worker_web_host": ("0.0.0.0", "0.0.0.0"),
    "worker_web_port": ("6066", 6066),
    "log_signing_key": ("q3Vd1mXoF0bYyK0Jr2mJ7r8Z0h5w2pN4cL6sT9uV1xA=",
                        "q3Vd1mXoF0bYyK0Jr2mJ7r8Z0h5w2pN4cL6sT9uV1xA="),
    "log_head_interval_s": ("30", 30.0),
    "log_level": ("DEBUG", "DEBUG"),
    "log_json": ("true", True),
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def test_every_setting_has_a_development_default(clean_env: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert s.ideastorm_env == "development"
    assert s.kafka_bootstrap_servers is None and s.database_url is None  # embedded ones
    assert s.jwt_secret == DEV_JWT_SECRET
    assert s.worker_web_port == 0
    # one gateway process per two cores, up to four; HTTP_WORKERS says otherwise
    assert s.gateway_processes == max(1, min((os.cpu_count() or 1) // 2, 4))
    assert Settings(http_workers=3).gateway_processes == 3


def test_every_setting_is_read_from_its_environment_variable(
    clean_env: pytest.MonkeyPatch,
) -> None:
    assert set(OVERRIDES) == set(Settings.model_fields), "a new setting needs a line here"
    for name, (raw, _) in OVERRIDES.items():
        clean_env.setenv(name.upper(), raw)
    s = Settings()
    for name, (_, expected) in OVERRIDES.items():
        value = getattr(s, name)
        assert (str(value) if name == "ideastorm_home" else value) == expected, name


RS256 = {"JWT_ALGORITHM": "RS256", "JWT_JWKS_URL": "https://id.example.dk/jwks",
         "JWT_ISSUER": "https://id.example.dk/", "JWT_AUDIENCE": "ideastorm"}


@pytest.mark.parametrize(("change", "complaint"), [
    ({"JWT_SECRET": DEV_JWT_SECRET}, "development secret"),
    ({**RS256, "JWT_SECRET": DEV_JWT_SECRET}, "WEB_SESSION_SECRET is required"),
    ({**RS256, "JWT_SECRET": "change-me"}, "WEB_SESSION_SECRET is required"),
    ({"WEB_SESSION_SECRET": "change-me"}, "WEB_SESSION_SECRET must be at least 32"),
    ({**RS256, "WEB_SESSION_SECRET": "too-short"}, "WEB_SESSION_SECRET must be at least 32"),
    ({"JWT_SECRET": "change-me"}, "JWT_SECRET"),
    ({"JWT_SECRET": "short-but-not-a-placeholder"}, "at least 32"),
    ({"JWT_SECRET": "change-me-change-me-change-me-change-me"}, "placeholder"),
    ({"JWT_ALGORITHM": "RS256"}, "JWT_JWKS_URL"),
    ({"KAFKA_BOOTSTRAP_SERVERS": ""}, "KAFKA_BOOTSTRAP_SERVERS"),
    ({"DATABASE_URL": ""}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://ideastorm:change-me@db/ideastorm"}, "placeholder"),
    ({"LOG_SIGNING_KEY": ""}, "LOG_SIGNING_KEY"),
    ({"LOG_SIGNING_KEY": "change-me"}, "LOG_SIGNING_KEY"),
    ({"LOG_SIGNING_KEY": "c2hvcnQ="}, "32 bytes"),
    ({"HTTP_BENCH_ROUTE": "true"}, "HTTP_BENCH_ROUTE is for benchmarks only"),
])
def test_production_refuses_development_secrets(
    clean_env: pytest.MonkeyPatch, change: dict[str, str], complaint: str
) -> None:
    for k, v in {**PRODUCTION, **change}.items():
        clean_env.setenv(k, v)
    with pytest.raises(ValidationError, match=complaint):
        Settings()


def test_production_starts_with_real_secrets(clean_env: pytest.MonkeyPatch) -> None:
    for k, v in PRODUCTION.items():
        clean_env.setenv(k, v)
    assert Settings().ideastorm_env == "production"
    clean_env.setenv("JWT_ALGORITHM", "RS256")
    clean_env.setenv("JWT_SECRET", DEV_JWT_SECRET)  # unused with RS256
    clean_env.setenv("JWT_JWKS_URL", "https://id.example.dk/.well-known/jwks.json")
    with pytest.raises(ValidationError, match="JWT_ISSUER and JWT_AUDIENCE"):
        Settings()
    clean_env.setenv("JWT_ISSUER", "https://id.example.dk/")
    clean_env.setenv("JWT_AUDIENCE", "ideastorm")
    with pytest.raises(ValidationError, match="WEB_SESSION_SECRET is required with RS256"):
        Settings()
    clean_env.setenv("WEB_SESSION_SECRET", REAL_SECRET[::-1])
    assert Settings().jwt_algorithm == "RS256"
    assert Settings().rate_limits_on  # production limits writes unless told otherwise


def test_development_keeps_its_convenient_defaults(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("JWT_SECRET", "change-me")
    assert Settings().jwt_secret == "change-me"


def test_a_production_rs256_gateway_without_a_session_secret_refuses_to_start() -> None:
    """Not ready-and-503 on every page: the process exits at start-up, saying what to set."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in Settings.model_fields} | PRODUCTION | RS256
    env["JWT_SECRET"] = DEV_JWT_SECRET
    run = subprocess.run([sys.executable, "-m", "services.cli", "gateway", "--port", "1"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "WEB_SESSION_SECRET is required with RS256 in production" in run.stderr, run.stderr
