"""Every refusal the API can give reads as a sentence in Danish and English on the pages, and
numbers, dates and times are written the Danish way, in Danish time."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from services.web import i18n
from services.web.api import Reply
from services.web.changes import in_words
from services.web.errors import MESSAGES, explain

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# codes raised as literals, and the refusal reasons domains return as ("reason", ...) pairs
LITERAL = re.compile(r"""ApiError\(\s*[\w.]+\s*,\s*["']([a-z_]+)["']""")
REASON = re.compile(r"""(?:return|reason\s*=|Refusal\(|Refused\()\s*\(?\s*["']([a-z]+_[a-z_]+)["']""")


def codes_in_services() -> set[str]:
    found: set[str] = set()
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "schemas").rglob("*.py")]:
        text = path.read_text()
        found |= set(LITERAL.findall(text))
        if "domain" in path.parts or "schemas" in path.parts or path.name in (
                "domain.py", "handlers.py", "holds.py"):
            found |= set(REASON.findall(text))
    return found


def test_every_error_code_a_service_raises_has_a_danish_and_an_english_sentence() -> None:
    codes = codes_in_services()
    assert {"campaign_closed", "already_flagged", "budget_exceeded", "not_in_audience"} <= codes
    # codes chosen at run time, which the patterns above cannot see
    codes |= {"selection_pending", "selection_campaign_busy", "selection_caller_busy"}
    missing = sorted(codes - MESSAGES.keys())
    assert not missing, f"error codes without a sentence for people: {missing}"
    assert all(da and en and da != en for da, en in MESSAGES.values())


def reply(status: int, detail: dict[str, object]) -> Reply:
    return Reply(status, {"detail": detail}, b"", httpx.Headers())


def test_a_refusal_names_the_field_in_the_pages_words_not_the_apis() -> None:
    r = reply(422, {"code": "invalid_request",
                    "message": "the request is not valid: body.body: String should have at "
                               "least 1 character",
                    "errors": [{"where": "body.body",
                                "problem": "String should have at least 1 character"}]})
    got = explain(r, "da", {"title": "Titel", "body": "Beskrivelse"})
    assert got.fields == {"body": "Beskrivelse skal udfyldes."}
    assert "String should" not in got.summary and got.summary.startswith("Noget i formularen")
    sector = explain(reply(403, {"code": "not_in_audience",
                                 "message": "open only to the sectors municipality, region, "
                                            "not 'citizen'"}), "da")
    assert sector.summary.startswith("Kampagnen er kun åben for deltagere fra bestemte sektorer")
    flagged = explain(reply(409, {"code": "already_flagged", "message": "x"}), "en")
    assert flagged.summary == "You have already flagged this idea."


def test_numbers_dates_and_times_are_danish_and_in_copenhagen_time() -> None:
    assert i18n.num(9_000_000, "da") == "9.000.000" and i18n.num(9_000_000, "en") == "9,000,000"
    assert i18n.pct(84.2, "da") == "84,2 %" and i18n.pct(35, "da") == "35 %"
    assert i18n.kr(9_000_000, "da") == "9.000.000 kr."
    # 12:00 UTC is 13.00 in Copenhagen in winter and 14.00 in summer
    assert i18n.when("2026-12-07T12:00:00+00:00", "da") == "7. dec. 2026 kl. 13.00"
    assert i18n.when("2026-06-07T12:00:00+00:00", "da") == "7. jun. 2026 kl. 14.00"
    assert i18n.day("2026-03-01", "da") == "1. mar. 2026"


def test_the_change_feed_reads_as_sentences_from_the_facts_own_fields() -> None:
    # the summary is English for programs: the sentence never reads it back
    english = "milestone partnere completed on 2026-03-01"
    assert in_words({"type": "progress.milestone_completed", "summary": english,
                     "details": {"milestone_id": "partnere", "completed_on": "2026-03-01"}},
                    "da") == "Milepælen \u201cpartnere\u201d er nået den 1. mar. 2026"
    assert in_words({"type": "plan.budget_approved", "summary": "budget approved: DKK 9,000,000",
                     "details": {"amount_dkk": 9_000_000}}, "da") == \
        "Budgettet er godkendt: 9.000.000 kr."
    assert in_words({"type": "progress.spend_reported", "summary": "SpendReported",
                     "details": {"as_of": "2026-06-30", "spent_dkk": 1_250_000,
                                 "forecast_dkk": 2_400_000}}, "da") == \
        "Forbruget er opgjort til 1.250.000 kr. pr. 30. jun. 2026, prognose for året 2.400.000 kr."
    assert in_words({"type": "progress.reported", "summary": "x",
                     "details": {"percent": 84.2, "rag": "amber", "as_of": "2026-12-07"}},
                    "da") == "Fremdrift 84,2 % pr. 7. dec. 2026, vurderet gul"
    assert in_words({"type": "progress.reported", "summary": "x",
                     "details": {"percent": 40, "rag": "red", "as_of": "2026-12-07"}}, "en") == \
        "Progress 40 % as of 7 Dec 2026, rated red"
    assert in_words({"type": "progress.goal_measured", "summary": "x",
                     "details": {"goal_id": "deltagere", "value": 1234.0,
                                 "measured_on": "2026-05-02"}}, "da") == \
        "Målet \u201cdeltagere\u201d er målt til 1.234 den 2. maj 2026"
    assert in_words({"type": "exception.reported", "summary": "x",
                     "details": {"breach": "cost", "reported_on": "2026-05-02"}}, "da") == \
        "Afvigelsesrapport (omkostning) afgivet den 2. maj 2026"
    # a type the pages do not know reads as the API's summary
    assert in_words({"type": "something.new", "summary": "as said"}, "da") == "as said"
