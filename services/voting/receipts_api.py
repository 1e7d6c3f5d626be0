"""HTTP routes of vote receipts and the vote log's signed heads (all public).

Anyone holding a receipt may check it; the heads and consistency proofs let anyone watch that
the log only grows. The answers name no voter.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.infra.http import (
    ApiError,
    Context,
    Limit,
    Offset,
    Participant,
    StrictBody,
    not_found,
)
from services.infra.transparency import Receipt
from services.voting import queries, receipts

router = APIRouter(tags=["receipts"])

Partition = Annotated[int, Query(ge=0, le=100_000, description="the partition of `votes`")]
# a tree size is a count of records of one partition: an offset, which PostgreSQL keeps in 64 bits
MAX_TREE_SIZE = 2**63 - 1
OptionalPartition = Annotated[int | None, Query(ge=0, le=100_000,
                                                description="only this partition of `votes`")]


class VerifyRequest(StrictBody):
    """A receipt as the 202 of a vote or withdrawal gave it."""

    receipt: Receipt


@router.post("/receipts/verify")
async def verify_receipt(body: VerifyRequest, ctx: Context) -> dict[str, Any]:
    """Check a vote receipt: `genuine` (the installation signed it as it reads), `recorded`
    (the archive holds that very record at its position), `included` with `proof` (its inclusion
    proof against the latest signed head of its partition: save `proof` as a file for
    `ideastorm verify-receipt`), and `vote`: its state now (counted, held, withdrawn, refused,
    pending or unknown) with the reason. `problems` says what failed."""
    return await receipts.verify(ctx, body.receipt)


@router.get("/me/receipts")
async def my_receipts(ctx: Context, principal: Participant,
                      campaign: Annotated[uuid.UUID, Query(description="the campaign id")]
                      ) -> dict[str, Any]:
    """The receipt of each of your votes and withdrawals in a campaign made through this API
    (the same receipt its 202 gave), with the vote's state now."""
    if await queries.campaign(ctx.pool, campaign) is None:
        raise not_found("campaign", campaign)
    return {"campaign_id": campaign,
            "receipts": await receipts.mine(ctx, principal.sub, campaign)}


@router.get("/log/heads")
async def log_heads(ctx: Context, partition: OptionalPartition = None, limit: Limit = 100,
                    offset: Offset = 0) -> dict[str, Any]:
    """The vote log's signed heads: the latest of each partition, and the history (newest
    first), with the installation's public key (Ed25519, base64) that signed them."""
    return await receipts.heads(ctx, partition, limit, offset)


@router.get("/log/consistency")
async def log_consistency(
    ctx: Context, partition: Partition,
    first: Annotated[int, Query(alias="from", ge=1, le=MAX_TREE_SIZE,
                                description="the earlier head's tree size")],
    second: Annotated[int, Query(alias="to", ge=1, le=MAX_TREE_SIZE,
                                 description="the later head's tree size")],
) -> dict[str, Any]:
    """Proof (RFC 9162 2.1.4) that the signed head of size `to` extends the one of size `from`
    in a partition: the log was only appended to between them."""
    if first > second:
        raise ApiError(422, "invalid_request", f"from ({first}) must not be after to ({second})")
    a, b, proof = await receipts.consistency(ctx, partition, first, second)
    if a is None or b is None:
        raise ApiError(404, "not_found", f"partition {partition} has no signed head of size "
                                         f"{first if a is None else second}")
    return {"log": a.log, "partition": partition, "from": a.model_dump(mode="json"),
            "to": b.model_dump(mode="json"), "proof": [p.hex() for p in proof]}
