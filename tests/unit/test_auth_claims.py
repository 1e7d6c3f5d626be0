"""Token claims: every way a signed token can be unusable is an AuthError (a 401), never a crash."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from services.infra.auth import AuthError, Role, TokenVerifier, mint_token, principal_from
from services.infra.settings import Settings

pytestmark = pytest.mark.unit

SECRET = "a-unit-test-secret-that-is-long-enough-0123"
ISSUER = "https://login.example.dk/"
AUDIENCE = "ideastorm"


def _settings(**kw: Any) -> Settings:
    return Settings(jwt_secret=SECRET, **kw)


def _token(claims: dict[str, Any], *, secret: str = SECRET, drop: tuple[str, ...] = ()) -> str:
    now = int(time.time())
    base: dict[str, Any] = {"sub": "p-1", "roles": ["participant"], "iat": now, "exp": now + 600}
    body = {k: v for k, v in {**base, **claims}.items() if k not in drop}
    return jwt.encode(body, secret, algorithm="HS256")


def test_a_good_token_names_the_caller_roles_and_sector() -> None:
    p = TokenVerifier(_settings()).verify(_token({"sub": "urn:uuid:7f3e-aa@nemlog-in.dk",
                                                  "roles": "participant moderator",
                                                  "sector": "municipality"}))
    assert p.sub == "urn:uuid:7f3e-aa@nemlog-in.dk"
    assert p.roles == {Role.PARTICIPANT, Role.MODERATOR}
    assert p.sector is not None and p.sector.value == "municipality"


@pytest.mark.parametrize(("claims", "drop", "complaint"), [
    ({"sub": ""}, (), "sub must be 1 to 128"),
    ({"sub": "x" * 5000}, (), "sub must be 1 to 128"),
    ({"sub": "x" * 129}, (), "sub must be 1 to 128"),
    ({"sub": "has space"}, (), "sub must be"),
    ({"sub": "nul\x00byte"}, (), "sub must be"),
    ({"sub": "ø-unicode"}, (), "sub must be"),
    ({"sub": 12345}, (), "sub must be"),
    ({"sub": ["a"]}, (), "sub must be"),
    ({"sub": None}, (), "sub"),
    ({}, ("sub",), "sub"),
    ({"roles": ["participant", "superuser"]}, (), "unknown role 'superuser'"),
    ({"roles": "root"}, (), "unknown role 'root'"),
    ({"roles": []}, (), "no roles"),
    ({}, ("roles",), "no roles"),
    ({"roles": {"participant": True}}, (), "roles must be a list"),
    ({"roles": [1, 2]}, (), "roles must be a list"),
    ({"roles": 7}, (), "roles must be a list"),
    ({"roles": ["participant"] * 17}, (), "more than 16 roles"),
    ({"sector": "mars"}, (), "sector must be one of"),
    ({"sector": ["state"]}, (), "sector must be one of"),
    ({"sector": 3}, (), "sector must be one of"),
    ({"email": "not an address"}, (), "email: .*e-mail address"),
    ({"email": "a@b"}, (), "email: .*e-mail address"),
    ({"email": ["a@b.dk"]}, (), "email must be a string"),
    ({"name": "x" * 101}, (), "name: .*at most 100"),
    ({"name": "bell\x07"}, (), "name: .*control characters"),
    ({"organisation": "o" * 201}, (), "organisation: .*at most 200"),
    ({"organisation": 42}, (), "organisation must be a string"),
    ({}, ("exp",), "exp"),
    ({"exp": "tomorrow"}, (), "exp"),
    ({"exp": int(time.time()) - 3600}, (), "expired"),
    ({"iat": "now"}, (), "iat"),
])
def test_unusable_claims_are_refused_with_the_reason(
    claims: dict[str, Any], drop: tuple[str, ...], complaint: str
) -> None:
    with pytest.raises(AuthError, match=complaint):
        TokenVerifier(_settings()).verify(_token(claims, drop=drop))


def test_profile_claims_are_read_trimmed_and_absent_ones_are_none() -> None:
    verifier = TokenVerifier(_settings())
    p = verifier.verify(_token({"name": " Søren Ærø ", "email": "soeren@odense.dk",
                                "organisation": "Odense Kommune"}))
    assert (p.name, p.email, p.organisation) == ("Søren Ærø", "soeren@odense.dk",
                                                 "Odense Kommune")
    bare = verifier.verify(_token({"name": ""}))
    assert (bare.name, bare.email, bare.organisation) == (None, None, None)
    minted = mint_token(_settings(), sub="p-2", roles=["participant"],
                        profile={"name": "Ida", "email": "ida@kl.dk"})
    assert verifier.verify(minted).email == "ida@kl.dk"
    with pytest.raises(AuthError, match="not a profile claim"):
        mint_token(_settings(), sub="p-2", roles=["participant"], profile={"roles": "admin"})


def test_an_over_long_subject_is_not_echoed_back() -> None:
    with pytest.raises(AuthError) as info:
        TokenVerifier(_settings()).verify(_token({"sub": "y" * 5000}))
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("token", [
    "", "not-a-token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.", "ø.ø.ø", "x" * 10_000,
])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(AuthError):
        TokenVerifier(_settings()).verify(token)


def test_a_token_signed_with_another_secret_or_alg_none_is_refused() -> None:
    verifier = TokenVerifier(_settings())
    with pytest.raises(AuthError, match="Signature"):
        verifier.verify(_token({}, secret="another-secret-that-is-also-long-enough-99"))
    unsigned = jwt.encode({"sub": "p-1", "roles": ["admin"], "exp": int(time.time()) + 60},
                          None, algorithm="none")
    with pytest.raises(AuthError):
        verifier.verify(unsigned)


def test_issuer_and_audience_are_required_once_configured() -> None:
    verifier = TokenVerifier(_settings(jwt_issuer=ISSUER, jwt_audience=AUDIENCE))
    good = {"iss": ISSUER, "aud": AUDIENCE}
    assert verifier.verify(_token(good)).sub == "p-1"
    for claims, drop, complaint in [
        ({"aud": AUDIENCE}, (), "iss"),
        ({"iss": ISSUER}, (), "aud"),
        ({**good, "iss": "https://evil.example/"}, (), "(?i)issuer"),
        ({**good, "aud": "another-service"}, (), "(?i)audience"),
    ]:
        with pytest.raises(AuthError, match=complaint):
            verifier.verify(_token(claims, drop=drop))


def test_minted_development_tokens_carry_the_configured_issuer_and_audience() -> None:
    s = _settings(jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    token = mint_token(s, sub="m-1", roles=["moderator"])
    assert TokenVerifier(s).verify(token).roles == {Role.MODERATOR}


def test_principal_from_accepts_the_subject_rule_of_event_actors() -> None:
    # the subject becomes the actor of events: a token the envelope would refuse must not pass
    longest = "a" * 128
    assert principal_from({"sub": longest, "roles": ["admin"]}).sub == longest


def test_an_rs256_verifier_refuses_a_token_without_a_key_id_before_any_fetch() -> None:
    s = Settings(jwt_algorithm="RS256", jwt_jwks_url="http://127.0.0.1:9/jwks.json")
    with pytest.raises(AuthError, match="kid"):
        TokenVerifier(s).verify(_token({}))
