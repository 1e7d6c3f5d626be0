"""Every produced record is archived, in offset order, hash-chained; an altered row is named by
`ideastorm log verify`; the archive refuses edits; a report can cite the chain heads."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import pytest

from schemas.topics import Topic
from services.infra import archive
from services.infra.archive import ArchiveBroken
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.settings import Settings
from tests.helpers import read_topic
from tests.integration.archive_support import ROOT

pytestmark = pytest.mark.integration


async def test_records_are_archived_at_their_broker_offsets(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str,
) -> None:
    assert infra.kafka_bootstrap_servers
    topic = f"archive.test.{uid}"
    await ensure_topics(infra.kafka_bootstrap_servers, [Topic(topic, 1, key="n")])
    for i in range(5):
        await producer.send_raw(topic, f'{{"n":{i}}}'.encode(), key=b"k")
    await producer.send_raw(topic, b'{"n":5}', key=b"k", headers=[("reason", b"why")])
    on_broker = await read_topic(infra.kafka_bootstrap_servers, topic, expect=6)
    rows = await pool.fetch('SELECT "offset", value, headers FROM archive.events'
                            ' WHERE topic = $1 ORDER BY "offset"', topic)
    assert [r["offset"] for r in rows] == list(range(6))
    assert [r["value"] for r in rows] == [f'{{"n":{i}}}'.encode() for i in range(6)]
    assert [m["n"] for m in on_broker] == list(range(6))
    assert archive.decode_headers(rows[5]["headers"]) == [("reason", b"why")]
    heads = {(t, p): (o, h) for t, p, o, h in await archive.chain_heads(pool)}
    last = await pool.fetchval('SELECT hash FROM archive.events WHERE topic = $1'
                               ' AND "offset" = 5', topic)
    assert heads[(topic, 0)] == (5, last) and len(last) == 64


async def test_an_altered_row_is_named_by_log_verify(
    infra: Settings, pool: asyncpg.Pool, producer: EventProducer, uid: str,
) -> None:
    assert infra.kafka_bootstrap_servers and infra.database_url
    topic = f"archive.tamper.{uid}"
    await ensure_topics(infra.kafka_bootstrap_servers, [Topic(topic, 1, key="n")])
    for i in range(4):
        await producer.send_raw(topic, f'{{"amount":{i}}}'.encode(), key=b"k")
    await archive.verify(pool)

    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("UPDATE archive.events SET value = 'x' WHERE topic = $1", topic)

    original = await pool.fetchval('SELECT value FROM archive.events WHERE topic = $1'
                                   ' AND "offset" = 2', topic)
    # someone with the rights to switch the guard off edits one row
    await pool.execute("ALTER TABLE archive.events DISABLE TRIGGER append_only")
    try:
        await pool.execute('UPDATE archive.events SET value = $2 WHERE topic = $1'
                           ' AND "offset" = 2', topic, b'{"amount":2000000}')
        with pytest.raises(ArchiveBroken) as err:
            await archive.verify(pool)
        assert (err.value.topic, err.value.partition, err.value.offset) == (topic, 0, 2)

        env = {**os.environ, "DATABASE_URL": infra.database_url,
               "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
               "IDEASTORM_HOME": str(infra.ideastorm_home), "LOG_LEVEL": "WARNING"}
        run = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "services.cli", "log", "verify"], cwd=ROOT,
            env=env, capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode == 1
        assert f"topic {topic} partition 0 offset 2: the record does not match its hash" in (
            run.stderr), run.stderr[-2000:]
    finally:
        await pool.execute('UPDATE archive.events SET value = $2 WHERE topic = $1'
                           ' AND "offset" = 2', topic, original)
        await pool.execute("ALTER TABLE archive.events ENABLE TRIGGER append_only")
    await archive.verify(pool)
