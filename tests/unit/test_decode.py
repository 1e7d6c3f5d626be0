"""decode(): every bad message is refused with the reason a dead-letter reader sees; good ones pass.

The table is over raw bytes as they arrive from Kafka, so it pins the refusal reasons whatever way
decode() parses them (one pass or several).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.envelope import Envelope, RefusedMessage, _decode_in_steps, decode
from schemas.ideas import IdeaSubmitted
from schemas.votes import VoteCast

pytestmark = pytest.mark.unit

NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC).isoformat()


def _vote(**payload: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"voter_id": "p-7", "campaign_id": str(uuid.uuid4()),
                            "idea_id": str(uuid.uuid4()), "value": 1, "sector": "municipality",
                            "client": "c0ffee"}
    body.update(payload)
    return body


def _idea(**payload: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"idea_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4()),
                            "title": "Shorter queues", "body": "Open the counter earlier.",
                            "tags": ["service"]}
    body.update(payload)
    return body


def _env(payload: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": str(uuid.uuid4()), "type": "vote.cast", "version": 1,
        "occurred_at": NOW, "recorded_at": NOW, "actor": "p-7",
        "correlation_id": str(uuid.uuid4()), "causation_id": None, "payload": payload,
    }
    body.update(overrides)
    return body


def _raw(payload: Any = None, **overrides: Any) -> bytes:
    return json.dumps(_env(_vote() if payload is None else payload, **overrides)).encode()


def _idea_raw(payload: Any = None, **overrides: Any) -> bytes:
    overrides = {"type": "idea.submitted", "version": 2, **overrides}
    return _raw(_idea() if payload is None else payload, **overrides)


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


NUL = "\u0000"

REFUSED: list[tuple[str, bytes | None, str]] = [
    # not a message at all
    ("no value (tombstone)", None, "malformed"),
    ("empty bytes", b"", "malformed"),
    ("not JSON", b"not json", "malformed"),
    ("truncated JSON", _raw()[:-5], "malformed"),
    ("JSON array", b"[1, 2]", "malformed"),
    ("JSON string", b'"vote.cast"', "malformed"),
    ("invalid UTF-8 in the envelope", _raw().replace(b'"p-7"', b'"p-\xff"', 1), "malformed"),
    ("invalid UTF-8 in the payload", _raw().replace(b'"c0ffee"', b'"caf\xe9"'), "malformed"),
    ("raw NUL byte", _raw().replace(b'"c0ffee"', b'"c0\x00ffee"'), "malformed"),
    # the envelope
    ("envelope field missing", json.dumps(_without(_env(_vote()), "actor")).encode(),
     "malformed"),
    ("extra envelope field", _raw(colour="red"), "malformed"),
    ("empty actor", _raw(actor=""), "malformed"),
    ("actor with a space", _raw(actor="p 7"), "malformed"),
    ("NUL in actor", _raw(actor=f"p{NUL}7"), "malformed"),
    ("event_id not a UUID", _raw(event_id="e-1"), "malformed"),
    ("naive occurred_at", _raw(occurred_at="2025-03-04T09:30:00"), "malformed"),
    ("version as words", _raw(version="one"), "malformed"),
    ("version 0", _raw(version=0), "malformed"),
    ("version past the envelope's bound", _raw(version=101), "malformed"),
    ("payload is a list", _raw([_vote()]), "malformed"),
    ("payload is null", json.dumps(_env(None)).encode(), "malformed"),
    ("type is a number", _raw(type=7), "malformed"),
    ("unknown type but a bad envelope", _raw(type="vote.teleported", actor=""), "malformed"),
    # type and version
    ("unknown type", _raw(type="vote.teleported"), "unknown_type"),
    ("NUL in type", _raw(type=f"vote.cast{NUL}"), "unknown_type"),
    ("unknown type with NUL in payload", _raw(_vote(client=NUL), type="vote.teleported"),
     "unknown_type"),
    ("unknown type with bad payload", _raw({"x": 1}, type="vote.teleported"), "unknown_type"),
    ("newer vote version", _raw(version=2), "unknown_version"),
    ("newer idea version", _idea_raw(version=4), "unknown_version"),
    ("newer version with bad payload", _raw({"x": 1}, version=2), "unknown_version"),
    ("newer version with NUL", _raw(_vote(client=NUL), version=2), "unknown_version"),
    # the payload
    ("payload field missing", _raw(_without(_vote(), "idea_id")), "malformed"),
    ("extra payload field", _raw(_vote(colour="red")), "malformed"),
    ("value out of range", _raw(_vote(value=2)), "malformed"),
    ("value as words", _raw(_vote(value="up")), "malformed"),
    ("campaign_id a number", _raw(_vote(campaign_id=12)), "malformed"),
    ("voter_id with a slash", _raw(_vote(voter_id="p/7")), "malformed"),
    ("unknown sector", _raw(_vote(sector="moon")), "malformed"),
    ("empty client", _raw(_vote(client="")), "malformed"),
    ("title too long", _idea_raw(_idea(title="t" * 201)), "malformed"),
    ("tags not a list", _idea_raw(_idea(tags="service")), "malformed"),
    ("too many tags", _idea_raw(_idea(tags=[f"t{i}" for i in range(11)])), "malformed"),
    ("negative cost", _idea_raw(_idea(estimated_cost=-1)), "malformed"),
    ("cost as a fraction", _idea_raw(_idea(estimated_cost=1.5)), "malformed"),
    # NUL anywhere in the payload: PostgreSQL text cannot hold it
    ("NUL in a payload string", _raw(_vote(client=f"c0{NUL}ffee")), "malformed"),
    ("NUL alone", _idea_raw(_idea(body=NUL)), "malformed"),
    ("NUL in a list item", _idea_raw(_idea(tags=["ok", f"b{NUL}d"])), "malformed"),
    ("NUL in an optional field", _idea_raw(_idea(category=f"x{NUL}")), "malformed"),
    ("NUL after an escaped backslash", _idea_raw(_idea(body=f"a\\{NUL}b")), "malformed"),
    ("NUL in a payload key", _idea_raw({**_idea(), f"k{NUL}": 1}), "malformed"),
    ("NUL in a v1 idea", _idea_raw({**_without(_idea(), "body"), "text": f"a{NUL}"}, version=1),
     "malformed"),
    # upcasting from version 1
    ("v1 idea without text", _idea_raw(_without(_idea(), "body"), version=1), "malformed"),
    ("v1 idea with a v2 body", _idea_raw(_idea(), version=1), "malformed"),
]


@pytest.mark.parametrize(("raw", "reason"), [(raw, reason) for _, raw, reason in REFUSED],
                         ids=[name for name, _, _ in REFUSED])
def test_a_bad_message_is_refused_with_its_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(RefusedMessage) as caught:
        decode(raw)
    assert caught.value.reason == reason


def test_a_refusal_names_the_field_that_was_wrong() -> None:
    with pytest.raises(RefusedMessage) as caught:
        decode(_raw(_vote(value=2)))
    assert "value" in caught.value.detail
    with pytest.raises(RefusedMessage) as caught:
        decode(_raw(version=2))
    assert caught.value.detail == "vote.cast version 2 is newer than 1"


def test_a_vote_cast_decodes_to_its_envelope_and_model() -> None:
    vote = _vote()
    body = _env(vote)
    env, model = decode(json.dumps(body).encode())
    assert model == VoteCast(voter_id="p-7", campaign_id=uuid.UUID(vote["campaign_id"]),
                             idea_id=uuid.UUID(vote["idea_id"]), value=1, sector="municipality",
                             client="c0ffee")
    assert type(env) is Envelope
    assert env.payload == vote and env.type == "vote.cast" and env.version == 1
    assert str(env.event_id) == body["event_id"] and env.actor == "p-7"
    assert env.occurred_at == datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def test_defaults_are_filled_in_the_model_and_an_oppose_vote_keeps_its_sign() -> None:
    env, model = decode(_raw(_without(_without(_vote(value=-1), "sector"), "client")))
    assert isinstance(model, VoteCast)
    assert model.value == -1 and model.sector is None and model.client is None
    _, plain = decode(_raw(_without(_vote(), "value")))
    assert isinstance(plain, VoteCast) and plain.value == 1


@pytest.mark.parametrize("text", ["back\\u0000slash", "\\\\u0000", "\\", "u0000", "\\\\"])
def test_an_escaped_backslash_before_u0000_is_text_not_nul(text: str) -> None:
    _, model = decode(_idea_raw(_idea(body=text)))
    assert isinstance(model, IdeaSubmitted) and model.body == text


def test_a_version_1_idea_is_upcast_to_the_current_version() -> None:
    v1 = {**_without(_idea(), "body"), "text": "Open the counter earlier."}
    v1.pop("tags")
    env, model = decode(_idea_raw(v1, version=1))
    assert isinstance(model, IdeaSubmitted)
    assert model.body == "Open the counter earlier." and model.tags == []
    assert env.version == 3 and env.payload == model.model_dump(mode="json")


def test_wrapped_ideas_and_votes_round_trip_through_decode() -> None:
    idea = IdeaSubmitted(idea_id=uuid.uuid4(), campaign_id=uuid.uuid4(), title="A", body="B",
                         tags=["x"], estimated_cost=10)
    vote = VoteCast(voter_id="p-1", campaign_id=uuid.uuid4(), idea_id=uuid.uuid4(), value=-1)
    for payload in (idea, vote):
        env = Envelope.wrap(payload, actor="p-1")
        decoded, model = decode(env.to_bytes())
        assert decoded == env and model == payload and type(model) is type(payload)
        assert decoded.to_bytes() == env.to_bytes() and decoded.key() == env.key()


def _outcome(decoder: Any, raw: bytes) -> tuple[Any, ...]:
    try:
        env, model = decoder(raw)
    except RefusedMessage as refused:
        return ("refused", refused.reason, refused.detail)
    return ("decoded", type(env), env.__dict__, env.model_fields_set, type(model), model.__dict__)


LAX = [
    ("version as text", _raw(version="1")),
    ("version as a float", _raw(version=1.0)),
    ("version as true", _raw(version=True)),
    ("value as text", _raw(_vote(value="-1"))),
    ("value as a float", _raw(_vote(value=-1.0))),
    ("value as true", _raw(_vote(value=True))),
    ("upper-case UUIDs", _raw(_vote(campaign_id=str(uuid.uuid4()).upper()))),
    ("UUID without dashes", _raw(_vote(idea_id=uuid.uuid4().hex))),
    ("padded title", _idea_raw(_idea(title="  Shorter queues  "))),
    ("only spaces in title", _idea_raw(_idea(title="   "))),
    ("timestamp as a number", _raw(occurred_at=1741080600)),
    ("Z time zone", _raw(recorded_at="2025-03-04T09:30:00Z")),
    ("no causation_id", json.dumps(_without(_env(_vote()), "causation_id")).encode()),
    ("cost as 10.0", _idea_raw(_idea(estimated_cost=10.0))),
    ("unicode unescaped", json.dumps(_env(_idea(body="Kø på rådhuset"), type="idea.submitted",
                                             version=2), ensure_ascii=False).encode()),
    ("duplicate payload key", _raw().replace(b'"voter_id": "p-7"',
                                             b'"voter_id": "p-7", "voter_id": "p-8"')),
    ("duplicate type", _raw().replace(b'"type": "vote.cast"',
                                      b'"type": "idea.submitted", "type": "vote.cast"')),
    ("duplicate payload", _raw().replace(b'"payload": {', b'"payload": {"x": 1}, "payload": {')),
]


@pytest.mark.parametrize("raw", [raw for _, raw in LAX], ids=[name for name, _ in LAX])
def test_one_pass_and_step_by_step_decoding_agree_on_lax_input(raw: bytes) -> None:
    assert _outcome(decode, raw) == _outcome(_decode_in_steps, raw)
