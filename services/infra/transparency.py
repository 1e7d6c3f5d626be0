"""Receipts and signed heads of the event log: what a participant keeps, what a verifier checks.

Each partition of a logged topic is a Merkle tree (`merkle.py`, RFC 9162) whose leaf n is the
archived record at offset n, as `log_entry` encodes it. The installation signs (Ed25519):

- a **receipt** for each record it accepts: event id, topic, partition, offset, the record's time
  and its leaf hash. Nothing in it names the participant (the leaf hash is of a record holding a
  random event id, so it cannot be guessed from a voter id);
- a **signed head** of each partition, at least every minute while records arrive: its size,
  its root and the time.

A receipt is checked with the public key alone (genuine?), and against a head with its inclusion
proof (in the log?): `verify_bundle` does both with nothing but the head, the proof and the key,
which is what `ideastorm verify-receipt FILE` runs. No database or broker is needed here.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.infra import merkle

RECEIPT_LABEL = b"ideastorm/receipt/v1"
HEAD_LABEL = b"ideastorm/log-head/v1"
KEY_FILE = "log-signing.key"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Hex32 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Signature = Annotated[str, Field(min_length=80, max_length=100,
                                 description="Ed25519 signature, base64")]


def _fields(*values: bytes | None) -> bytes:
    """Each value as an 8-byte big-endian length and its bytes (all ff for a missing one): the
    encoding of the archive's hash chain."""
    out = bytearray()
    for v in values:
        if v is None:
            out += b"\xff" * 8
        else:
            out += len(v).to_bytes(8, "big") + v
    return bytes(out)


def log_entry(topic: str, partition: int, offset: int, timestamp_ms: int, key: bytes | None,
              value: bytes | None, headers: bytes | None) -> bytes:
    """The Merkle leaf of an archived record: its fields as the hash chain encodes them."""
    return _fields(topic.encode(), str(partition).encode(), str(offset).encode(),
                   str(timestamp_ms).encode(), key, value, headers)


def to_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(public.public_bytes_raw()).hexdigest()[:16]


def public_key_text(public: Ed25519PublicKey) -> str:
    return base64.b64encode(public.public_bytes_raw()).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key as `GET /log/heads` gives it (base64 of the 32 raw bytes)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise ValueError("not an Ed25519 public key (base64 of 32 bytes)") from exc


def signing_key(configured: str | None, home: Path, *, create: bool) -> Ed25519PrivateKey:
    """The installation's key: `LOG_SIGNING_KEY` (base64 of a 32-byte Ed25519 seed), else the one
    kept in `<home>/log-signing.key`, made there on first use when `create` (development and
    tests; production refuses to start without the setting)."""
    if configured:
        try:
            return Ed25519PrivateKey.from_private_bytes(base64.b64decode(configured,
                                                                         validate=True))
        except ValueError as exc:
            raise ValueError("LOG_SIGNING_KEY is not base64 of a 32-byte Ed25519 seed") from exc
    path = home / KEY_FILE
    if not path.exists():
        if not create:
            raise ValueError("LOG_SIGNING_KEY is not set")
        home.mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        # written whole under a name of its own, then linked into place: a process that finds
        # the file never reads it half-written, and of two that race, one key wins
        draft = home / f".{KEY_FILE}.{os.getpid()}.{uuid.uuid4().hex}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(seed).decode() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process of this installation made it first: use theirs
        finally:
            draft.unlink()
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text().strip()))


class Receipt(BaseModel):
    """Proof that the installation accepted an event at a place in its log. It names no one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1, le=1)
    event_id: uuid.UUID
    log: str = Field(min_length=1, max_length=200, description="the topic")
    partition: int = Field(ge=0, le=100_000)
    position: int = Field(ge=0, description="the record's offset: its leaf index in the tree")
    recorded_at: AwareDatetime = Field(description="when the log recorded it (to the ms)")
    leaf_hash: Hex32
    key_id: str = Field(min_length=16, max_length=16)
    signature: Signature

    def message(self) -> bytes:
        return receipt_message(self.event_id, self.log, self.partition, self.position,
                               to_ms(self.recorded_at), self.leaf_hash)


def receipt_message(event_id: uuid.UUID, log: str, partition: int, position: int,
                    timestamp_ms: int, leaf_hash: str) -> bytes:
    return RECEIPT_LABEL + _fields(str(event_id).encode(), log.encode(), str(partition).encode(),
                                   str(position).encode(), str(timestamp_ms).encode(),
                                   bytes.fromhex(leaf_hash))


def sign_receipt(key: Ed25519PrivateKey, event_id: uuid.UUID, log: str, partition: int,
                 position: int, timestamp_ms: int, leaf_hash: bytes) -> Receipt:
    message = receipt_message(event_id, log, partition, position, timestamp_ms, leaf_hash.hex())
    return Receipt(event_id=event_id, log=log, partition=partition, position=position,
                   recorded_at=from_ms(timestamp_ms), leaf_hash=leaf_hash.hex(),
                   key_id=key_id(key.public_key()),
                   signature=base64.b64encode(key.sign(message)).decode())


class SignedHead(BaseModel):
    """A signed tree head of one partition: the root of its first `tree_size` records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1, le=1)
    log: str = Field(min_length=1, max_length=200)
    partition: int = Field(ge=0, le=100_000)
    tree_size: int = Field(ge=0)
    root_hash: Hex32
    signed_at: AwareDatetime
    key_id: str = Field(min_length=16, max_length=16)
    signature: Signature

    def message(self) -> bytes:
        return head_message(self.log, self.partition, self.tree_size, self.root_hash,
                            to_ms(self.signed_at))


def head_message(log: str, partition: int, tree_size: int, root_hash: str,
                 timestamp_ms: int) -> bytes:
    return HEAD_LABEL + _fields(log.encode(), str(partition).encode(), str(tree_size).encode(),
                                str(timestamp_ms).encode(), bytes.fromhex(root_hash))


def sign_head(key: Ed25519PrivateKey, log: str, partition: int, tree_size: int,
              root_hash: bytes, timestamp_ms: int) -> SignedHead:
    message = head_message(log, partition, tree_size, root_hash.hex(), timestamp_ms)
    return SignedHead(log=log, partition=partition, tree_size=tree_size,
                      root_hash=root_hash.hex(), signed_at=from_ms(timestamp_ms),
                      key_id=key_id(key.public_key()),
                      signature=base64.b64encode(key.sign(message)).decode())


def signed_by(item: Receipt | SignedHead, public: Ed25519PublicKey) -> bool:
    """Was `item` signed, as it reads now, by the holder of `public`'s private key?"""
    if item.key_id != key_id(public):
        return False
    try:
        public.verify(base64.b64decode(item.signature), item.message())
    except (InvalidSignature, ValueError):
        return False
    return True


class InclusionProof(BaseModel):
    """The audit path of a receipt's leaf in the tree of a signed head (RFC 9162 2.1.3)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    leaf_index: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    path: list[Hex32] = Field(max_length=64)


class Bundle(BaseModel):
    """What `ideastorm verify-receipt FILE` reads: a receipt, a signed head and the proof that
    the receipt's leaf is in that head's tree (the `proof` part of `POST /receipts/verify`)."""

    model_config = ConfigDict(extra="ignore")

    receipt: Receipt
    head: SignedHead
    inclusion: InclusionProof


def verify_bundle(bundle: Bundle, public: Ed25519PublicKey) -> list[str]:
    """What is wrong with a receipt, its head and its proof, checked with `public` alone; an
    empty list when the receipt is genuine and its record is in the signed log."""
    problems = []
    r, h, p = bundle.receipt, bundle.head, bundle.inclusion
    if not signed_by(r, public):
        problems.append("the receipt's signature does not match it (altered, or not ours)")
    if not signed_by(h, public):
        problems.append("the head's signature does not match it (altered, forked or not ours)")
    if (r.log, r.partition) != (h.log, h.partition):
        problems.append("the head is of another log partition than the receipt")
    if p.leaf_index != r.position or p.tree_size != h.tree_size:
        problems.append("the proof is for another position or tree size")
    elif not merkle.verify_inclusion(bytes.fromhex(r.leaf_hash), r.position, h.tree_size,
                                     [bytes.fromhex(x) for x in p.path],
                                     bytes.fromhex(h.root_hash)):
        problems.append("the inclusion proof does not lead from the receipt's leaf to the "
                        "head's root")
    return problems


def bundle_json(receipt: Receipt, head: SignedHead, path: list[bytes]) -> dict[str, Any]:
    return {"receipt": receipt.model_dump(mode="json"), "head": head.model_dump(mode="json"),
            "inclusion": {"leaf_index": receipt.position, "tree_size": head.tree_size,
                          "path": [x.hex() for x in path]}}


def installation_key(settings: Any) -> Ed25519PrivateKey:
    """The key of `settings` (an `infra.settings.Settings`)."""
    return signing_key(settings.log_signing_key, Path(settings.ideastorm_home),
                       create=settings.ideastorm_env != "production")
