"""Vote receipts end to end: a vote's 202 carries a receipt that verifies (genuine, recorded,
included under a signed head, counted); an altered receipt, an altered archive row and a forked
head are refused; `ideastorm verify-receipt` checks the proof with only the file and the key."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.infra import merkle, transparency
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.voting import receipts
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def auth(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


async def _campaign(producer: EventProducer, http: httpx.AsyncClient, ideas: int
                    ) -> tuple[uuid.UUID, list[uuid.UUID]]:
    cid, opens = uuid.uuid4(), datetime.now(UTC) - timedelta(days=1)
    ids = [uuid.uuid4() for _ in range(ideas)]
    await producer.publish_many([
        Envelope.wrap(CampaignCreated(campaign_id=cid, title="Receipts", question="?",
                                      opens_at=opens, closes_at=opens + timedelta(days=5),
                                      moderation=ModerationMode.POST,
                                      vote_rules=VoteRules(max_votes_per_participant=3)),
                      actor="staff-1", occurred_at=opens - timedelta(hours=1)),
        *(Envelope.wrap(IdeaStatusChanged(idea_id=i, campaign_id=cid,
                                          status=IdeaStatus.PUBLISHED, title=f"Idea {n}"),
                        actor="staff-1", occurred_at=opens) for n, i in enumerate(ids)),
    ])
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"),
                     lambda r: r.status_code == 200 and len(r.json()["ideas"]) == ideas,
                     what="campaign and ideas known to the voting service")
    return cid, ids


async def _verified(http: httpx.AsyncClient, receipt: dict[str, Any], state: str
                    ) -> dict[str, Any]:
    answer: dict[str, Any] = (await eventually(
        lambda: http.post("/receipts/verify", json={"receipt": receipt}),
        lambda r: r.status_code == 200 and r.json()["included"]
        and r.json()["vote"]["state"] == state,
        what=f"the receipt included under a signed head and {state}")).json()
    return answer


def _verify_outside(bundle: dict[str, Any], public_key: str) -> subprocess.CompletedProcess[str]:
    """`ideastorm verify-receipt` in a process that knows no database, broker or home."""
    with tempfile.TemporaryDirectory() as empty:
        path = Path(empty) / "receipt.json"
        path.write_text(json.dumps(bundle))
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "LOG_SIGNING_KEY")}
        env |= {"IDEASTORM_HOME": str(Path(empty) / "home"), "LOG_LEVEL": "WARNING"}
        run = subprocess.run(
            [sys.executable, "-m", "services.cli", "verify-receipt", str(path),
             "--public-key", public_key], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=60, check=False)
        assert not (Path(empty) / "home").exists()  # it made nothing, started nothing
        return run


async def test_a_receipt_verifies_and_tampering_is_refused(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer, pool: asyncpg.Pool,
    token: Callable[..., str], infra: Settings, uid: str,
) -> None:
    _, [idea, other] = await _campaign(producer, http, 2)
    me = auth(token("participant", sub=f"receipt-{uid}"))
    r = await http.post(f"/ideas/{idea}/votes", headers={**me, "Idempotency-Key": uid},
                        json={"value": 1})
    assert r.status_code == 202, r.text
    receipt = r.json()["receipt"]
    assert receipt["event_id"] == r.json()["event_id"] and receipt["log"] == "votes"
    assert f"receipt-{uid}" not in json.dumps(receipt)  # nothing in it names the voter
    again = await http.post(f"/ideas/{idea}/votes", headers={**me, "Idempotency-Key": uid},
                            json={"value": 1})
    assert again.status_code == 202 and again.json()["receipt"] == receipt

    answer = await _verified(http, receipt, "counted")
    assert answer["genuine"] and answer["recorded"] and answer["problems"] == []
    assert answer["vote"]["idea_id"] == str(idea)
    proof, public_key = answer["proof"], answer["public_key"]
    heads = (await http.get("/log/heads")).json()
    assert heads["public_key"] == public_key
    assert proof["head"] in heads["latest"] or proof["head"] in heads["heads"]

    # checked outside the system with nothing but the file and the key
    run = await asyncio.to_thread(_verify_outside, proof, public_key)
    assert run.returncode == 0 and run.stdout.startswith("OK"), run.stdout + run.stderr

    # an altered receipt: not genuine, and nothing is said about any vote
    for change in ({"position": receipt["position"] + 1}, {"event_id": str(uuid.uuid4())}):
        bad = (await http.post("/receipts/verify",
                               json={"receipt": {**receipt, **change}})).json()
        assert not bad["genuine"] and bad["vote"] is None and bad["proof"] is None
        run = await asyncio.to_thread(_verify_outside, {**proof, "receipt": {**receipt, **change}},
                                      public_key)
        assert run.returncode == 1 and "REFUSED" in run.stderr

    # a forked head: the installation's own key signs a root over a different history
    key = transparency.installation_key(infra)
    assert transparency.public_key_text(key.public_key()) == public_key
    head = proof["head"]
    fork = transparency.sign_head(key, "votes", head["partition"], head["tree_size"],
                                  merkle.leaf_hash(b"another history"),
                                  transparency.to_ms(datetime.now(UTC)))
    run = await asyncio.to_thread(_verify_outside,
                                  {**proof, "head": fork.model_dump(mode="json")}, public_key)
    assert run.returncode == 1 and "inclusion proof" in run.stderr
    # ... and a later genuine head is consistent with the earlier one, the fork is not
    await http.post(f"/ideas/{other}/votes", headers=me, json={"value": 1})
    later = (await eventually(
        lambda: http.get("/log/heads", params={"partition": head["partition"], "limit": 1}),
        lambda r: r.json()["heads"] and r.json()["heads"][0]["tree_size"] > head["tree_size"],
        what="a later head of the partition")).json()["heads"][0]
    c = (await http.get("/log/consistency", params={
        "partition": head["partition"], "from": head["tree_size"],
        "to": later["tree_size"]})).json()
    steps = [bytes.fromhex(x) for x in c["proof"]]
    assert merkle.verify_consistency(head["tree_size"], later["tree_size"],
                                     bytes.fromhex(head["root_hash"]),
                                     bytes.fromhex(later["root_hash"]), steps)
    assert not merkle.verify_consistency(head["tree_size"], later["tree_size"],
                                         bytes.fromhex(fork.root_hash),
                                         bytes.fromhex(later["root_hash"]), steps)
    missing = await http.get("/log/consistency", params={
        "partition": head["partition"], "from": 1, "to": later["tree_size"] + 10_000})
    assert missing.status_code == 404

    # an altered archive row: the record at the receipt's position is no longer the receipted one
    where = ("votes", receipt["partition"], receipt["position"])
    original = await pool.fetchval('SELECT value FROM archive.events WHERE topic = $1'
                                   ' AND partition = $2 AND "offset" = $3', *where)
    await pool.execute("ALTER TABLE archive.events DISABLE TRIGGER append_only")
    try:
        await pool.execute('UPDATE archive.events SET value = $4 WHERE topic = $1'
                           ' AND partition = $2 AND "offset" = $3', *where,
                           original.replace(str(idea).encode(), str(other).encode()))
        bad = (await http.post("/receipts/verify", json={"receipt": receipt})).json()
        assert bad["genuine"] and not bad["recorded"] and bad["vote"] is None
        assert "the archive was altered" in bad["problems"][0]
    finally:
        await pool.execute('UPDATE archive.events SET value = $4 WHERE topic = $1'
                           ' AND partition = $2 AND "offset" = $3', *where, original)
        await pool.execute("ALTER TABLE archive.events ENABLE TRIGGER append_only")


async def test_a_withdrawal_has_its_own_receipt_and_the_vote_reads_withdrawn(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer,
    token: Callable[..., str], uid: str,
) -> None:
    cid, [idea] = await _campaign(producer, http, 1)
    me = auth(token("participant", sub=f"withdraw-{uid}"))
    cast = (await http.post(f"/ideas/{idea}/votes", headers=me, json={"value": 1})).json()
    await _verified(http, cast["receipt"], "counted")
    r = await http.delete(f"/ideas/{idea}/votes", headers=me)
    assert r.status_code == 202, r.text
    withdrawal = r.json()["receipt"]
    assert withdrawal["event_id"] == r.json()["event_id"] != cast["event_id"]
    withdrawn = (await _verified(http, withdrawal, "withdrawn"))["vote"]
    assert (withdrawn["kind"], withdrawn["cause"]) == ("withdraw", "applied")
    replaced = (await _verified(http, cast["receipt"], "withdrawn"))["vote"]
    assert (replaced["kind"], replaced["cause"], replaced["code"]) == ("cast", "withdrawn", None)
    # /me/receipts keeps every receipt, the same as the 202s gave
    kept = (await http.get("/me/receipts", headers=me, params={"campaign": str(cid)})).json()
    assert [k["receipt"] for k in kept["receipts"]] == [cast["receipt"], withdrawal]
    assert [k["state"] for k in kept["receipts"]] == ["withdrawn", "withdrawn"]
    # with what a page needs to say it in its own words: which action, the vote's own state
    assert [(k["kind"], k["cause"]) for k in kept["receipts"]] == [
        ("cast", "withdrawn"), ("withdraw", "applied")]



async def test_a_campaign_close_signs_a_head_of_every_partition(
    stack: Stack, http: httpx.AsyncClient, producer: EventProducer, pool: asyncpg.Pool,
    token: Callable[..., str], infra: Settings, uid: str,
) -> None:
    _, [idea] = await _campaign(producer, http, 1)
    await http.post(f"/ideas/{idea}/votes", headers=auth(token("participant", sub=f"c-{uid}")),
                    json={"value": 1})
    before = datetime.now(UTC)
    cid = uuid.uuid4()
    await producer.publish(Envelope.wrap(
        CampaignCreated(campaign_id=cid, title="Closing", question="?",
                        opens_at=before - timedelta(days=1), closes_at=before,
                        moderation=ModerationMode.POST),
        actor="staff-1", occurred_at=before - timedelta(days=2)))
    await eventually(lambda: http.get(f"/campaigns/{cid}/tally"), lambda r: r.status_code == 200,
                     what="the closed campaign known")
    key = transparency.installation_key(infra)
    # judged as if the last round was just before the close: the close makes every head due
    signed, _ = await receipts.sign_due_heads(pool, key, before - timedelta(seconds=1))
    sizes = await pool.fetch("SELECT partition FROM archive.tree_sizes WHERE topic = 'votes'")
    assert sorted(h.partition for h in signed) == sorted(r["partition"] for r in sizes)
    assert all(h.signed_at >= before for h in signed)
