"""The key vault: per-participant keys that make erasure reach the topics and the archive.

Topics and the archive (`archive.events`, append-only and hash-chained) keep every event for
ever, so erasure cannot delete records. Instead, text a participant writes travels sealed
(`schemas.common.Sealed`) under a 256-bit AES-GCM key of theirs kept here, in the schema `vault`;
erasing the participant destroys the key (`shred`), and every copy of the text turns into
unreadable bytes at once. Projections open sealed text in batches (`open_many`: one query per
batch) and show `ERASED` where the key was destroyed by an erasure (`vault.shredded_keys`). A key
that is neither in the vault nor recorded as destroyed is not an erasure: it is not visible yet
(or never was), and the batch is retried (`KeyNotVisible`), then the event dead-lettered; its
text is never overwritten for it.

There is deliberately no key cache in the process: a replay after an erasure must not decrypt,
and a cached key would outlive `shred`. Every opening reads the keys in the caller's transaction.

A database restored from a backup taken before an erasure gets the key back; `reshred` destroys
it again from `vault.shredded` (which the later backups hold), and `setup` runs it at every start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import ValidationError

from schemas.base import Payload
from schemas.common import Sealed
from schemas.envelope import contains_nul
from schemas.ideas import TextFields
from schemas.sealing import ERASED, TEXT_OF, erased_text, plain_text
from services.infra import db
from services.infra.consumer import GIVE_UP, Message, NotYet, Outcome

log = structlog.get_logger(__name__)

__all__ = ["ERASED", "Erased", "KeyNotVisible", "Opened", "Unreadable", "export_keys",
           "import_keys", "keyed_digest", "open_batch", "open_many", "open_messages",
           "open_payloads", "reshred", "seal", "seal_many", "setup", "shred", "shredded", "with_text"]

SCHEMA = "vault"
KEY_BITS = 256
NONCE_BYTES = 12


class Erased(Exception):
    """The participant was erased: they have no key and get none."""

    def __init__(self, participant_id: str) -> None:
        super().__init__(f"participant {participant_id} has been erased")
        self.participant_id = participant_id


class Unreadable(Exception):
    """A sealed text whose key exists but which does not open: altered or not sealed by us.
    (A missing key is not this: see `KeyNotVisible`, and erasures.)"""


class KeyNotVisible(NotYet):
    """Sealed text names a key that is not in the vault and was not destroyed by an erasure:
    the transaction that made it has not committed (or never did). Not an erasure: the consumer
    rolls back and tries again later (`NotYet`); `event_ids` are the events concerned."""

    def __init__(self, key_ids: Collection[uuid.UUID], event_ids: Collection[uuid.UUID]) -> None:
        super().__init__(f"{len(key_ids)} key(s) neither in the vault nor erased: "
                         + ", ".join(sorted(str(k) for k in key_ids)[:5]), event_ids)
        self.key_ids = set(key_ids)


async def setup(pool: asyncpg.Pool) -> None:
    """Create the vault's tables (infra's migrations, one sequence shared with the archive) and
    destroy again any key a restored backup brought back (`reshred`)."""
    await db.migrate(pool, "infra", schema="archive")
    async with pool.acquire() as conn:
        await reshred(conn)


async def keys_for(conn: asyncpg.Connection, participant_ids: Sequence[str]
                   ) -> dict[str, tuple[uuid.UUID, bytes]]:
    """The live key (key id, secret) of each participant, made on first use; an erased
    participant has none and gets none (absent from the result).

    Race-safe: a key is made under the participant's transaction-level advisory lock (the one
    `shred` takes) with INSERT ... ON CONFLICT DO NOTHING, then read by a new statement, so two
    first seals for one participant both get the one key that won, and a seal racing an erasure
    either finishes before it (and the key is destroyed with the rest) or sees the erasure.
    """
    wanted = sorted(set(participant_ids))
    if not wanted:
        return {}
    found = await _live_keys(conn, wanted)
    missing = [p for p in wanted if p not in found]
    if missing:
        async with conn.transaction():
            await _lock(conn, missing)
            fresh = [(uuid.uuid4(), AESGCM.generate_key(bit_length=KEY_BITS)) for _ in missing]
            await conn.execute(
                "INSERT INTO vault.keys (participant_id, key_id, secret)"
                " SELECT x.p, x.k, x.s FROM unnest($1::text[], $2::uuid[], $3::bytea[]) AS x(p, k, s)"
                " WHERE NOT EXISTS (SELECT 1 FROM vault.shredded d WHERE d.participant_id = x.p)"
                " ON CONFLICT (participant_id) DO NOTHING",
                missing, [k for k, _ in fresh], [s for _, s in fresh])
            found |= await _live_keys(conn, missing)
    return found


async def _live_keys(conn: asyncpg.Connection, participant_ids: list[str]
                     ) -> dict[str, tuple[uuid.UUID, bytes]]:
    rows = await conn.fetch(
        "SELECT participant_id, key_id, secret FROM vault.keys WHERE participant_id = ANY($1)",
        participant_ids)
    return {r["participant_id"]: (r["key_id"], bytes(r["secret"])) for r in rows}


async def _lock(conn: asyncpg.Connection, participant_ids: list[str]) -> None:
    await conn.execute(
        "SELECT count(pg_advisory_xact_lock(hashtext('vault'), hashtext(p)))"
        " FROM (SELECT p FROM unnest($1::text[]) AS p ORDER BY p) AS ordered",
        sorted(set(participant_ids)))


async def keyed_digest(conn: asyncpg.Connection, participant_id: str, data: bytes) -> str:
    """An HMAC-SHA256 of `data` under a key derived from the participant's (HKDF): a fingerprint
    of their text that, unlike a plain hash, cannot be checked against a guess once they are
    erased. Raises `Erased` for an erased participant."""
    keys = await keys_for(conn, [participant_id])
    if participant_id not in keys:
        raise Erased(participant_id)
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"ideastorm/request-fingerprint").derive(keys[participant_id][1])
    return hmac.new(mac_key, data, hashlib.sha256).hexdigest()


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _seal_with(key_id: uuid.UUID, cipher: AESGCM, fields: Mapping[str, Any],
               nonce: bytes) -> Sealed:
    plain = _JSON.encode(dict(fields)).encode()
    # the key id is bound in as associated data: a ciphertext moved under another key id fails
    ciphertext = cipher.encrypt(nonce, plain, key_id.bytes)
    return Sealed(key=key_id, nonce=base64.b64encode(nonce).decode(),
                  ciphertext=base64.b64encode(ciphertext).decode())


async def seal(conn: asyncpg.Connection, participant_id: str, fields: Mapping[str, Any]) -> Sealed:
    """Seal the JSON object `fields` under the participant's key (made on first use).
    Validate the fields before: once sealed, only the vault can read them. Raises `Erased` for
    an erased participant: nothing new is stored under an erased identity."""
    sealed = (await seal_many(conn, [(participant_id, fields)]))[0]
    if sealed is None:
        raise Erased(participant_id)
    return sealed


async def seal_many(conn: asyncpg.Connection, items: Sequence[tuple[str, Mapping[str, Any]]]
                    ) -> list[Sealed | None]:
    """Seal each (participant id, fields) under its participant's key, reading (or making) all
    the keys at once; None for an erased participant's."""
    keys = await keys_for(conn, [p for p, _ in items])
    # a batch seals many texts under few keys: each key's cipher is set up once, and the
    # nonces (random, one per text as ever) come from one read of the system's random source
    ciphers = {p: (key_id, AESGCM(secret)) for p, (key_id, secret) in keys.items()}
    randomness = os.urandom(NONCE_BYTES * len(items))
    return [_seal_with(*ciphers[p], fields, randomness[i * NONCE_BYTES:(i + 1) * NONCE_BYTES])
            if p in ciphers else None for i, (p, fields) in enumerate(items)]


async def open_many(conn: asyncpg.Connection, sealed: Sequence[Sealed | None]
                    ) -> list[dict[str, Any] | None]:
    """Open sealed texts, one query for the whole batch. Each result is the JSON object that was
    sealed, or None where there was nothing sealed or the key was destroyed (erased: logged at
    info level, not an error). Raises `Unreadable` for a text that does not open under its key,
    `KeyNotVisible` where a key is unknown."""
    keys, shredded_ids = await _secrets(conn, sealed)
    unknown = {s.key for s in sealed if s is not None and s.key not in keys
               and s.key not in shredded_ids}
    if unknown:
        raise KeyNotVisible(unknown, ())
    out: list[dict[str, Any] | None] = []
    ciphers: dict[uuid.UUID, AESGCM] = {}
    for s in sealed:
        if s is None:
            out.append(None)
            continue
        secret = keys.get(s.key)
        if secret is None:
            log.info("vault.key_gone", key_id=str(s.key))
            out.append(None)
            continue
        out.append(_open_with(s, _cipher(ciphers, s.key, secret)))
    return out


async def _secrets(conn: asyncpg.Connection, sealed: Sequence[Sealed | None]
                   ) -> tuple[dict[uuid.UUID, bytes], set[uuid.UUID]]:
    """The secrets of the keys `sealed` names, and which of the others an erasure destroyed."""
    ids = sorted({s.key for s in sealed if s is not None})
    if not ids:
        return {}, set()
    rows = await conn.fetch(
        "SELECT key_id, secret FROM vault.keys WHERE key_id = ANY($1::uuid[])", ids)
    keys = {r["key_id"]: bytes(r["secret"]) for r in rows}
    missing = [k for k in ids if k not in keys]
    if not missing:
        return keys, set()
    return keys, {r["key_id"] for r in await conn.fetch(
        "SELECT key_id FROM vault.shredded_keys WHERE key_id = ANY($1::uuid[])", missing)}


def _cipher(ciphers: dict[uuid.UUID, AESGCM], key_id: uuid.UUID, secret: bytes) -> AESGCM:
    """The key's cipher, set up once per batch (a batch opens many texts under few keys)."""
    cipher = ciphers.get(key_id)
    if cipher is None:
        cipher = ciphers[key_id] = AESGCM(secret)
    return cipher


def _open_with(s: Sealed, cipher: AESGCM) -> dict[str, Any]:
    try:
        plain = cipher.decrypt(base64.b64decode(s.nonce), base64.b64decode(s.ciphertext),
                                       s.key.bytes)
        fields = json.loads(plain)
    except (InvalidTag, ValueError) as exc:
        raise Unreadable(f"sealed text under key {s.key} does not open") from exc
    if not isinstance(fields, dict):
        raise Unreadable(f"sealed text under key {s.key} is not a JSON object")
    return fields


async def shred(conn: asyncpg.Connection, participant_id: str) -> bool:
    """Destroy the participant's key and record the erasure (who, when) in `vault.shredded`.

    Idempotent; afterwards the participant gets no key again (`seal` raises `Erased`). True
    when a key was destroyed by this call. Call it BEFORE publishing `participant.erased`, so
    that a projection handling the event can no longer open anything of theirs.
    """
    async with conn.transaction():
        await _lock(conn, [participant_id])
        await conn.execute(
            "INSERT INTO vault.shredded (participant_id) VALUES ($1)"
            " ON CONFLICT (participant_id) DO NOTHING", participant_id)
        await _record_shredded_keys(conn, "participant_id = $1", participant_id)
        deleted = await conn.fetchval(
            "WITH gone AS (DELETE FROM vault.keys WHERE participant_id = $1 RETURNING 1)"
            " SELECT count(*) FROM gone", participant_id)
    log.info("vault.shredded", participant=participant_id, key_destroyed=bool(deleted))
    return bool(deleted)


async def reshred(conn: asyncpg.Connection) -> int:
    """After restoring a backup: destroy again every key of an erased participant. Returns how
    many keys were destroyed (0 unless the backup predates an erasure)."""
    await _record_shredded_keys(
        conn, "participant_id IN (SELECT participant_id FROM vault.shredded)")
    count = await conn.fetchval(
        "WITH gone AS (DELETE FROM vault.keys k USING vault.shredded s"
        " WHERE k.participant_id = s.participant_id RETURNING 1) SELECT count(*) FROM gone")
    if count:
        log.info("vault.reshredded", keys=count)
    return int(count)


async def _record_shredded_keys(conn: asyncpg.Connection, where: str, *args: Any) -> None:
    """Keep the ids of the keys about to be destroyed: a text under one of them is erased."""
    await conn.execute(
        "INSERT INTO vault.shredded_keys (key_id, participant_id)"
        f" SELECT key_id, participant_id FROM vault.keys WHERE {where}"
        " ON CONFLICT (key_id) DO NOTHING", *args)


async def export_keys(conn: asyncpg.Connection) -> dict[str, list[dict[str, str]]]:
    """The vault as a log export carries it: every live key and every erasure (read in the
    caller's transaction, so it matches the events exported beside it)."""
    keys = await conn.fetch("SELECT participant_id, key_id, secret, created_at FROM vault.keys"
                            " ORDER BY participant_id")
    gone = await conn.fetch("SELECT participant_id, shredded_at FROM vault.shredded"
                            " ORDER BY participant_id")
    gone_keys = await conn.fetch("SELECT key_id, participant_id, shredded_at"
                                 " FROM vault.shredded_keys ORDER BY key_id")
    return {
        "keys": [{"participant_id": r["participant_id"], "key_id": str(r["key_id"]),
                  "secret": base64.b64encode(r["secret"]).decode(),
                  "created_at": r["created_at"].isoformat()} for r in keys],
        "shredded": [{"participant_id": r["participant_id"],
                      "shredded_at": r["shredded_at"].isoformat()} for r in gone],
        "shredded_keys": [{"key_id": str(r["key_id"]), "participant_id": r["participant_id"],
                           "shredded_at": r["shredded_at"].isoformat()} for r in gone_keys],
    }


async def import_keys(conn: asyncpg.Connection, vault: Mapping[str, Any]) -> int:
    """Load what `export_keys` wrote into this installation's vault (a key already here wins),
    then destroy every key of an erased participant again. Returns the keys now held."""
    await conn.executemany(
        "INSERT INTO vault.shredded (participant_id, shredded_at) VALUES ($1, $2)"
        " ON CONFLICT (participant_id) DO NOTHING",
        [(g["participant_id"], datetime.fromisoformat(g["shredded_at"]))
         for g in vault.get("shredded", [])])
    rows = []
    for k in vault.get("keys", []):
        secret = base64.b64decode(k["secret"], validate=True)
        if len(secret) != KEY_BITS // 8:
            raise ValueError(f"the key of {k['participant_id']} is not {KEY_BITS} bits")
        rows.append((k["participant_id"], uuid.UUID(k["key_id"]), secret,
                     datetime.fromisoformat(k["created_at"])))
    await conn.executemany(
        "INSERT INTO vault.keys (participant_id, key_id, secret, created_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", rows)
    if "shredded_keys" in vault:
        await conn.executemany(
            "INSERT INTO vault.shredded_keys (key_id, participant_id, shredded_at)"
            " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(uuid.UUID(g["key_id"]), g.get("participant_id"),
              datetime.fromisoformat(g["shredded_at"])) for g in vault["shredded_keys"]])
    else:  # an export made before key ids were kept: they are read from its events
        await conn.fetchval("SELECT vault.record_archived_shredded_keys()")
    await reshred(conn)
    return int(await conn.fetchval("SELECT count(*) FROM vault.keys"))


async def shredded(conn: asyncpg.Connection, participant_id: str) -> bool:
    """Whether the participant has been erased."""
    return bool(await conn.fetchval(
        "SELECT 1 FROM vault.shredded WHERE participant_id = $1", participant_id))


@dataclass(frozen=True)
class Opened:
    """The participant text of one event: `text` (None: the event has none), whether it was
    erased (then `text` is `erased_text`), or why the event must be refused."""

    text: TextFields | None
    erased: bool = False
    refusal: str | None = None
    unknown_key: bool = False  # the key is not visible (yet): neither a text nor an erasure


async def open_payloads(conn: asyncpg.Connection, payloads: Sequence[Payload]) -> list[Opened]:
    """The text of each event payload, sealed or plain, in one query for the batch. The opened
    fields are checked with the limits the edge checked before sealing (and for NUL)."""
    sealed = [getattr(p, "sealed", None) for p in payloads]
    keys, shredded_ids = await _secrets(conn, sealed)
    ciphers: dict[uuid.UUID, AESGCM] = {}
    out = []
    for payload, s in zip(payloads, sealed, strict=True):
        model = TEXT_OF.get(type(payload))
        if s is None or model is None:
            out.append(Opened(plain_text(payload)))
            continue
        if s.key in shredded_ids:
            log.info("vault.key_gone", key_id=str(s.key), type=TEXT_OF[type(payload)].__name__)
            out.append(Opened(erased_text(model), erased=True))
            continue
        if s.key not in keys:
            out.append(Opened(None, unknown_key=True))
            continue
        try:
            fields = _open_with(s, _cipher(ciphers, s.key, keys[s.key]))
        except Unreadable as exc:
            out.append(Opened(None, refusal=str(exc)))
            continue
        if contains_nul(fields):
            out.append(Opened(None, refusal="sealed text contains a NUL character"))
        else:
            try:
                out.append(Opened(model.model_validate(fields)))
            except ValidationError as exc:
                problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                                     for e in exc.errors()[:5])
                out.append(Opened(None, refusal=f"sealed text is not valid: {problems}"))
    return out


async def open_batch(conn: asyncpg.Connection, outcome: Outcome, messages: list[Message],
                     types: Collection[type[Payload]] | None = None
                     ) -> tuple[list[Message], dict[uuid.UUID, TextFields | None]]:
    """A projection's batch with the participant text of each event opened (by event id), in
    one query. A text that does not open under its existing key, or breaks the limits once
    opened, is a bad message: it goes to `outcome.refuse` and out of the batch. A destroyed key
    is an erasure, not a bad message: the text is `erased_text` (logged at info level). A key
    that is unknown raises `KeyNotVisible` (the caller rolls back and tries again), unless the
    consumer has given up waiting for it (`GIVE_UP`): then the event is refused, `unknown_key`.
    `types`: open only events of these types (the others are not the consumer's business)."""
    carrying = [m for m in messages if type(m.payload) in TEXT_OF
                and (types is None or type(m.payload) in types)]
    texts: dict[uuid.UUID, TextFields | None] = {}
    refused: set[uuid.UUID] = set()
    waiting: dict[uuid.UUID, uuid.UUID] = {}  # event id -> the key it waits for
    give_up = GIVE_UP.get()
    for m, opened in zip(carrying, await open_payloads(conn, [m.payload for m in carrying]),
                         strict=True):
        if opened.unknown_key:
            key = m.payload.sealed.key  # type: ignore[attr-defined]
            if m.envelope.event_id in give_up:
                outcome.refuse.append((m, "unknown_key", f"the text is sealed under key {key},"
                                       " which the vault neither holds nor records as erased"))
                refused.add(m.envelope.event_id)
            else:
                waiting[m.envelope.event_id] = key
        elif opened.refusal is not None:
            outcome.refuse.append((m, "unreadable_text", opened.refusal))
            refused.add(m.envelope.event_id)
        else:
            texts[m.envelope.event_id] = opened.text
    if waiting:
        raise KeyNotVisible(set(waiting.values()), waiting)
    kept = [m for m in messages if m.envelope.event_id not in refused] if refused else messages
    return kept, texts


async def open_messages(conn: asyncpg.Connection, outcome: Outcome, messages: list[Message],
                        types: Collection[type[Payload]] | None = None) -> list[Message]:
    """`open_batch` for consumers that read events field by field: each sealed payload comes back
    as a copy with its plain fields filled in from the opened (or erased) text (`with_text`)."""
    kept, texts = await open_batch(conn, outcome, messages, types)
    return [with_text(m, texts.get(m.envelope.event_id))[0] for m in kept]


def with_text(m: Message, text: TextFields | None) -> tuple[Message, list[str]]:
    """The message with its sealed payload's plain fields filled in from `text`, and the names of
    the fields filled in. `sealed` stays, so the consumer knows the key its copy depends on
    (see `key_gone_sql`); an unsealed message comes back as it is."""
    if getattr(m.payload, "sealed", None) is None or text is None:
        return m, []
    model_fields = type(m.payload).model_fields
    fields = {k: v for k, v in text.model_dump(exclude_none=True).items() if k in model_fields}
    return replace(m, payload=m.payload.model_copy(update=fields)), sorted(fields)


def key_gone_sql(column: str) -> str:
    """A condition true where `column` names a key an erasure destroyed: what a projection
    overwrites on `participant.erased` (a key merely not visible is not one)."""
    return (f"({column} IS NOT NULL AND EXISTS"
            f" (SELECT 1 FROM vault.shredded_keys sk WHERE sk.key_id = {column}))")
