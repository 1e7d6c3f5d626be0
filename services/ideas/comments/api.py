"""HTTP routes of comments on ideas (served by the gateway beside `services/ideas/api.py`).

A write route parses the request into a command and calls the ideas service's one handler for it
(`services/ideas/handlers.py`); a read route calls `comments/queries.py` and shows a comment only
to whom `comments.domain.may_see_comment` allows: the public sees published comments on a
published idea, a comment's author also their own waiting, hidden or rejected ones, staff all.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from schemas.comments import CommentStatus
from services.ideas import handlers
from services.ideas import queries as idea_queries
from services.ideas.comments import queries
from services.ideas.comments.domain import (
    applicable_comment_decisions,
    comment_hide_reason,
    may_see_comment,
)
from services.ideas.comments.models import (
    AcceptedComment,
    CommentDecisionIn,
    CommentFlagIn,
    CommentIn,
    CommentLogEntry,
    CommentOut,
    DecideComment,
    FlagComment,
    PostComment,
    QueueComment,
    QueueStatus,
    WithdrawComment,
)
from services.ideas.domain import credited_name
from services.ideas.edge import is_staff, visible_idea
from services.infra.http import (
    Accepted,
    Context,
    HttpContext,
    IdempotencyKey,
    Limit,
    Moderator,
    Offset,
    OptionalPrincipal,
    Participant,
    WaitFor,
    wait_for_event,
)

router = APIRouter()
comments = APIRouter(tags=["comments"])
moderation = APIRouter(tags=["moderation"])


@comments.post("/ideas/{idea_id}/comments", status_code=202, response_model=AcceptedComment,
               responses={
    403: {"description": "Not a participant, not in the campaign's audience (`not_in_audience`,"
                         " `no_sector`), or erased (`participant_erased`)"},
    409: {"description": (
        "The idea is not published (`idea_not_published`), its campaign is not open"
        " (`campaign_not_open`, `campaign_closed`: comments close with the campaign), or the"
        " comment replied to is a reply itself (`reply_to_reply`) or not published"
        " (`parent_not_published`)")},
    422: {"description": "The body is not valid (`invalid_request`), or `parent_id` names no"
                         " comment of this idea (`unknown_parent`)"},
})
async def post_comment(idea_id: uuid.UUID, body: CommentIn, ctx: Context, principal: Participant,
                       idempotency_key: IdempotencyKey = None) -> Accepted:
    """Comment on a published idea of an open campaign, or reply to one of its top-level
    comments. In a pre-moderated campaign the comment waits for a moderator."""
    return await handlers.handle(ctx, principal, PostComment(idea_id, body),
                                 idempotency_key=idempotency_key)


@comments.get("/ideas/{idea_id}/comments", response_model=list[CommentOut])
async def idea_comments(idea_id: uuid.UUID, ctx: Context, principal: OptionalPrincipal,
                        wait_for: WaitFor = None) -> list[CommentOut]:
    """The idea's comments, oldest first, each with its replies. The public sees published
    comments; a comment's author also sees their own while it waits (or is hidden or rejected),
    with its status; staff see every comment with its status, flags and possible decisions."""
    await wait_for_event(ctx, "ideas", wait_for)
    idea = await visible_idea(ctx, idea_id, principal)
    viewer = principal.sub if principal else None
    staff = is_staff(principal)
    rows = [r for r in await queries.of_idea(ctx.pool, idea_id)
            if may_see_comment(CommentStatus(r["status"]), r["author"], viewer, staff)]
    rows = await _credited(ctx, idea["campaign_id"], rows)
    top: dict[uuid.UUID, CommentOut] = {}
    replies: list[CommentOut] = []
    for r in rows:
        mine = viewer is not None and viewer == r["author"]
        out = CommentOut.model_validate({
            **r, "status_reason": r["status_reason"] if staff or mine else None,
            "flags": r["flags"] if staff else None,
            "decisions": applicable_comment_decisions(CommentStatus(r["status"])) if staff else []})
        if r["parent_id"] is None:
            top[out.comment_id] = out
        else:
            replies.append(out)
    for reply in replies:  # a reply under a comment the viewer may not see is not shown
        if reply.parent_id in top:
            top[reply.parent_id].replies.append(reply)
    return list(top.values())


async def _credited(ctx: HttpContext, campaign_id: uuid.UUID,
                    rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with `author_name` (see `domain.credited_name`), as ideas are credited."""
    if not rows:
        return rows
    showing = campaign_id in await idea_queries.campaigns_showing_names(ctx.pool, {campaign_id})
    names = await ctx.shown_names({r["author"] for r in rows}) if showing else {}
    return [{**r, "author_name": credited_name(showing, r["author"], names)} for r in rows]


@comments.post("/comments/{comment_id}/flags", status_code=202, response_model=Accepted,
               responses={
    403: {"description": "Not a participant, or your own comment (`own_comment`)"},
    409: {"description": "The comment is not published (`comment_not_published`), or you have"
                         " flagged it already (`comment_already_flagged`)"},
})
async def flag_comment(comment_id: uuid.UUID, body: CommentFlagIn, ctx: Context,
                       principal: Participant,
                       idempotency_key: IdempotencyKey = None) -> Accepted:
    """Flag a published comment (once per participant). Enough flags hide it for moderation."""
    return await handlers.handle(ctx, principal, FlagComment(comment_id, body),
                                 idempotency_key=idempotency_key)


@comments.delete("/comments/{comment_id}", status_code=202, response_model=Accepted, responses={
    403: {"description": "Not the comment's author (`not_comment_author`)"},
})
async def withdraw_comment(comment_id: uuid.UUID, ctx: Context, principal: Participant,
                           idempotency_key: IdempotencyKey = None) -> Accepted:
    """Delete your own comment: it is shown to no one any more (its replies with it)."""
    return await handlers.handle(ctx, principal, WithdrawComment(comment_id),
                                 idempotency_key=idempotency_key)


StatusFilter = Annotated[list[QueueStatus] | None, Query(
    description="pending (waiting for pre-moderation) and/or hidden (by flags or a moderator);"
                " both when not given")]
Campaign = Annotated[uuid.UUID | None, Query(description="only this campaign")]


@moderation.get("/moderation/comments", response_model=list[QueueComment])
async def comment_queue(ctx: Context, principal: Moderator, status: StatusFilter = None,
                        campaign_id: Campaign = None, wait_for: WaitFor = None,
                        limit: Limit = 200) -> list[QueueComment]:
    """Comments waiting for a moderator, oldest first: pending ones (pre-moderated campaigns)
    and hidden ones (by flags or by a moderator), with their idea, flags and the decisions that
    apply."""
    await wait_for_event(ctx, "ideas", wait_for)
    wanted = status or list(QueueStatus)
    rows = await queries.queue(ctx.pool, [s.value for s in wanted], campaign_id, limit=limit)
    return [QueueComment.model_validate(
        {**r, "decisions": applicable_comment_decisions(CommentStatus(r["status"]))})
        for r in rows]


@moderation.post("/moderation/comments/{comment_id}/decisions", status_code=202,
                 response_model=Accepted, responses={
    409: {"description": "The decision does not apply to the comment's status now"
                         " (`comment_decision_not_applicable`)"},
})
async def decide_comment(comment_id: uuid.UUID, body: CommentDecisionIn, ctx: Context,
                         principal: Moderator,
                         idempotency_key: IdempotencyKey = None) -> Accepted:
    """Approve, reject, hide, restore or keep (flags unfounded) a comment, with a reason (kept
    in the moderation log)."""
    return await handlers.handle(ctx, principal, DecideComment(comment_id, body),
                                 idempotency_key=idempotency_key)


@moderation.get("/moderation/comments/log", response_model=list[CommentLogEntry])
async def comment_log(ctx: Context, principal: Moderator,
                      idea_id: Annotated[uuid.UUID | None, Query()] = None,
                      comment_id: Annotated[uuid.UUID | None, Query()] = None,
                      wait_for: WaitFor = None, limit: Limit = 100,
                      offset: Offset = 0) -> list[CommentLogEntry]:
    """Every decision on comments, newest first: who decided what, when and why, and every
    comment the system hid because of flags (and whose flags)."""
    await wait_for_event(ctx, "ideas", wait_for)
    rows = await queries.log(ctx.pool, idea_id=idea_id, comment_id=comment_id, limit=limit,
                             offset=offset)
    return [CommentLogEntry.model_validate(
        {**r, "reason": comment_hide_reason(r["flaggers"])} if r["kind"] == "auto_hide" else r)
        for r in rows]


router.include_router(comments)
router.include_router(moderation)
