"""Receipts and signed heads checked with the public key alone: a genuine one passes; an altered
receipt, an altered or forked head, a proof for another leaf, or another installation's key are
refused. And what a receipt's holder is told about the vote."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.infra import merkle, transparency
from services.infra.receipt_commands import check
from services.infra.transparency import Bundle, Receipt, SignedHead
from services.voting.domain.receipts import head_due, receipt_state

pytestmark = pytest.mark.unit

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = KEY.public_key()
STAMP = 1_796_000_000_123


def _log(n: int, topic: str = "votes", partition: int = 3) -> list[bytes]:
    return [merkle.leaf_hash(transparency.log_entry(
        topic, partition, i, STAMP + i, f"voter-{i % 4}".encode(),
        json.dumps({"event_id": str(uuid.UUID(int=i)), "n": i}).encode(), None))
        for i in range(n)]


def _bundle(leaves: list[bytes], position: int, size: int,
            key: Ed25519PrivateKey = KEY) -> tuple[Receipt, SignedHead, dict[str, object]]:
    nodes = merkle.build(leaves)

    def get(lv: int, i: int) -> bytes:
        return nodes[(lv, i)]

    receipt = transparency.sign_receipt(key, uuid.UUID(int=position), "votes", 3, position,
                                        STAMP + position, leaves[position])
    head = transparency.sign_head(key, "votes", 3, size, merkle.root(size, get), STAMP + 60_000)
    path = merkle.proof(merkle.inclusion_ranges(position, size), get)
    return receipt, head, transparency.bundle_json(receipt, head, path)


def test_a_genuine_receipt_verifies_with_the_public_key_alone() -> None:
    receipt, head, data = _bundle(_log(1000), 617, 1000)
    assert transparency.signed_by(receipt, PUBLIC) and transparency.signed_by(head, PUBLIC)
    assert transparency.verify_bundle(Bundle.model_validate(data), PUBLIC) == []
    # the receipt survives a round trip through JSON (what a participant keeps)
    again = Receipt.model_validate_json(receipt.model_dump_json())
    assert transparency.signed_by(again, PUBLIC)
    assert again.recorded_at == transparency.from_ms(STAMP + 617)


@pytest.mark.parametrize("change", [
    {"position": 618}, {"partition": 2}, {"event_id": str(uuid.uuid4())},
    {"leaf_hash": "00" * 32}, {"log": "ideas.submissions"},
])
def test_an_altered_receipt_is_refused(change: dict[str, object]) -> None:
    receipt, _, data = _bundle(_log(1000), 617, 1000)
    altered = Receipt.model_validate({**receipt.model_dump(mode="json"), **change})
    assert not transparency.signed_by(altered, PUBLIC)
    data = {**data, "receipt": altered.model_dump(mode="json")}
    assert transparency.verify_bundle(Bundle.model_validate(data), PUBLIC)


def test_an_altered_or_forked_head_is_refused() -> None:
    leaves = _log(1000)
    receipt, head, data = _bundle(leaves, 617, 1000)
    altered = {**head.model_dump(mode="json"), "tree_size": 999}
    assert transparency.verify_bundle(Bundle.model_validate({**data, "head": altered}), PUBLIC)
    # a fork: the same key signs a head over a history where one record differs
    forked = list(leaves)
    forked[12] = merkle.leaf_hash(b"a rewritten vote")
    _, fork_head, _ = _bundle(forked, 617, 1000)
    assert transparency.signed_by(fork_head, PUBLIC)
    problems = transparency.verify_bundle(
        Bundle.model_validate({**data, "head": fork_head.model_dump(mode="json")}), PUBLIC)
    assert problems == ["the inclusion proof does not lead from the receipt's leaf to the "
                        "head's root"]
    # another installation's key: neither the receipt nor the head is ours
    other = Ed25519PrivateKey.generate()
    assert len(transparency.verify_bundle(Bundle.model_validate(data), other.public_key())) == 2


def test_the_command_checks_a_file_with_the_key_alone() -> None:
    _, _, data = _bundle(_log(300), 5, 300)
    key = transparency.public_key_text(PUBLIC)
    status, lines = check(json.dumps({"genuine": True, "proof": data}), key)
    assert status == 0 and lines[0].startswith("OK"), lines
    data["inclusion"]["path"][0] = "11" * 32  # type: ignore[index]
    status, lines = check(json.dumps(data), key)
    assert status == 1 and lines[0] == "REFUSED"
    assert check("{}", key)[0] == 2
    assert check(json.dumps(data), "not a key")[0] == 2


def test_a_key_is_made_once_per_home_and_read_back(tmp_path: Path) -> None:
    home = tmp_path
    first = transparency.signing_key(None, home, create=True)
    again = transparency.signing_key(None, home, create=True)
    assert first.private_bytes_raw() == again.private_bytes_raw()
    assert (home / transparency.KEY_FILE).stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError, match="LOG_SIGNING_KEY"):
        transparency.signing_key(None, home / "elsewhere", create=False)


@pytest.mark.parametrize(("kind", "state", "reason", "parked", "word"), [
    ("cast", "counted", None, False, "counted"),
    ("cast", "held", "burst", False, "held"),
    ("cast", "withdrawn", None, False, "withdrawn"),
    ("cast", "replaced", None, False, "withdrawn"),
    ("cast", "refused", "over_budget", False, "refused"),
    ("cast", "discarded", None, False, "refused"),
    ("withdraw", "applied", None, False, "withdrawn"),
    (None, None, None, True, "pending"),
    (None, None, None, False, "unknown"),
])
def test_a_receipt_holder_is_told_the_vote_s_state_and_why(
        kind: str | None, state: str | None, reason: str | None, parked: bool,
        word: str) -> None:
    found = receipt_state(kind, state, reason, parked)
    assert found.state == word and found.reason
    if reason:
        assert reason in found.reason


def test_a_head_is_due_when_the_log_grew_or_a_campaign_closed() -> None:
    assert head_due(True, False) and head_due(False, True) and not head_due(False, False)
