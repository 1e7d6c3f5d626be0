"""Moderation of ideas: the projection's handlers of decisions (on ideas, revisions and vote holds)
and of hides by flags, and the command by which a moderator decides.
"""

from __future__ import annotations

from typing import Any

from schemas.moderation import (
    Decision,
    IdeaStatus,
    ModerationDecided,
    RevisionDecided,
    RevisionDecision,
)
from services.ideas import queries
from services.ideas.batch import BatchContext
from services.ideas.domain import (
    FINAL,
    applicable_decisions,
    decision_outcome,
)
from services.ideas.models import (
    DecideModeration,
)
from services.infra.auth import Principal
from services.infra.consumer import Message
from services.infra.http import Accepted, ApiError, HttpContext, accept, build, not_found


async def revision_decided(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.add_revision_decisions(messages)
    ctx.revised |= {m.payload.idea_id for m in messages}  # type: ignore[attr-defined]


async def hidden_by_flags(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.add_auto_hides(messages)


async def vote_hold_decided(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.add_vote_decisions(messages)


async def moderation_decided(ctx: BatchContext, messages: list[Message]) -> None:
    # kept even when the idea is not known yet (another topic): the fold picks it up later
    await ctx.store.add_decisions(messages)
    ctx.touched |= {m.payload.idea_id for m in messages}  # type: ignore[attr-defined]



async def decide_moderation(ctx: HttpContext, principal: Principal, command: DecideModeration,
                            idempotency_key: str | None) -> Accepted:
    body = command.body
    row = await queries.idea(ctx.pool, body.idea_id)
    if row is None:
        raise not_found("idea", body.idea_id)
    if body.revision is not None:
        return await _decide_revision(ctx, principal, command, row, idempotency_key)
    current = IdeaStatus(row["status"])
    if decision_outcome(current, body.decision) is None:
        allowed = ", ".join(d.value for d in applicable_decisions(current)) or "none"
        raise ApiError(409, "decision_not_applicable",
                       f"idea {body.idea_id} is {current.value}: {body.decision.value} does not "
                       f"apply (possible: {allowed})")
    if body.decision is Decision.MERGE:
        assert body.merge_into is not None
        target = await queries.idea(ctx.pool, body.merge_into)
        if target is None:
            raise not_found("idea", body.merge_into)
        if target["campaign_id"] != row["campaign_id"]:
            raise ApiError(409, "other_campaign",
                           f"idea {body.merge_into} belongs to another campaign")
        if IdeaStatus(target["status"]) in FINAL:
            raise ApiError(409, "idea_closed", f"idea {body.merge_into} is {target['status']}")
    event = build(ModerationDecided, campaign_id=row["campaign_id"],
                  **body.model_dump(exclude={"revision"}))
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)


async def _decide_revision(ctx: HttpContext, principal: Principal, command: DecideModeration,
                           row: dict[str, Any], idempotency_key: str | None) -> Accepted:
    body = command.body
    if body.decision not in (Decision.APPROVE, Decision.REJECT):
        raise ApiError(409, "decision_not_applicable",
                       f"a revision is approved or rejected, not {body.decision.value}")
    if row["pending_revision"] != body.revision:
        waiting = (f"revision {row['pending_revision']} waits" if row["pending_revision"]
                   else "no revision waits")
        raise ApiError(409, "revision_not_pending",
                       f"revision {body.revision} of idea {body.idea_id} is not waiting for a "
                       f"decision ({waiting})")
    event = build(RevisionDecided, idea_id=body.idea_id, campaign_id=row["campaign_id"],
                  revision=body.revision, decision=RevisionDecision(body.decision.value),
                  reason=body.reason)
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)
