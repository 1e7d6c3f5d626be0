"""Every way into the ideas service, one function each, registered in explicit dicts.

`COMMAND_HANDLERS`: what people ask at the HTTP edge (create a campaign, submit, revise, flag,
withdraw, decide); each checks the request against the domain's rules and publishes one event.
`MESSAGE_HANDLERS`: the ideas projection, one handler per message type, applied batch by batch.
Every rule is in `domain.py`, every SQL statement in `projections.py` / `queries.py`.
The handlers themselves live by subject: `campaign_handlers.py`, `idea_handlers.py`,
`moderation_handlers.py` (what they share: `batch.py` for the projection, `edge.py` for commands).

The projection consumes `ideas.submissions` and `status`. Campaigns are applied first, then
submissions (judged by their `occurred_at` against the campaign window; parked while the campaign
is unknown), then revisions, flags, decisions and withdrawals, then the voting service's tallies
(the campaign page's order by support). Finally every idea touched by the batch is re-folded
(see `domain.fold_status`) and each change of status is published as `IdeaStatusChanged`, with
an id derived from the event that caused it, so a retried batch or a replay publishes duplicates
that consumers ignore. Comments (`services/ideas/comments/`) are handled after the ideas they are
on and re-folded the same way, each change published as `CommentStatusChanged`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import asyncpg

from schemas import topics
from schemas.campaigns import (
    CampaignChanged,
    CampaignClosed,
    CampaignCreated,
    CampaignOpened,
    VoteRulesChanged,
)
from schemas.comments import (
    CommentDecided,
    CommentFlagged,
    CommentHiddenByFlags,
    CommentPosted,
    CommentStatusChanged,
    CommentWithdrawn,
)
from schemas.envelope import Envelope, RefusedMessage, decode, derived_id
from schemas.ideas import (
    IdeaFlagged,
    IdeaRevised,
    IdeaSubmitted,
    IdeaWithdrawn,
)
from schemas.identity import ParticipantErased
from schemas.moderation import (
    IdeaHiddenByFlags,
    IdeaRevisionPublished,
    IdeaStatus,
    IdeaStatusChanged,
    ModerationDecided,
    RevisionDecided,
)
from schemas.participation import IdeaAnswerDue, IdeaAnswered, IdeaAnswerOverdue
from schemas.votes import TallyChanged, VoteHoldDecided
from services.ideas import answers
from services.ideas.batch import (
    STATUS_CHANGED_TYPE,
    SYSTEM_ACTOR,
    BatchContext,
    Handler,
    seal_titles,
    status_changed,
)
from services.ideas.campaign_handlers import (
    campaign_changed,
    campaign_closed,
    campaign_created,
    campaign_opened,
    change_campaign,
    create_campaign,
    settings_of,
    vote_rules_changed,
)
from services.ideas.comments.commands import (
    decide_comment,
    flag_comment,
    post_comment,
    withdraw_comment,
)
from services.ideas.comments.handlers import SEALED as COMMENT_TEXTS
from services.ideas.comments.handlers import (
    comment_decided,
    comment_flagged,
    comment_hidden_by_flags,
    comment_posted,
    comment_withdrawn,
    refold_comments,
)
from services.ideas.comments.models import (
    CommentCommand,
    DecideComment,
    FlagComment,
    PostComment,
    WithdrawComment,
)
from services.ideas.domain import (
    FLAGS,
    StatusState,
    fold_status,
)
from services.ideas.edge import is_staff, visible_idea, window_of
from services.ideas.idea_handlers import (
    flag_idea,
    idea_flagged,
    idea_revised,
    idea_submitted,
    idea_withdrawn,
    revise_idea,
    submit_idea,
    withdraw_idea,
)
from services.ideas.models import (
    AnswerIdea,
    ChangeCampaign,
    Command,
    CreateCampaign,
    DecideModeration,
    FlagIdea,
    ReviseIdea,
    SubmitIdea,
    WithdrawIdea,
)
from services.ideas.moderation_handlers import (
    decide_moderation,
    hidden_by_flags,
    moderation_decided,
    revision_decided,
    vote_hold_decided,
)
from services.ideas.projections import IdeasStore
from services.infra import vault
from services.infra.auth import Principal
from services.infra.consumer import Message, Outcome
from services.infra.http import Accepted, HttpContext
from services.infra.vault import ERASED

# what other modules of the service import from here
__all__ = ["COMMAND_HANDLERS", "MESSAGE_HANDLERS", "SYSTEM_ACTOR", "BatchContext",
           "IdeasProjection", "handle", "is_staff", "settings_of", "visible_idea", "window_of"]

async def participant_erased(ctx: BatchContext, messages: list[Message]) -> None:
    erased = [m.payload.participant_id for m in messages]  # type: ignore[attr-defined]
    await ctx.store.erase(erased)
    await ctx.comment_store.erase(erased)


async def ignore(ctx: BatchContext, messages: list[Message]) -> None:
    """Events on our topics that other services act on (and our own status changes)."""




# The order matters: campaigns before submissions, submissions before what refers to ideas.
MESSAGE_HANDLERS: dict[type, Handler] = {
    CampaignCreated: campaign_created,
    CampaignChanged: campaign_changed,
    CampaignOpened: campaign_opened,
    CampaignClosed: campaign_closed,
    VoteRulesChanged: vote_rules_changed,
    IdeaSubmitted: idea_submitted,
    IdeaRevised: idea_revised,
    IdeaFlagged: idea_flagged,
    RevisionDecided: revision_decided,
    ModerationDecided: moderation_decided,
    IdeaWithdrawn: idea_withdrawn,
    IdeaHiddenByFlags: hidden_by_flags,
    VoteHoldDecided: vote_hold_decided,
    TallyChanged: answers.tally_changed,  # the figures, then the answers they make due
    IdeaAnswered: answers.idea_answered,
    IdeaAnswerDue: answers.answer_due_recorded,
    IdeaAnswerOverdue: answers.answer_overdue_recorded,
    IdeaStatusChanged: ignore,
    IdeaRevisionPublished: ignore,
    # comments: after the ideas they are on
    CommentPosted: comment_posted,
    CommentFlagged: comment_flagged,
    CommentDecided: comment_decided,
    CommentWithdrawn: comment_withdrawn,
    CommentHiddenByFlags: comment_hidden_by_flags,
    CommentStatusChanged: ignore,
    # last: what this batch stored of the participant is erased with the rest
    ParticipantErased: participant_erased,
}




class IdeasProjection:
    """Campaigns, ideas, revisions, flags and decisions in the `ideas` schema (or a copy)."""

    dedupe = True
    topics: Sequence[str] = (topics.IDEAS_SUBMISSIONS.name, topics.STATUS.name)

    def __init__(self, *, schema: str = "ideas", name: str = "ideas",
                 park_seconds: float = 60.0) -> None:
        self.schema = schema
        self.name = name
        self.park_for = timedelta(seconds=park_seconds)

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        ctx = BatchContext(IdeasStore(conn, self.schema), self.park_for)
        await ctx.store.lock(_lock_ids(messages))
        # what waited for a campaign that arrives now goes first: it is older than this batch
        known = [m.payload.campaign_id for m in messages
                 if isinstance(m.payload, CampaignCreated)]
        messages = [*await _unpark(ctx.store, known), *messages] if known else messages
        messages, ctx.texts = await vault.open_batch(
            conn, ctx.outcome, messages,
            (IdeaSubmitted, IdeaRevised, IdeaFlagged, IdeaWithdrawn, *COMMENT_TEXTS))
        ctx.envelopes = {m.envelope.event_id: m.envelope for m in messages}
        by_type: dict[type, list[Message]] = defaultdict(list)
        for m in messages:
            by_type[type(m.payload)].append(m)
        for kind, handler in MESSAGE_HANDLERS.items():
            if kind in by_type:
                await handler(ctx, by_type[kind])
        if ctx.revised:
            settled = await ctx.store.settle_revisions(ctx.revised)
            titles = await seal_titles(conn, [(r["author"], r["title"]) for r in settled])
            for r, sealed in zip(settled, titles, strict=True):
                cause = ctx.envelopes.get(r["event_id"])
                change = IdeaRevisionPublished(idea_id=r["idea_id"], campaign_id=r["campaign_id"],
                                               revision=r["revision"], sealed=sealed)
                ctx.outcome.publish.append(Envelope.wrap(
                    change, actor=r["moderator"], occurred_at=r["decided_at"],
                    event_id=derived_id(r["event_id"], "idea.revision_published"),
                    correlation_id=cause.correlation_id if cause else r["event_id"]))
        if ctx.touched:
            await self._refold(ctx)
        if ctx.comments:
            await refold_comments(ctx)
        return ctx.outcome

    async def _refold(self, ctx: BatchContext) -> None:
        heads, facts = await ctx.store.heads_and_facts(ctx.touched)
        changes: list[tuple[uuid.UUID, StatusState]] = []
        states = {head.idea_id: fold_status(head.moderation, head.flag_threshold, head.author,
                                            facts[head.idea_id]) for head in heads}
        announced = [head for head in heads if head.idea_id in ctx.new_ideas
                     or states[head.idea_id].status is not head.status]
        # what the author wrote travels sealed under their key: the title, and a withdrawal's
        # reason (any other reason is staff's or the system's)
        sealed = dict(zip([h.idea_id for h in announced], await seal_titles(
            ctx.store.conn, [(h.author, h.title) for h in announced],
            [_authors_reason(states[h.idea_id], h.author) for h in announced]), strict=True))
        for head in heads:
            state = states[head.idea_id]
            is_new = head.idea_id in ctx.new_ideas
            if state.cause != head.status_cause or state.status is not head.status:
                changes.append((head.idea_id, state))
            if is_new or state.status is not head.status:
                change = {
                    "idea_id": head.idea_id, "campaign_id": head.campaign_id,
                    "status": state.status, "previous": None if is_new else head.status,
                    "reason": None if _authors_reason(state, head.author) else state.reason,
                    "merged_into": state.merged_into, "sealed": sealed[head.idea_id],
                    "cost": head.estimated_cost}
                cause = ctx.envelopes.get(state.cause)
                # the id derives from the cause; one that came in an earlier batch gives the
                # same id, as if it were here
                ctx.outcome.publish.append(status_changed(
                    change, actor=SYSTEM_ACTOR if state.by == FLAGS else state.by,
                    occurred_at=state.at, event_id=derived_id(state.cause, STATUS_CHANGED_TYPE),
                    correlation_id=cause.correlation_id if cause is not None else state.cause,
                    causation_id=state.cause))
            for at, flag, flaggers in state.hides:
                # each hide once, when its flag (or the idea it waited for) is in this batch
                if flag in ctx.envelopes or is_new:
                    ctx.outcome.publish.append(Envelope.wrap(
                        IdeaHiddenByFlags(idea_id=head.idea_id, campaign_id=head.campaign_id,
                                          flaggers=sorted(flaggers),
                                          threshold=head.flag_threshold),
                        actor=SYSTEM_ACTOR, occurred_at=at,
                        event_id=derived_id(flag, "moderation.hidden_by_flags"),
                        correlation_id=flag))
        await ctx.store.set_statuses(changes)


def _authors_reason(state: StatusState, author: str) -> str | None:
    """The reason the author gave, when the status is theirs (a withdrawal)."""
    if state.status is IdeaStatus.WITHDRAWN and state.by == author and state.reason != ERASED:
        return state.reason
    return None


def _lock_ids(messages: list[Message]) -> set[uuid.UUID]:
    """The ideas a batch touches, and the campaigns whose submissions it may park or unpark."""
    ids: set[uuid.UUID] = set()
    for m in messages:
        p = m.payload
        idea_id = getattr(p, "idea_id", None)
        if idea_id is not None:
            ids.add(idea_id)
        if isinstance(p, CampaignCreated | CampaignChanged | IdeaSubmitted | TallyChanged):
            # a tally and a new idea of the campaign: the idea starts with the stored figures
            ids.add(p.campaign_id)
    return ids


async def _unpark(store: IdeasStore, campaign_ids: list[uuid.UUID]) -> list[Message]:
    unparked = []
    for row in await store.unpark(campaign_ids):
        try:
            env, payload = decode(row["raw"])
        except RefusedMessage:  # it was decoded once already; cannot happen short of a bug
            continue
        unparked.append(Message(row["topic"], row["partition"], row["offset"], row["key"],
                                row["raw"], env, payload))
    return unparked




CommandHandler = Callable[[HttpContext, Principal, Any, str | None], Awaitable[Accepted]]
COMMAND_HANDLERS: dict[type, CommandHandler] = {
    CreateCampaign: create_campaign,
    ChangeCampaign: change_campaign,
    SubmitIdea: submit_idea,
    ReviseIdea: revise_idea,
    FlagIdea: flag_idea,
    WithdrawIdea: withdraw_idea,
    DecideModeration: decide_moderation,
    PostComment: post_comment,
    FlagComment: flag_comment,
    WithdrawComment: withdraw_comment,
    DecideComment: decide_comment,
    AnswerIdea: answers.answer_idea,
}


async def handle(ctx: HttpContext, principal: Principal, command: Command | CommentCommand, *,
                 idempotency_key: str | None) -> Accepted:
    """Run the one handler registered for the command."""
    return await COMMAND_HANDLERS[type(command)](ctx, principal, command, idempotency_key)
