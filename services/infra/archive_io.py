"""Moving the event archive: restore into an empty broker, export to files, import from them.

Export layout (docs/operations.md): `log/<topic>-<partition>.jsonl` (one record a line, in
offset order), `schemas/` (the JSON Schema of every event type and version), `vault.json` (the
participants' text keys and the erasures: without them the sealed text in the log could not be
read again, so an export is as secret as a database backup) and `manifest.json` (per file:
SHA-256, bytes, records, and for a partition its chain head).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer

from schemas import topics as topic_defs
from services.infra import archive, vault
from services.infra.archive import ArchiveBroken, ChainChecker, Record, decode_headers

log = structlog.get_logger(__name__)

FORMAT = "ideastorm-log/1"
VAULT_FILE = "vault.json"
SCHEMAS_DIR = Path(__file__).resolve().parent.parent.parent / "schemas" / "json"


async def restore(pool: asyncpg.Pool, bootstrap: str, *, replication_factor: int = 1) -> int:
    """Publish the whole archive into an empty broker, every record at its archived offset.

    Each partition's chain is checked on the way: an altered archive is not restored.
    """
    from services.infra.kafka import ensure_topics

    await archive.setup(pool)
    heads = await pool.fetch("SELECT topic, partition, next_offset, hash FROM archive.heads"
                             " WHERE next_offset > 0 ORDER BY topic, partition")
    await ensure_topics(bootstrap, replication_factor=replication_factor)
    known = {t.name for t in (*topic_defs.ALL, *topic_defs.dead_letter_topics())}
    extra: dict[str, int] = {}
    for h in heads:
        if h["topic"] not in known:
            extra[h["topic"]] = max(extra.get(h["topic"], 0), h["partition"] + 1)
    if extra:
        await ensure_topics(bootstrap, [topic_defs.Topic(t, n, key="") for t, n in extra.items()],
                            replication_factor=replication_factor)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0,
                                enable_idempotence=False, max_batch_size=1024 * 1024,
                                max_request_size=4 * 1024 * 1024)
    await producer.start()
    total = 0
    try:
        for h in heads:
            tp = (h["topic"], h["partition"])
            total += await _restore_partition(pool, producer, tp, h["next_offset"], h["hash"])
        await pool.execute("UPDATE archive.heads SET delivered = next_offset, sent = next_offset")
    finally:
        await producer.stop()
    log.info("archive.restored", events=total, partitions=len(heads))
    return total


async def _restore_partition(pool: asyncpg.Pool, producer: AIOKafkaProducer, tp: archive.TP,
                             next_offset: int, head: str) -> int:
    checker = ChainChecker("archive.events", *tp)
    sent: list[tuple[int, Any]] = []
    batch, first = producer.create_batch(), 0

    async def flush() -> None:
        nonlocal batch
        if batch.record_count():
            sent.append((first, await producer.send_batch(batch, tp[0], partition=tp[1])))
            batch = producer.create_batch()

    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        async for row in conn.cursor(archive._SELECT + ' ORDER BY "offset"', *tp,
                                     prefetch=5_000):
            r = archive.to_record(row)
            checker.feed(r)
            args = {"timestamp": r.timestamp_ms, "key": r.key, "value": r.value,
                    "headers": decode_headers(r.headers)}
            if batch.append(**args) is None:
                await flush()
                first = r.offset
                batch.append(**args)
            if batch.record_count() == 1:
                first = r.offset
    await flush()
    checker.finish(next_offset, head)
    for expected, fut in sent:
        meta = await fut
        if meta.offset != expected:
            raise RuntimeError(f"restoring {tp[0]}/{tp[1]}: the broker put offset {expected} "
                               f"at {meta.offset}; the broker was not empty")
    return checker.next_offset


def _text(b: bytes | None) -> tuple[str | None, str]:
    if b is None:
        return None, "utf-8"
    try:
        return b.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(b).decode(), "base64"


def _bytes(s: str | None, encoding: str) -> bytes | None:
    if s is None:
        return None
    return base64.b64decode(s, validate=True) if encoding == "base64" else s.encode("utf-8")


def to_line(r: Record) -> bytes:
    key, key_enc = _text(r.key)
    value, value_enc = _text(r.value)
    line = {"topic": r.topic, "partition": r.partition, "offset": r.offset,
            "timestamp_ms": r.timestamp_ms, "key": key, "key_encoding": key_enc,
            "value": value, "value_encoding": value_enc,
            "headers": json.loads(r.headers) if r.headers is not None else None, "hash": r.hash}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def from_line(raw: bytes) -> Record:
    d = json.loads(raw)
    headers = d["headers"]
    return Record(
        topic=str(d["topic"]), partition=int(d["partition"]), offset=int(d["offset"]),
        timestamp_ms=int(d["timestamp_ms"]), key=_bytes(d["key"], d["key_encoding"]),
        value=_bytes(d["value"], d["value_encoding"]),
        headers=None if headers is None else json.dumps(headers, separators=(",", ":")).encode(),
        hash=str(d["hash"]))


def file_name(topic: str, partition: int) -> str:
    return f"log/{topic}-{partition}.jsonl"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


async def export(pool: asyncpg.Pool, out: Path) -> dict[str, Any]:
    """Write the whole log under `out` (checked on the way); returns the manifest."""
    await archive.setup(pool)
    (out / "log").mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        heads = await conn.fetch("SELECT topic, partition, next_offset, hash FROM archive.heads"
                                 " WHERE next_offset > 0 ORDER BY topic, partition")
        for h in heads:
            tp = (h["topic"], h["partition"])
            checker = ChainChecker("archive.events", *tp)
            name = file_name(*tp)
            with (out / name).open("wb") as lines:
                async for row in conn.cursor(archive._SELECT + ' ORDER BY "offset"', *tp,
                                             prefetch=5_000):
                    r = archive.to_record(row)
                    checker.feed(r)
                    lines.write(to_line(r))
            checker.finish(h["next_offset"], h["hash"])
            files.append({"path": name, "topic": tp[0], "partition": tp[1],
                          "records": checker.next_offset, "head": checker.hash})
        keys = await vault.export_keys(conn)
    (out / VAULT_FILE).write_text(json.dumps(keys, indent=1) + "\n")
    files.append({"path": VAULT_FILE, "keys": len(keys["keys"]), "shredded": len(keys["shredded"])})
    (out / "schemas").mkdir(exist_ok=True)
    for src in sorted(SCHEMAS_DIR.glob("*.json")):
        shutil.copyfile(src, out / "schemas" / src.name)
        files.append({"path": f"schemas/{src.name}"})
    for f in files:
        path = out / f["path"]
        f["bytes"], f["sha256"] = path.stat().st_size, _sha256(path)
    manifest = {"format": FORMAT, "exported_at": datetime.now(UTC).isoformat(),
                "records": sum(f.get("records", 0) for f in files),
                "hash_recipe": "docs/operations.md, 'The event archive'", "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _read_partition(src: Path, entry: dict[str, Any]) -> Iterator[Record]:
    """The records of one exported partition file, checked line by line against its chain."""
    name, tp = entry["path"], (entry["topic"], int(entry["partition"]))
    path = src / name
    if not path.is_file():
        raise ArchiveBroken(name, *tp, 0, "the file is missing")
    checker = ChainChecker(name, *tp)
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                r = from_line(raw)
            except (ValueError, KeyError, TypeError) as exc:
                raise checker.broken(checker.next_offset,
                                     f"line {number} is not a record ({exc})") from exc
            checker.feed(r)
            yield r
    checker.finish(int(entry["records"]), str(entry["head"]))


def check_export(src: Path) -> dict[str, Any]:
    """Refuse an export that is incomplete, reordered or edited; returns its manifest."""
    try:
        manifest: dict[str, Any] = json.loads((src / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise ArchiveBroken("manifest.json", "-", 0, 0, f"unreadable: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise ArchiveBroken("manifest.json", "-", 0, 0, f"not a {FORMAT} export")
    listed = {f["path"] for f in manifest["files"]}
    for path in sorted((src / "log").glob("*.jsonl")):
        if f"log/{path.name}" not in listed:
            raise ArchiveBroken(f"log/{path.name}", "-", 0, 0, "not listed in the manifest")
    for entry in manifest["files"]:
        if "topic" in entry:
            for _ in _read_partition(src, entry):
                pass
        path = src / entry["path"]
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise ArchiveBroken(entry["path"], entry.get("topic", "-"),
                                int(entry.get("partition", 0)), int(entry.get("records", 0)),
                                "the file's SHA-256 differs from the manifest")
    return manifest


async def import_log(pool: asyncpg.Pool, src: Path) -> int:
    """Load an export into an empty archive, all or nothing; returns the number of records."""
    manifest = check_export(src)
    await archive.setup(pool)
    await vault.setup(pool)
    total = 0
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE archive.events, archive.heads IN EXCLUSIVE MODE")
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM archive.heads)"):
            raise ArchiveBroken("archive.events", "-", 0, 0, "this installation already has "
                                "events; import into a fresh one")
        for entry in (e for e in manifest["files"] if "topic" in e):
            rows = [(r.topic, r.partition, r.offset, r.timestamp_ms, r.key, r.value, r.headers,
                     r.hash) for r in _read_partition(src, entry)]
            await conn.copy_records_to_table("events", schema_name=archive.SCHEMA, records=rows,
                                             columns=archive._COLUMNS)
            await conn.execute(
                "INSERT INTO archive.heads (topic, partition, next_offset, hash, delivered, sent)"
                " VALUES ($1, $2, $3, $4, 0, $3)",
                entry["topic"], int(entry["partition"]), int(entry["records"]), entry["head"])
            total += len(rows)
        if any(e["path"] == VAULT_FILE for e in manifest["files"]):
            try:
                keys = await vault.import_keys(conn, json.loads((src / VAULT_FILE).read_text()))
            except (ValueError, KeyError, TypeError) as exc:
                raise ArchiveBroken(VAULT_FILE, "-", 0, 0, f"not a key vault ({exc})") from exc
        else:  # an export made before text was sealed
            keys = 0
    log.info("archive.imported", events=total, keys=keys, source=str(src))
    return total
