"""The key vault on the real PostgreSQL: sealing, opening in batches, shredding, and the race of
two first seals for one participant."""

from __future__ import annotations

import asyncio
import base64
import uuid

import asyncpg
import pytest

from schemas.common import Sealed
from schemas.ideas import IdeaSubmitted, IdeaText
from schemas.sealing import ERASED
from services.infra import vault

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
async def _vault(pool: asyncpg.Pool) -> None:
    await vault.setup(pool)


def who() -> str:
    return f"p-{uuid.uuid4().hex[:12]}"


async def test_sealed_text_opens_only_while_the_key_lives(pool: asyncpg.Pool) -> None:
    alice, bob = who(), who()
    text = {"title": "Bænke ved søen", "body": "Ring 12 34 56 78", "tags": ["park"]}
    async with pool.acquire() as conn:
        a = await vault.seal(conn, alice, text)
        b = await vault.seal(conn, bob, {"note": "spam, I think"})
        again = await vault.seal(conn, alice, text)
        # the plaintext is nowhere in what travels, and two seals of one text differ
        assert "12 34" not in a.model_dump_json() and "Bænke" not in a.model_dump_json()
        assert a.key == again.key and a.ciphertext != again.ciphertext
        assert await vault.open_many(conn, [a, None, b, again]) == [text, None,
                                                                   {"note": "spam, I think"}, text]

        assert await vault.shred(conn, alice) is True
        assert await vault.shred(conn, alice) is False  # idempotent: nothing left to destroy
        assert await vault.shredded(conn, alice) and not await vault.shredded(conn, bob)
        # alice's texts are gone for good; bob's still open, in the same batch
        assert await vault.open_many(conn, [a, b, again]) == [None, {"note": "spam, I think"},
                                                              None]
        # an erased participant gets no new key: nothing more is stored under their identity
        with pytest.raises(vault.Erased):
            await vault.seal(conn, alice, text)
        assert await conn.fetchval("SELECT count(*) FROM vault.keys WHERE participant_id = $1",
                                   alice) == 0
        assert await conn.fetchval("SELECT count(*) FROM vault.shredded"
                                   " WHERE participant_id = $1", alice) == 1


async def test_an_altered_text_does_not_open(pool: asyncpg.Pool) -> None:
    carol = who()
    async with pool.acquire() as conn:
        s = await vault.seal(conn, carol, {"title": "t", "body": "b", "tags": []})
        raw = bytearray(base64.b64decode(s.ciphertext))
        raw[0] ^= 1
        altered = s.model_copy(update={"ciphertext": base64.b64encode(bytes(raw)).decode()})
        with pytest.raises(vault.Unreadable):
            await vault.open_many(conn, [altered])
        # a text moved under another participant's key id does not open either
        other = await vault.seal(conn, who(), {"note": "x"})
        with pytest.raises(vault.Unreadable):
            await vault.open_many(conn, [s.model_copy(update={"key": other.key})])


async def test_opened_text_is_held_to_the_event_limits(pool: asyncpg.Pool) -> None:
    dave = who()
    idea = uuid.uuid4()
    async with pool.acquire() as conn:
        fine = await vault.seal(conn, dave, {"title": "Ok", "body": "Body", "tags": []})
        long = await vault.seal(conn, dave, {"title": "x" * 201, "body": "Body", "tags": []})
        nul = await vault.seal(conn, dave, {"title": "a\x00b", "body": "Body", "tags": []})
        events = [IdeaSubmitted(idea_id=idea, campaign_id=idea, sealed=s) for s in (fine, long, nul)]
        events.append(IdeaSubmitted(idea_id=idea, campaign_id=idea, title="Plain", body="Old"))
        opened = await vault.open_payloads(conn, events)
        assert opened[0] == vault.Opened(IdeaText(title="Ok", body="Body"))
        assert opened[1].text is None and "title" in (opened[1].refusal or "")
        assert opened[2].text is None and "NUL" in (opened[2].refusal or "")
        assert opened[3] == vault.Opened(IdeaText(title="Plain", body="Old"))
        await vault.shred(conn, dave)
        erased = await vault.open_payloads(conn, events[:1])
        assert erased[0].erased and erased[0].text == IdeaText(title=ERASED, body=ERASED)


async def test_many_texts_open_in_one_query(pool: asyncpg.Pool) -> None:
    people = [who() for _ in range(50)]
    async with pool.acquire() as conn:
        sealed = await vault.seal_many(conn, [(p, {"note": p}) for p in people])
        assert all(isinstance(s, Sealed) for s in sealed)
        queries: list[str] = []

        def record(q: asyncpg.LoggedQuery) -> None:
            queries.append(q.query)

        conn.add_query_logger(record)
        try:
            opened = await vault.open_many(conn, sealed)
            await asyncio.sleep(0)  # asyncpg calls query loggers on the next loop turn
        finally:
            conn.remove_query_logger(record)
        assert opened == [{"note": p} for p in people]
        assert len(queries) == 1


async def test_two_first_seals_race_to_one_key(pool: asyncpg.Pool) -> None:
    erin = who()

    async def seal_once(i: int) -> Sealed:
        async with pool.acquire() as conn, conn.transaction():
            return await vault.seal(conn, erin, {"note": f"n{i}"})

    sealed = await asyncio.gather(*(seal_once(i) for i in range(8)))
    assert len({s.key for s in sealed}) == 1
    async with pool.acquire() as conn:
        assert await vault.open_many(conn, list(sealed)) == [{"note": f"n{i}"} for i in range(8)]


async def test_a_restored_backup_shreds_again(pool: asyncpg.Pool) -> None:
    frank = who()
    async with pool.acquire() as conn:
        s = await vault.seal(conn, frank, {"note": "before"})
        secret = await conn.fetchrow("SELECT key_id, secret, created_at FROM vault.keys"
                                     " WHERE participant_id = $1", frank)
        await vault.shred(conn, frank)
        # a backup from before the erasure brings the key back ...
        await conn.execute("INSERT INTO vault.keys (participant_id, key_id, secret, created_at)"
                           " VALUES ($1, $2, $3, $4)", frank, secret["key_id"], secret["secret"],
                           secret["created_at"])
        assert await vault.open_many(conn, [s]) == [{"note": "before"}]
    # ... and the next start destroys it again
    await vault.setup(pool)
    async with pool.acquire() as conn:
        assert await vault.open_many(conn, [s]) == [None]


async def test_a_request_fingerprint_is_keyed_and_dies_with_the_key(pool: asyncpg.Pool) -> None:
    gina, hans = who(), who()
    data = b'["IdeaSubmitted", {"title": "Ring 12 34 56 78"}]'
    async with pool.acquire() as conn:
        first = await vault.keyed_digest(conn, gina, data)
        assert await vault.keyed_digest(conn, gina, data) == first  # a repeat is recognised
        assert await vault.keyed_digest(conn, hans, data) != first  # not a plain hash
        assert await vault.keyed_digest(conn, gina, data + b" ") != first
        await vault.shred(conn, gina)
        with pytest.raises(vault.Erased):
            await vault.keyed_digest(conn, gina, data)
