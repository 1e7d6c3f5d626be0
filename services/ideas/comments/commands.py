"""What people ask of comments at the HTTP edge: post (or reply), flag, withdraw, decide. Each
checks the request against the comment rules (`comments/domain.py`) and publishes one event.

Comments are taken only while the idea's campaign is open (as ideas and revisions are): when it
closes, the discussion closes with it, and what was said stays readable. Flags, withdrawals and
moderators' decisions are taken at any time.
"""

from __future__ import annotations

import uuid
from typing import Any

from schemas.base import Payload
from schemas.comments import (
    CommentBody,
    CommentDecided,
    CommentFlagged,
    CommentPosted,
    CommentStatus,
    CommentText,
    CommentWithdrawn,
)
from schemas.envelope import derived_id
from schemas.ideas import NoteText
from schemas.moderation import IdeaStatus
from services.ideas.comments import queries
from services.ideas.comments.domain import (
    applicable_comment_decisions,
    comment_decision_outcome,
    comment_flag_refusal,
    may_see_comment,
    reply_refusal,
)
from services.ideas.comments.models import (
    AcceptedComment,
    DecideComment,
    FlagComment,
    PostComment,
    WithdrawComment,
)
from services.ideas.edge import is_staff, open_campaign, seal_text, visible_idea
from services.infra.auth import Principal
from services.infra.http import Accepted, ApiError, HttpContext, accept, build, new_id, not_found


class PlainComment(Payload):
    """A comment request before its text is sealed: what a repeated request is compared by."""

    comment_id: uuid.UUID
    idea_id: uuid.UUID
    parent_id: uuid.UUID | None
    body: CommentBody


async def visible_comment(ctx: HttpContext, comment_id: uuid.UUID,
                          principal: Principal | None) -> dict[str, Any]:
    """The comment, or a 404 when it (or its idea) does not exist or the caller may not see it."""
    row = await queries.comment(ctx.pool, comment_id)
    if row is None or not may_see_comment(CommentStatus(row["status"]), row["author"],
                                          principal.sub if principal else None,
                                          is_staff(principal)):
        raise not_found("comment", comment_id)
    await visible_idea(ctx, row["idea_id"], principal)
    return row


async def post_comment(ctx: HttpContext, principal: Principal, command: PostComment,
                       idempotency_key: str | None) -> AcceptedComment:
    idea = await visible_idea(ctx, command.idea_id, principal)
    if idea["status"] != IdeaStatus.PUBLISHED:
        raise ApiError(409, "idea_not_published",
                       f"idea {command.idea_id} is {idea['status']}: only a published idea"
                       " takes comments")
    await open_campaign(ctx, idea["campaign_id"], principal)
    parent_id = command.body.parent_id
    if parent_id is not None:
        parent = await queries.comment(ctx.pool, parent_id)
        if parent is None or parent["idea_id"] != command.idea_id:
            raise ApiError(422, "unknown_parent",
                           f"parent_id {parent_id} names no comment of idea {command.idea_id}")
        refused = reply_refusal(CommentStatus(parent["status"]), parent["parent_id"] is not None)
        if refused is not None:
            raise ApiError(409, refused[0], f"comment {parent_id}: {refused[1]}")
    comment_id = new_id("comment", principal, idempotency_key)
    plain = build(PlainComment, comment_id=comment_id, idea_id=command.idea_id,
                  parent_id=parent_id, body=command.body.body)
    text = build(CommentText, body=command.body.body)
    posted = build(CommentPosted, comment_id=comment_id, idea_id=command.idea_id,
                   campaign_id=idea["campaign_id"], parent_id=parent_id,
                   sealed=await seal_text(ctx, principal, text))
    accepted = await accept(ctx, principal, posted, idempotency_key=idempotency_key, plain=plain)
    return AcceptedComment(event_id=accepted.event_id, comment_id=comment_id)


async def flag_comment(ctx: HttpContext, principal: Principal, command: FlagComment,
                       idempotency_key: str | None) -> Accepted:
    comment_id = command.comment_id
    row = await visible_comment(ctx, comment_id, principal)
    if not CommentStatus(row["status"]).public:
        raise ApiError(409, "comment_not_published", f"comment {comment_id} is {row['status']}")
    refused = comment_flag_refusal(row["author"], principal.sub,
                                   await queries.has_flagged(ctx.pool, comment_id, principal.sub))
    if refused is not None:
        raise ApiError(403 if refused[0] == "own_comment" else 409, refused[0],
                       f"comment {comment_id}: {refused[1]}")
    fields = {"comment_id": comment_id, "idea_id": row["idea_id"],
              "campaign_id": row["campaign_id"], "reason": command.body.reason}
    event = build(CommentFlagged, **fields)
    plain: Payload = event
    if command.body.note is not None:
        note = build(NoteText, note=command.body.note)
        event = build(CommentFlagged, **fields, sealed=await seal_text(ctx, principal, note))
        # what a repeated request is compared by: the flag with its note, before sealing
        plain = build(PlainFlag, **fields, note=command.body.note)
    return await accept(ctx, principal, event, idempotency_key=idempotency_key, plain=plain)


class PlainFlag(Payload):
    """A flag with a note, before the note is sealed."""

    comment_id: uuid.UUID
    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    reason: str
    note: str


async def withdraw_comment(ctx: HttpContext, principal: Principal, command: WithdrawComment,
                           idempotency_key: str | None) -> Accepted:
    row = await visible_comment(ctx, command.comment_id, principal)
    if row["author"] != principal.sub:
        raise ApiError(403, "not_comment_author",
                       f"only the author of comment {command.comment_id} may delete it")
    event = build(CommentWithdrawn, comment_id=command.comment_id, idea_id=row["idea_id"],
                  campaign_id=row["campaign_id"])
    # the same comment is deleted once, however often it is asked
    return await accept(ctx, principal, event, idempotency_key=idempotency_key,
                        event_id=None if idempotency_key else derived_id(
                            "comment.withdrawn", str(command.comment_id)))


async def decide_comment(ctx: HttpContext, principal: Principal, command: DecideComment,
                         idempotency_key: str | None) -> Accepted:
    row = await queries.comment(ctx.pool, command.comment_id)
    if row is None:
        raise not_found("comment", command.comment_id)
    current = CommentStatus(row["status"])
    decision = command.body.decision
    if comment_decision_outcome(current, decision) is None:
        allowed = ", ".join(d.value for d in applicable_comment_decisions(current)) or "none"
        raise ApiError(409, "comment_decision_not_applicable",
                       f"comment {command.comment_id} is {current.value}: {decision.value} does"
                       f" not apply (possible: {allowed})")
    event = build(CommentDecided, comment_id=command.comment_id, idea_id=row["idea_id"],
                  campaign_id=row["campaign_id"], decision=decision, reason=command.body.reason)
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)
