"""Vote receipts and the vote log's signed heads: issuing, checking, and the worker's signing.

A cast or withdrawal answered 202 carries a receipt signed with the installation's key
(services/infra/transparency.py). `verify` answers a receipt's holder: genuine?, the record the
archive holds at its position is the one receipted?, the inclusion proof against the latest
signed head of its partition, and what became of the vote (`domain.receipts`). The voting worker
extends the trees and signs heads (`sign_due_heads`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import topics
from services.infra import log_tree, merkle, transparency
from services.infra.archive import Logged
from services.infra.http import Accepted, HttpContext
from services.infra.transparency import Receipt, SignedHead
from services.voting import queries
from services.voting.domain.receipts import head_due, receipt_state

log = structlog.get_logger(__name__)

KEY_CACHE = "voting.log_key"
LOG = topics.VOTES.name


class VoteAccepted(Accepted):
    """A vote or withdrawal was accepted; keep the receipt to check it later
    (`POST /receipts/verify`, or `ideastorm verify-receipt` with a signed head)."""

    receipt: Receipt | None = None


def installation_key(ctx: HttpContext) -> Ed25519PrivateKey:
    key = ctx.caches.get(KEY_CACHE)
    if key is None:
        key = ctx.caches[KEY_CACHE] = transparency.installation_key(ctx.settings)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _receipt(key: Ed25519PrivateKey, event_id: uuid.UUID, logged: Logged) -> Receipt:
    entry = transparency.log_entry(logged.topic, logged.partition, logged.offset,
                                   logged.timestamp_ms, logged.key, logged.value, logged.headers)
    return transparency.sign_receipt(key, event_id, logged.topic, logged.partition,
                                     logged.offset, logged.timestamp_ms, merkle.leaf_hash(entry))


async def issue(ctx: HttpContext, accepted: Accepted) -> Receipt | None:
    """The receipt of an accepted vote or withdrawal: signed now for the request that published
    it; for a repeated request, signed again from the archived record (the same fields, the same
    signature: Ed25519 is deterministic)."""
    logged = accepted.logged
    if logged is None:
        where = await ctx.idempotency.position(accepted.event_id)
        if where is None:  # accepted before positions were kept
            return None
        record = await log_tree.archived(ctx.pool, *where)
        if record is None:
            return None
        logged = Logged(record.topic, record.partition, record.offset, record.timestamp_ms,
                        record.key, record.value, record.headers)
    return _receipt(installation_key(ctx), accepted.event_id, logged)


async def mine(ctx: HttpContext, voter_id: str, campaign_id: uuid.UUID) -> list[dict[str, Any]]:
    """The receipt of each vote and withdrawal a voter made through the API in a campaign (an
    imported vote has none), oldest first, with its state now."""
    found = []
    for vote in (await queries.my_votes(ctx.pool, voter_id, campaign_id,
                                        datetime.now(UTC)))["votes"]:
        receipt = await issue(ctx, Accepted(event_id=vote["event_id"]))
        if receipt is not None:
            state = receipt_state(vote.get("kind"), vote.get("state"), vote.get("reason"),
                                  vote.get("state") == "pending")
            found.append({"receipt": receipt.model_dump(mode="json"), "idea_id": vote["idea_id"],
                          "kind": vote.get("kind") or "cast", "state": state.state,
                          "reason": state.reason, "cause": state.cause, "code": state.code})
    return found


def _public(ctx: HttpContext) -> dict[str, str]:
    public = installation_key(ctx).public_key()
    return {"public_key": transparency.public_key_text(public),
            "key_id": transparency.key_id(public)}


async def verify(ctx: HttpContext, receipt: Receipt) -> dict[str, Any]:
    """Everything a receipt's holder may learn from it (see the module docstring)."""
    public = installation_key(ctx).public_key()
    answer: dict[str, Any] = {"genuine": transparency.signed_by(receipt, public),
                              "recorded": False, "included": False, "problems": [],
                              "proof": None, "vote": None, **_public(ctx)}
    problems: list[str] = answer["problems"]
    if not answer["genuine"]:
        problems.append("the receipt's signature does not match it: it was altered, or it is "
                        "not this installation's")
        return answer
    record = await log_tree.archived(ctx.pool, receipt.log, receipt.partition, receipt.position)
    leaf = (merkle.leaf_hash(log_tree.entry_of(record)).hex() if record is not None else None)
    if leaf != receipt.leaf_hash:
        problems.append("the archive's record at the receipt's position is not the one "
                        "receipted: the archive was altered" if record is not None else
                        "the archive holds no record at the receipt's position")
        return answer
    answer["recorded"] = True
    heads = await log_tree.latest_heads(ctx.pool, receipt.log)
    head = heads.get(receipt.partition)
    if head is None or head.tree_size <= receipt.position:
        problems.append("no signed head covers this record yet: a head is signed at least "
                        f"every {ctx.settings.log_head_interval_s:g} s while votes arrive")
    else:
        path = await log_tree.inclusion(ctx.pool, receipt.log, receipt.partition,
                                        receipt.position, head.tree_size)
        bundle = transparency.Bundle.model_validate(transparency.bundle_json(receipt, head, path))
        found = transparency.verify_bundle(bundle, public)
        answer["included"] = not found
        problems += found
        answer["proof"] = bundle.model_dump(mode="json")
    vote = await queries.receipt_vote(ctx.pool, receipt.event_id) or {}
    state = receipt_state(vote.get("kind"), vote.get("state"), vote.get("reason"),
                          bool(vote.get("parked")))
    answer["vote"] = {"state": state.state, "reason": state.reason, "cause": state.cause,
                      "code": state.code, "kind": vote.get("kind"),
                      "campaign_id": vote.get("campaign_id"), "idea_id": vote.get("idea_id")}
    return answer


async def heads(ctx: HttpContext, partition: int | None, limit: int,
                offset: int) -> dict[str, Any]:
    latest = await log_tree.latest_heads(ctx.pool, LOG)
    history = await log_tree.heads(ctx.pool, LOG, partition, limit=limit, offset=offset)
    return {"log": LOG, **_public(ctx),
            "latest": [h.model_dump(mode="json") for _, h in sorted(latest.items())],
            "heads": [h.model_dump(mode="json") for h in history]}


async def consistency(ctx: HttpContext, partition: int, first: int,
                      second: int) -> tuple[SignedHead | None, SignedHead | None, list[bytes]]:
    """The signed heads of sizes `first` and `second` and the proof that the second extends
    the first (no proof when either head does not exist)."""
    a = await log_tree.head_of_size(ctx.pool, LOG, partition, first)
    b = await log_tree.head_of_size(ctx.pool, LOG, partition, second)
    if a is None or b is None:
        return a, b, []
    return a, b, await log_tree.consistency(ctx.pool, LOG, partition, first, second)


async def sign_due_heads(pool: asyncpg.Pool, key: Ed25519PrivateKey,
                         last_signed: datetime | None) -> tuple[list[SignedHead], datetime]:
    """Extend the vote log's trees to the archive and sign the heads that are due; returns them
    and the time they were judged at (the next call's `last_signed`)."""
    now = datetime.now(UTC)
    grown = await log_tree.extend(pool, LOG)
    closed = last_signed is not None and await queries.closed_between(pool, last_signed, now) > 0
    # the first round after a start signs what grew since the last head before it
    if not head_due(bool(grown) or last_signed is None, closed):
        return [], now
    signed = await log_tree.sign_heads(pool, key, LOG, force=closed)
    if signed:
        log.info("log.heads_signed", log=LOG, partitions=len(signed),
                 records=sum(h.tree_size for h in signed), campaign_closed=closed)
    return signed, now
