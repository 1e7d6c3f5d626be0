"""Comments in the ideas projection: one handler per comment event, and the re-fold of every
comment a batch touched, which publishes each change of status as `CommentStatusChanged` (and a
hide by flags as `CommentHiddenByFlags`) through the outbox, with ids derived from their causes.

The checks here are the ones that read the same on every replay: the idea and the comment replied
to come before a comment on the same partition (the topic is keyed by idea), so a comment on an
unknown idea waits with its parked idea or is refused, a reply to a reply is refused, a flag or a
withdrawal names a comment that exists. What depends on another topic's timing (is the idea
published now?) is checked at the edge (`services/ideas/comments/commands.py`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from schemas.comments import (
    CommentFlagged,
    CommentHiddenByFlags,
    CommentPosted,
    CommentStatusChanged,
    CommentWithdrawn,
)
from schemas.envelope import Envelope, derived_id
from services.ideas.batch import SYSTEM_ACTOR, BatchContext
from services.ideas.comments.domain import FLAGS, comment_flag_refusal, fold_comment
from services.ideas.comments.projections import KnownComment
from services.infra.consumer import Message

# the comment events whose text the projection opens (`vault.open_batch`)
SEALED = (CommentPosted, CommentFlagged)


async def _park_or_refuse(ctx: BatchContext, m: Message, what: str) -> None:
    """A comment event whose idea (or comment) is not known: it waits with its parked idea, or
    is refused when its idea is not waiting either."""
    idea_id = m.payload.idea_id  # type: ignore[attr-defined]
    if idea_id in await ctx.store.parked_ideas([idea_id]):
        await ctx.store.park([m], datetime.now(UTC) + ctx.park_for)
    else:
        ctx.outcome.refuse.append((m, f"unknown_{what}", f"no {what} {_named(m, what)}"))


def _named(m: Message, what: str) -> object:
    return getattr(m.payload, f"{what}_id")


async def comment_posted(ctx: BatchContext, messages: list[Message]) -> None:
    store = ctx.comment_store
    moderation = await store.ideas_moderation(m.payload.idea_id for m in messages)  # type: ignore[attr-defined]
    parents = await store.known(m.payload.parent_id for m in messages  # type: ignore[attr-defined]
                                if m.payload.parent_id is not None)  # type: ignore[attr-defined]
    kept: list[Message] = []
    for m in messages:
        p = m.payload
        assert isinstance(p, CommentPosted)
        if p.idea_id not in moderation:
            await _park_or_refuse(ctx, m, "idea")
            continue
        if p.parent_id is not None:
            parent = parents.get(p.parent_id)
            if parent is None or parent.idea_id != p.idea_id:
                ctx.outcome.refuse.append((m, "unknown_parent", f"no comment {p.parent_id} on"
                                           f" idea {p.idea_id} to reply to"))
                continue
            if parent.parent_id is not None:
                ctx.outcome.refuse.append((m, "reply_to_reply", f"comment {p.parent_id} is a"
                                           " reply: only a top-level comment takes replies"))
                continue
        # a reply in the same batch finds the comment it answers here
        parents[p.comment_id] = KnownComment(p.comment_id, p.idea_id, p.parent_id,
                                             m.envelope.actor)
        kept.append(m)
    new = await store.insert(kept, moderation, ctx.texts)
    ctx.new_comments |= new
    ctx.comments |= new


async def comment_flagged(ctx: BatchContext, messages: list[Message]) -> None:
    store = ctx.comment_store
    ids = {m.payload.comment_id for m in messages}  # type: ignore[attr-defined]
    known = await store.known(ids)
    seen = await store.flaggers(ids)
    kept = []
    for m in messages:
        p = m.payload
        assert isinstance(p, CommentFlagged)
        comment = known.get(p.comment_id)
        if comment is None:
            await _park_or_refuse(ctx, m, "comment")
            continue
        refused = comment_flag_refusal(comment.author, m.envelope.actor,
                                       (p.comment_id, m.envelope.actor) in seen)
        if refused is not None:
            ctx.outcome.refuse.append((m, refused[0], f"{m.envelope.actor}: {refused[1]}"))
            continue
        seen.add((p.comment_id, m.envelope.actor))
        kept.append(m)
    await store.add_flags(kept, ctx.texts)
    ctx.comments |= {m.payload.comment_id for m in kept}  # type: ignore[attr-defined]


async def comment_withdrawn(ctx: BatchContext, messages: list[Message]) -> None:
    store = ctx.comment_store
    known = await store.known(m.payload.comment_id for m in messages)  # type: ignore[attr-defined]
    kept = []
    for m in messages:
        p = m.payload
        assert isinstance(p, CommentWithdrawn)
        comment = known.get(p.comment_id)
        if comment is None:
            await _park_or_refuse(ctx, m, "comment")
        elif comment.author != m.envelope.actor:
            ctx.outcome.refuse.append((m, "not_author",
                                       f"{m.envelope.actor} did not write comment {p.comment_id}"))
        else:
            kept.append(m)
    await store.add_withdrawals(kept)
    ctx.comments |= {m.payload.comment_id for m in kept}  # type: ignore[attr-defined]


async def comment_decided(ctx: BatchContext, messages: list[Message]) -> None:
    # kept even when the comment is not known yet (another topic): the fold picks it up later
    await ctx.comment_store.add_decisions(messages)
    ctx.comments |= {m.payload.comment_id for m in messages}  # type: ignore[attr-defined]


async def comment_hidden_by_flags(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.comment_store.add_auto_hides(messages)


async def refold_comments(ctx: BatchContext) -> None:
    """Fold every comment the batch touched; store and announce each change of status."""
    heads, facts = await ctx.comment_store.heads_and_facts(ctx.comments)
    changes = []
    for head in heads:
        state = fold_comment(head.moderation, head.flag_threshold, head.author,
                             facts[head.comment_id])
        is_new = head.comment_id in ctx.new_comments
        if state.cause != head.status_cause or state.status is not head.status:
            changes.append((head.comment_id, state))
        if is_new or state.status is not head.status:
            change = CommentStatusChanged(
                comment_id=head.comment_id, idea_id=head.idea_id, campaign_id=head.campaign_id,
                status=state.status, previous=None if is_new else head.status,
                parent_id=head.parent_id, author=head.author, parent_author=head.parent_author,
                reason=state.reason)
            actor = SYSTEM_ACTOR if state.by == FLAGS else state.by
            env = Envelope.wrap(change, actor=actor, occurred_at=state.at,
                                event_id=derived_id(state.cause, "comment.status_changed"),
                                correlation_id=_correlation(ctx, state.cause))
            ctx.outcome.publish.append(env.model_copy(update={"causation_id": state.cause}))
        for at, flag, flaggers in state.hides:
            # each hide once, when its flag (or the comment it waited for) is in this batch
            if flag in ctx.envelopes or is_new:
                ctx.outcome.publish.append(Envelope.wrap(
                    CommentHiddenByFlags(comment_id=head.comment_id, idea_id=head.idea_id,
                                         campaign_id=head.campaign_id, flaggers=sorted(flaggers),
                                         threshold=head.flag_threshold),
                    actor=SYSTEM_ACTOR, occurred_at=at,
                    event_id=derived_id(flag, "moderation.comment_hidden_by_flags"),
                    correlation_id=_correlation(ctx, flag)))
    await ctx.comment_store.set_statuses(changes)


def _correlation(ctx: BatchContext, cause: uuid.UUID) -> uuid.UUID:
    env = ctx.envelopes.get(cause)
    return env.correlation_id if env is not None else cause
