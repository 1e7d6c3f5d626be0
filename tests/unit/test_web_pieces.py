"""Pure pieces of the web pages: PKCE, redirects, revision diffs, and every word in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from schemas.common import Sector
from schemas.ideas import FlagReason
from schemas.moderation import Decision, IdeaStatus
from schemas.participation import AnswerState, EmailFrequency
from schemas.plan import Rag
from services.identity import domain as identity_domain
from services.infra.auth import Role
from services.voting.domain import what_if
from services.web import i18n, oidc
from services.web.pages import local
from services.web.settings import WebSettings
from services.web.staff import diff

pytestmark = pytest.mark.unit
TEMPLATES = Path(i18n.__file__).parent / "templates"


def test_pkce_challenge_is_rfc_7636_s256() -> None:
    # the example of RFC 7636, appendix B
    assert oidc.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_sign_in_starts_at_the_provider_with_state_nonce_and_challenge() -> None:
    s = WebSettings(oidc_authorize_url="https://id.example/authorize?tenant=coi",
                    oidc_token_url="https://id.example/token", oidc_client_id="ideastorm")
    first = oidc.start(s, "https://ideer.example/auth/callback")
    again = oidc.start(s, "https://ideer.example/auth/callback")
    url = urlsplit(first.url)
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://id.example/authorize"
    assert q["tenant"] == "coi" and q["response_type"] == "code" and q["client_id"] == "ideastorm"
    assert q["redirect_uri"] == "https://ideer.example/auth/callback"
    assert q["code_challenge_method"] == "S256"
    assert q["code_challenge"] == oidc.challenge(first.verifier)
    assert q["state"] == first.state and q["nonce"] == first.nonce
    assert 43 <= len(first.verifier) <= 128
    assert {first.state, first.verifier} & {again.state, again.verifier} == set()
    assert not oidc.configured(WebSettings())


@pytest.mark.parametrize("given, kept", [
    ("/c/1?sort=newest", "/c/1?sort=newest"), ("//evil.example/", "/"),
    ("https://evil.example/", "/"), ("/\\evil.example", "/"), (None, "/"), ("", "/")])
def test_redirects_stay_on_this_site(given: str | None, kept: str) -> None:
    assert local(given) == kept


def test_a_revision_diff_marks_what_was_added_and_removed() -> None:
    old = {"title": "Longer opening hours", "body": "Open until 18.\nOn weekdays."}
    new = {"title": "Longer opening hours", "body": "Open until 20.\nOn weekdays."}
    lines = diff(old, new)
    assert ("-", "Open until 18.") in lines and ("+", "Open until 20.") in lines
    assert (" ", "On weekdays.") in lines and (" ", "Longer opening hours") in lines


def test_every_word_the_templates_use_exists_in_danish_and_english() -> None:
    used: set[str] = set()
    for f in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+)["']""", f.read_text()))
    assert used, "no words found: the pattern no longer matches the templates"
    # words named from a value ("status_" ~ idea.status): every value the API can send
    values = {"status_": IdeaStatus, "decision_": Decision, "flag_": FlagReason, "role_": Role,
              "sector_": Sector, "rag_": Rag,
              # an idea's journey: moderators' decisions and official answers
              "jr_decision_": Decision, "jr_answer_": AnswerState}
    assert {k for k in used if k.endswith("_")} <= {
        *values, "plan_status_", "phase_", "vote_state_", "kind_", "lang_", "receipt_",
        "wi_rule_", "wi_", "wi_skipped_", "notify_email_", "notify_answer_", "notify_kind_",
        "answer_state_", "answer_option_"}
    used = {k for k in used if not k.endswith("_")}
    used |= {f"{prefix}{v.value}" for prefix, enum in values.items() for v in enum}
    used |= {"plan_status_draft", "plan_status_approved"}
    # official answers: the state on the idea page and the console, and in the moderation log
    used |= {f"decision_{a.value}" for a in AnswerState}
    # an answer into an initiative names it (`answer_into_named`) or says it is unnamed
    used |= {f"answer_state_{a.value}" for a in AnswerState
             if a is not AnswerState.TAKEN_FORWARD_INTO_INITIATIVE}
    used |= {"answer_option_taken_forward_into_initiative"}
    used |= {f"phase_{p}" for p in ("scheduled", "open", "closed")}
    used |= {f"vote_state_{s}" for s in ("counted", "refused", "pending", "withdrawn",
                                         "replaced", "applied", "merged_duplicate", "held",
                                         "discarded", "unknown")}
    used |= {f"kind_{k}" for k in ("cast", "withdraw", "unknown")}
    used |= {"receipt_cast", "receipt_withdraw"}
    # the what-if's rules and variations (services/voting/domain/what_if.py)
    variations = (what_if.BASELINE, what_if.NO_THRESHOLD, what_if.HELD_RELEASED,
                  what_if.MERGES_UNDONE)
    used |= {f"wi_rule_{r.replace(' ', '_')}" for r in what_if.RULES}
    used |= {f"wi_{v}" for v in variations if v != what_if.BASELINE} | {"wi_baseline"}
    used |= {f"wi_skipped_{v}" for v in (*variations[1:], what_if.WITHOUT_SECTOR.rstrip(":"),
                                         "all")}
    # following and notifications: what a notification tells, e-mail choices, answer states
    used |= {f"notify_kind_{k}" for k in identity_domain.KINDS}
    used |= {f"notify_email_{f.value}" for f in EmailFrequency}
    used |= {f"notify_answer_{a.value}" for a in AnswerState}
    missing = sorted(used - i18n.WORDS.keys())
    assert not missing, f"words without a translation: {missing}"
    same = [k for k, (da, en) in i18n.WORDS.items() if not da or not en]
    assert not same


def test_erased_text_reads_in_the_pages_language() -> None:
    assert i18n.shown("[slettet]", "da") == "[slettet]" and i18n.shown("[slettet]", "en") == "[erased]"
    assert i18n.shown("Bænke ved søen", "en") == "Bænke ved søen" and i18n.shown(None, "da") == ""


def test_the_stability_table_puts_every_rule_s_winners_first_and_marks_the_others() -> None:
    from services.web.results import stability_table

    scenarios = [{"name": n, "rule": r, "variation": v, "selected": s, "total_cost": 1,
                  "funded_voters": 1, "voters": 2}
                 for n, r, v, s in (("greedy/baseline", "greedy", "baseline", ["a", "b"]),
                                    ("equal shares/without_sector:state", "equal shares",
                                     "without_sector:state", ["a", "c"]))]
    table = stability_table({
        "official": "greedy/baseline", "budget": 10, "votes": 5, "scenarios": scenarios,
        "stable": ["a"], "skipped": {"merges_undone": "no idea was merged"},
        "depends": [{"idea_id": "b", "funded_in": ["greedy/baseline"]},
                    {"idea_id": "c", "funded_in": ["equal shares/without_sector:state"]}],
        "titles": {"a": "Bænke", "b": "Lys", "c": None}})
    assert [(r["idea_id"], r["title"], r["stable"], r["funded"], r["count"])
            for r in table["rows"]] == [("a", "Bænke", True, [True, True], 2),
                                        ("b", "Lys", False, [True, False], 1),
                                        ("c", None, False, [False, True], 1)]  # not published
    assert [(s["rule_key"], s["variation_key"], s["sector"]) for s in table["scenarios"]] == [
        ("greedy", "baseline", ""), ("equal_shares", "without_sector", "state")]
    assert table["skipped"] == ["merges_undone"] and not table["pending"]
