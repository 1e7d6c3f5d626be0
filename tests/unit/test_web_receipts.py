"""The pure pieces behind "Tjek min stemme": what a pasted text or an uploaded file holds, which
receipt field a refusal names, the vote's state now in Danish words, and a form with a file."""

from __future__ import annotations

import json

import pytest

from services.voting.domain.receipts import receipt_state
from services.web import i18n
from services.web.receipts import pasted_receipt, state_words, unreadable_fields
from services.web.render import env
from services.web.session import Visit, multipart_fields

pytestmark = pytest.mark.unit

RECEIPT = {"version": 1, "event_id": "633f53fe-d345-4721-b7c1-b1989c503dcd", "log": "votes",
           "partition": 2, "position": 7, "recorded_at": "2026-12-07T16:08:24.674Z",
           "leaf_hash": "ab" * 32, "key_id": "ea326dbdc6bc85ae", "signature": "x" * 88}


@pytest.mark.parametrize("text", [
    json.dumps({"receipt": RECEIPT}),  # the receipt file
    json.dumps(RECEIPT, indent=2),  # the receipt alone
    "\ufeff" + json.dumps({"receipt": RECEIPT, "head": {}, "inclusion": {}}),  # the proof file
    json.dumps({"genuine": True, "proof": {"receipt": RECEIPT}}),  # a whole verify answer
])
def test_every_file_a_voter_may_hold_gives_its_receipt(text: str) -> None:
    assert pasted_receipt(text) == (RECEIPT, None)


@pytest.mark.parametrize(("text", "code"), [
    ("", "receipt_empty"), ("  \n", "receipt_empty"),
    ("min stemme på papir", "receipt_not_json"), ('{"receipt": ', "receipt_not_json"),
    ("[1, 2]", "receipt_unreadable"), ('{"vote": "yes"}', "receipt_unreadable"),
    (json.dumps({"receipt": {"event_id": "x"}}), "receipt_unreadable"),
])
def test_what_is_no_receipt_says_why(text: str, code: str) -> None:
    assert pasted_receipt(text) == (None, code)


def test_a_refusal_names_the_receipts_fields() -> None:
    whole = {"detail": {"code": "invalid_request", "errors": [
        {"where": "body", "problem": "Value error, receipt.position: expected integer, got "
                                     "the string 'syv'; receipt.partition: expected integer"}]}}
    assert unreadable_fields(whole) == ["position", "partition"]
    placed = {"detail": {"errors": [{"where": "body.receipt.leaf_hash", "problem": "pattern"},
                                    {"where": "body.receipt", "problem": "missing"}]}}
    assert unreadable_fields(placed) == ["leaf_hash"]
    assert unreadable_fields(None) == []


def vote(kind: str | None, state: str | None, reason: str | None = None,
         parked: bool = False) -> dict[str, object]:
    s = receipt_state(kind, state, reason, parked)
    return {"kind": kind, "state": s.state, "reason": s.reason, "cause": s.cause, "code": s.code}


@pytest.mark.parametrize(("v", "words"), [
    (vote("cast", "counted"), "Talt med: stemmen tæller med i optællingen."),
    (vote("cast", "replaced"), "Erstattet: en senere stemme fra dig på samme idé gælder i stedet."),
    (vote("cast", "discarded"), "Kasseret: en moderator har kasseret stemmen"),
    (vote("cast", "refused", "budget_exceeded"),
     "Afvist: stemmen tæller ikke med. Begrundelse: Du har ikke flere stemmer tilbage"),
    (vote("cast", "refused", "duplicate"), "Begrundelse: Du har allerede en stemme på idéen."),
    (vote("cast", "held", "client_burst: at least 5 votes from one client within 10 s"),
     "Tilbageholdt: en moderator skal se på stemmen, før den tæller med. Begrundelse: Mange "
     "stemmer fra samme enhed"),
    (vote("withdraw", "applied"), "Gennemført: tilbagetrækningen har virket"),
    (vote("withdraw", "refused", "no_active_vote"),
     "Afvist: tilbagetrækningen har ikke virket. Begrundelse: Du har ingen stemme"),
    (vote(None, None, parked=True), "Venter: stemmen venter på"),
    (vote(None, None), "Modtaget, men ikke behandlet endnu"),
])
def test_the_votes_state_now_reads_as_danish_with_the_reason(v: dict[str, object],
                                                             words: str) -> None:
    assert words in state_words(v, "da")
    english = state_words(v, "en")
    assert english != state_words(v, "da") and "Begrundelse" not in english


def test_a_form_with_a_file_gives_the_files_text() -> None:
    body = (b'--XX\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nabc\r\n'
            b'--XX\r\nContent-Disposition: form-data; name="receipt"\r\n\r\n\r\n'
            b'--XX\r\nContent-Disposition: form-data; name="receipt_file"; filename="k.json"\r\n'
            b'Content-Type: application/json\r\n\r\n{"r": "\xc3\xa6"}\n\r\n--XX--\r\n')
    assert multipart_fields("multipart/form-data; boundary=XX", body) == {
        "csrf": "abc", "receipt": "", "receipt_file": '{"r": "æ"}\n'}
    assert multipart_fields("multipart/form-data; boundary=XX", b"garbage") == {}


def check_page(answer: dict[str, object]) -> str:
    """The answer part of "Tjek min stemme" as the template writes it, in Danish."""
    def t(key: str, *args: object) -> str:
        text = i18n.translate(key, "da")
        return text % args if args else text

    v = Visit(None, None, "da", "token", "nonce", False, None)
    return env.get_template("check.html").render(
        t=t, when=lambda x: i18n.when(x, "da"), num=lambda x, d=0: i18n.num(x, "da", d),
        shown=lambda x: i18n.shown(x, "da"), state_words=lambda x: state_words(x, "da"),
        v=v, lang="da", path="/tjek", query="", errors=[], err={}, values={},
        need_signin=False, title=None, receipt=RECEIPT, answer=answer,
        receipt_text=json.dumps({"receipt": RECEIPT}), campaign_id=None)


def test_the_answer_says_what_is_not_proven_yet_or_not_found() -> None:
    genuine = {"genuine": True, "key_id": RECEIPT["key_id"], "public_key": "a" * 44,
               "problems": [], "proof": None}
    waiting = check_page({**genuine, "recorded": True, "included": False,
                          "vote": vote("cast", "counted")})
    assert "Endnu ikke med i en signeret status" in waiting
    assert "Hent beviset" not in waiting  # no proof file before a head covers the vote
    assert "Talt med: stemmen tæller med" in waiting
    lost = check_page({**genuine, "recorded": False, "included": False, "vote": None})
    assert "Stemmeloggen indeholder ikke den registrering" in lost
    assert "Stemmens status nu" not in lost and "signeret status" not in lost
