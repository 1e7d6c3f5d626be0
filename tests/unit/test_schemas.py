"""Event contracts: generated JSON Schema matches the models; versions upcast; bad input refused."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import generate
from schemas.base import Payload
from schemas.envelope import IDEASTORM_NS, Envelope, RefusedMessage, decode, derived_id
from schemas.ideas import IdeaFlagged, IdeaRevised, IdeaSubmitted, IdeaText, IdeaWithdrawn
from schemas.moderation import IdeaRevisionPublished, IdeaStatusChanged
from schemas.votes import VoteCast

pytestmark = pytest.mark.unit


def test_checked_in_json_schema_matches_the_models() -> None:
    wanted = generate.render()
    on_disk = {p.name: p.read_text() for p in generate.OUT.glob("*.json")}
    drifted = sorted(n for n in wanted if on_disk.get(n) != wanted[n])
    stale = sorted(set(on_disk) - set(wanted))
    assert not drifted and not stale, (
        f"schemas/json is out of date (drifted {drifted}, stale {stale}): "
        "run `python -m schemas.generate`"
    )


def _raw(**overrides: object) -> bytes:
    body: dict[str, object] = {
        "event_id": str(uuid.uuid4()), "type": "idea.submitted", "version": 2,
        "occurred_at": datetime.now(UTC).isoformat(), "recorded_at": datetime.now(UTC).isoformat(),
        "actor": "p-1", "correlation_id": str(uuid.uuid4()), "causation_id": None,
        "payload": {"idea_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4()),
                    "title": "Shorter queues", "body": "Open the counter earlier."},
    }
    body.update(overrides)
    return json.dumps(body).encode()


def test_version_1_idea_is_upcast_to_the_current_model() -> None:
    v1 = {"idea_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4()),
          "title": "Shorter queues", "text": "Open the counter earlier."}
    env, model = decode(_raw(version=1, payload=v1))
    assert isinstance(model, IdeaSubmitted)
    assert model.body == "Open the counter earlier." and model.tags == []
    assert env.version == 3 and "text" not in env.payload


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "malformed"),
        (_raw(type="idea.teleported"), "unknown_type"),
        (_raw(version=4), "unknown_version"),
        (_raw(actor=""), "malformed"),
        (_raw(payload={"idea_id": "x"}), "malformed"),
        (_raw(payload={"idea_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4()),
                       "title": "t", "body": "b", "colour": "red"}), "malformed"),
        (_raw(payload={"idea_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4()),
                       "title": "t" * 201, "body": "b"}), "malformed"),
        (_raw(payload={"idea_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4()),
                       "title": "t", "body": "nul \u0000 inside"}), "malformed"),
    ],
)
def test_bad_messages_are_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(RefusedMessage) as caught:
        decode(raw)
    assert caught.value.reason == reason


def test_wrapped_event_round_trips_with_its_key() -> None:
    idea = IdeaSubmitted(idea_id=uuid.uuid4(), campaign_id=uuid.uuid4(), title="A", body="B")
    env = Envelope.wrap(idea, actor="p-1")
    decoded, model = decode(env.to_bytes())
    assert decoded == env and model == idea
    assert env.topic == "ideas.submissions" and env.key() == str(idea.idea_id).encode()


SEALED = {"key": str(uuid.uuid4()), "nonce": "AAAAAAAAAAAAAAAA", "ciphertext": "A" * 40}


@pytest.mark.parametrize(("model", "payload", "problem"), [
    (IdeaSubmitted, {"sealed": SEALED, "title": "Plain too", "body": "b"}, "inside `sealed`"),
    (IdeaSubmitted, {"sealed": SEALED, "tags": ["t"]}, "inside `sealed`"),
    (IdeaSubmitted, {"title": "Only a title"}, "`sealed` (or, in an old event, body)"),
    (IdeaRevised, {}, "`sealed` (or, in an old event, title, body)"),
    (IdeaFlagged, {"reason": "spam", "sealed": SEALED, "note": "plain"}, "inside `sealed`"),
    (IdeaWithdrawn, {"sealed": SEALED, "reason": "plain"}, "inside `sealed`"),
    (IdeaStatusChanged, {"status": "published", "sealed": SEALED, "title": "t"},
     "inside `sealed`"),
    (IdeaRevisionPublished, {"revision": 2, "sealed": SEALED, "title": "t"}, "inside `sealed`"),
])
def test_an_event_carries_a_text_either_sealed_or_plain_never_both(
        model: type[Payload], payload: dict[str, object], problem: str) -> None:
    ids = {"idea_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4())}
    with pytest.raises(ValidationError, match=re.escape(problem)):
        model.model_validate({**ids, **payload})


def test_a_sealed_event_and_an_old_plain_one_both_decode() -> None:
    ids = {"idea_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4())}
    _, sealed = decode(_raw(version=3, payload={**ids, "sealed": SEALED}))
    assert isinstance(sealed, IdeaSubmitted) and sealed.title is None
    assert sealed.sealed is not None and sealed.plain_text() is None
    env, old = decode(_raw(version=2, payload={**ids, "title": "T", "body": "B"}))
    assert isinstance(old, IdeaSubmitted) and env.version == 3
    assert old.plain_text() == IdeaText(title="T", body="B")


def test_key_is_the_typed_models_key_and_derived_ids_are_name_based_uuids() -> None:
    vote = VoteCast(voter_id="voter-7", campaign_id=uuid.uuid4(), idea_id=uuid.uuid4())
    idea = IdeaSubmitted(idea_id=uuid.uuid4(), campaign_id=uuid.uuid4(), title="A", body="B")
    for payload in (vote, idea):
        env = Envelope.wrap(payload, actor="voter-7")
        assert env.key() == env.model().message_key().encode()
    assert Envelope.wrap(vote, actor="voter-7").key() == b"voter-7"  # a voter's votes in order
    parts = ("pabulib", "sha/1", "vote", "ballot 9", "ł")
    assert derived_id(*parts) == uuid.uuid5(IDEASTORM_NS, "/".join(parts))
    assert derived_id(*parts) != derived_id(*parts[:-1])


INVISIBLE = ["\u200b", "\u200c\u200d", "\u2060", "\ufeff", " \u200b \n", "\u3164", "\u0301"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_participant_text_with_no_visible_character_is_refused_in_every_field(text: str) -> None:
    from services.ideas.models import FlagIn, IdeaIn, WithdrawalIn

    for model, fields in ((IdeaIn, {"title": text, "body": "b"}),
                          (IdeaIn, {"title": "t", "body": text}),
                          (IdeaIn, {"title": "t", "body": "b", "tags": ["ok", text]}),
                          (FlagIn, {"reason": "spam", "note": text}),
                          (WithdrawalIn, {"reason": text}),
                          (IdeaText, {"title": text, "body": "b"})):
        with pytest.raises(ValidationError, match="no visible character"):
            model.model_validate(fields)


@pytest.mark.parametrize("control", BIDI)
def test_bidi_overrides_embeddings_and_isolates_are_refused(control: str) -> None:
    from services.ideas.models import IdeaIn

    with pytest.raises(ValidationError, match=f"bidirectional.*U\\+{ord(control):04X}"):
        IdeaIn.model_validate({"title": f"abc{control}def", "body": "b"})
    with pytest.raises(ValidationError, match="bidirectional"):
        IdeaText(title="t", body=f"x {control}")


def test_visible_text_with_joiners_and_direction_marks_is_kept() -> None:
    from services.ideas.models import IdeaIn

    title = "Cykler \U0001f469\u200d\U0001f527 \u200f\u05e9\u05dc\u05d5\u05dd\u200e ok"
    assert IdeaIn.model_validate({"title": title, "body": "\u200bb"}).title == title
