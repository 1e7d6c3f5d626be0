"""The identity service's rules: when a sign-in writes the profile, whose name is shown."""

from __future__ import annotations

import pytest

from schemas.common import Sector
from services.identity.domain import (
    SELF_ERASURE_REASON,
    ClaimsMemo,
    ProfileClaims,
    claim_changes,
    claims_said,
    erasure_reason,
    shown_name,
)

pytestmark = pytest.mark.unit


def claims(pid: str = "p-1", name: str | None = "Ida Holm", email: str | None = "ida@kl.dk",
           sector: Sector | None = Sector.REGION) -> ProfileClaims:
    return ProfileClaims(participant_id=pid, display_name=name, email=email,
                         organisation="KL", sector=sector)


def test_a_sign_in_writes_only_when_its_claims_changed_since_this_process_stored_them() -> None:
    memo = ClaimsMemo(10)
    assert not memo.unchanged(claims())  # first use: write
    memo.remember(claims())
    assert memo.unchanged(claims())  # the same claims: nothing to write
    for changed in (claims(name="Ida Holm-Berg"), claims(email=None),
                    claims(sector=Sector.STATE), claims(sector=None)):
        assert not memo.unchanged(changed)
    memo.forget("p-1")  # erased: the next sign-in is seen as new (and refused by the table)
    assert not memo.unchanged(claims())


def test_the_memo_forgets_the_least_recently_seen_first() -> None:
    memo = ClaimsMemo(2)
    for pid in ("a", "b"):
        memo.remember(claims(pid))
    assert memo.unchanged(claims("a"))  # a is now the most recently seen
    memo.remember(claims("c"))
    assert memo.unchanged(claims("a")) and memo.unchanged(claims("c"))
    assert not memo.unchanged(claims("b"))


def test_claims_that_differ_only_by_who_they_are_about_digest_differently() -> None:
    assert claims("p-1").digest() != claims("p-2").digest()
    assert claims(name=None, email="x").digest() != claims(name="x", email=None).digest()


def test_a_name_is_shown_only_with_consent_and_only_when_there_is_one() -> None:
    assert shown_name("Ida Holm", True) == "Ida Holm"
    assert shown_name("Ida Holm", False) is None
    assert shown_name(None, True) is None


def test_an_erasure_records_the_admins_reason_or_that_the_person_asked() -> None:
    assert erasure_reason("written request 2026-11-30") == "written request 2026-11-30"
    assert erasure_reason(None) == SELF_ERASURE_REASON


def test_a_claim_changes_its_field_only_when_present_and_new() -> None:
    first, said = claim_changes(claims(), None, None)  # a first sign-in: every present claim
    assert first == {"display_name": "Ida Holm", "email": "ida@kl.dk", "organisation": "KL",
                     "sector": "region"} == said
    # a token without name and e-mail claims: nothing to change, and what they said is kept
    bare, kept = claim_changes(claims(name=None, email=None), said, claims().digest())
    assert bare == {} and kept == said
    # the same claims after the person edited their profile: their edit stays
    assert claim_changes(claims(), kept, None) == ({}, said)
    # the provider changed the name: that claim wins, the e-mail claim said nothing new
    renamed, said2 = claim_changes(claims(name="Ida Holm-Berg"), kept, None)
    assert renamed == {"display_name": "Ida Holm-Berg"}
    assert said2 == {**said, "display_name": "Ida Holm-Berg"}
    changes, _ = claim_changes(claims(sector=Sector.STATE), said2, None)
    assert changes == {"display_name": "Ida Holm", "sector": "state"}


def test_a_profile_stored_before_claims_were_remembered_keeps_its_edits_under_the_same_claims(
) -> None:
    legacy_hash = claims().digest()  # all that was stored: the hash of the last claims
    assert claim_changes(claims(), None, legacy_hash) == ({}, claims_said(claims()))
    changes, _ = claim_changes(claims(email=None), None, legacy_hash)
    # what each claim said is unknown: every present claim is taken, an absent one blanks nothing
    assert changes == {"display_name": "Ida Holm", "organisation": "KL", "sector": "region"}
