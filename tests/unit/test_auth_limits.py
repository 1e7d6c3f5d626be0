"""Edge limits as pure logic: which writes are refused, how long to wait, and which settings are
refused at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.infra.limits import WriteLimits, security_headers
from services.infra.settings import Settings

SIGNING_KEY = "q3Vd1mXoF0bYyK0Jr2mJ7r8Z0h5w2pN4cL6sT9uV1xA="
pytestmark = pytest.mark.unit

REAL_SECRET = "x7Jq2v9LrT4mW8nB3kP6sD1fG5hZ0cYa"


async def test_a_participant_gets_its_own_budget_and_then_a_wait() -> None:
    limits = WriteLimits(Settings(rate_limits=True, rate_limit_per_participant="2/minute;3/hour"))
    assert [await limits.participant("a") for _ in range(2)] == [None, None]
    refused = await limits.participant("a")
    assert refused is not None
    assert 1 <= refused.retry_after_s <= 60
    assert "at most 2 per 1 minute" in refused.message
    assert await limits.participant("b") is None  # another participant is not affected
    assert await limits.address("a") is None  # addresses are counted apart from participants


async def test_limits_are_off_unless_production_or_asked_for() -> None:
    for env in ("development", "test"):
        limits = WriteLimits(Settings(ideastorm_env=env, rate_limit_per_participant="1/minute"))
        assert [await limits.participant("a") for _ in range(5)] == [None] * 5
    production = Settings(ideastorm_env="production", jwt_secret=REAL_SECRET,
                          kafka_bootstrap_servers="k:9092", database_url="postgresql://u:p@d/x",
                          log_signing_key=SIGNING_KEY,
                          rate_limit_per_address="1/minute")
    limits = WriteLimits(production)
    assert await limits.address("10.0.0.1") is None
    assert await limits.address("10.0.0.1") is not None
    off = WriteLimits(production.model_copy(update={"rate_limits": False}))
    assert [await off.address("10.0.0.1") for _ in range(3)] == [None] * 3


@pytest.mark.parametrize("rate", ["lots", "60/fortnight", "", "-1/minute"])
def test_a_rate_that_is_not_a_rate_is_refused_at_start(rate: str) -> None:
    with pytest.raises(ValidationError, match="RATE_LIMIT_PER_PARTICIPANT"):
        Settings(rate_limit_per_participant=rate)


def test_strict_transport_security_only_in_production() -> None:
    assert "Strict-Transport-Security" not in security_headers(Settings())
    production = Settings(ideastorm_env="production", jwt_secret=REAL_SECRET,
                          kafka_bootstrap_servers="k:9092", database_url="postgresql://u:p@d/x",
                          log_signing_key=SIGNING_KEY)
    assert security_headers(production)["Strict-Transport-Security"].startswith("max-age=")
