"""Official answers: staff answer an idea (`idea.answered`); an idea that reaches its campaign's
support threshold must be answered in time (`idea.answer_due`, derived here from the voting
service's tallies); the ideas timer says when it was not (`idea.answer_overdue`, `timers.py`).

The command handler checks an answer at the HTTP edge; the message handlers keep the answers
read model (`projections.AnswersStore`). The rules are `domain.answer_refusal`, `answer_due`
and `answer_overdue`.

What the edge can check of `initiative_id`: that it is given exactly for an answer "taken
forward into initiative" (the event's own rule). Whether that initiative exists is the action
plan's (the reporting service's) knowledge, which no other service reads; the report names the
initiative when the plan has it, and the id otherwise.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from schemas.envelope import Envelope, derived_id
from schemas.moderation import IdeaStatus
from schemas.participation import IdeaAnswerDue, IdeaAnswered
from schemas.votes import TallyChanged
from services.ideas import queries
from services.ideas.domain import answer_due, answer_refusal
from services.ideas.models import AnswerIdea
from services.ideas.projections import AnswersStore
from services.infra.auth import Principal
from services.infra.consumer import Message
from services.infra.http import Accepted, ApiError, HttpContext, accept, build, not_found

if TYPE_CHECKING:  # the batch context is the handlers module's; it imports this one
    from services.ideas.handlers import BatchContext

SYSTEM_ACTOR = "system:ideas"


def due_id(idea_id: uuid.UUID) -> uuid.UUID:
    """The one `idea.answer_due` an idea ever gets (a retry or a replay gives the same id)."""
    return derived_id(idea_id, "idea.answer_due")


def overdue_id(idea_id: uuid.UUID, due: str) -> uuid.UUID:
    """The one `idea.answer_overdue` of an idea's due date (`due` in ISO form)."""
    return derived_id(idea_id, "idea.answer_overdue", due)


# -- the command, from the HTTP edge


async def answer_idea(ctx: HttpContext, principal: Principal, command: AnswerIdea,
                      idempotency_key: str | None) -> Accepted:
    row = await queries.idea(ctx.pool, command.idea_id)
    if row is None:
        raise not_found("idea", command.idea_id)
    refused = answer_refusal(IdeaStatus(row["status"]))
    if refused is not None:
        raise ApiError(409, refused[0], f"idea {command.idea_id}: {refused[1]}")
    event = build(IdeaAnswered, idea_id=command.idea_id, campaign_id=row["campaign_id"],
                  **command.body.model_dump())
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)


# -- the projection


async def idea_answered(ctx: BatchContext, messages: list[Message]) -> None:
    # kept even when the idea is not known yet (it comes on another topic)
    await AnswersStore(ctx.store.conn, ctx.store.s).add_answers(messages)


async def answer_due_recorded(ctx: BatchContext, messages: list[Message]) -> None:
    """Our own derived event, read back (or replayed): the row it stands for, if missing."""
    await AnswersStore(ctx.store.conn, ctx.store.s).add_due(
        [(m.envelope.event_id, m.payload) for m in messages
         if isinstance(m.payload, IdeaAnswerDue)])


async def answer_overdue_recorded(ctx: BatchContext, messages: list[Message]) -> None:
    await AnswersStore(ctx.store.conn, ctx.store.s).mark_overdue(messages)


async def tally_changed(ctx: BatchContext, messages: list[Message]) -> None:
    """The voting service's figures (the campaign page's order by support), and an answer due
    for each idea they bring to its campaign's threshold for the first time. A campaign's
    tallies and its changes share a partition, so the threshold a tally is judged against is
    the one in force when it was counted, live and in a replay."""
    await ctx.store.apply_tallies(messages)
    answers = AnswersStore(ctx.store.conn, ctx.store.s)
    thresholds = await answers.thresholds(m.payload.campaign_id for m in messages)  # type: ignore[attr-defined]
    if not thresholds:
        return
    candidates = [(m, t) for m in messages for t in m.payload.ideas  # type: ignore[attr-defined]
                  if m.payload.campaign_id in thresholds]  # type: ignore[attr-defined]
    seen = await answers.already_due(t.idea_id for _, t in candidates)
    dues: list[tuple[uuid.UUID, IdeaAnswerDue]] = []
    causes: dict[uuid.UUID, Envelope] = {}
    for m, t in candidates:
        p = m.payload
        assert isinstance(p, TallyChanged)
        threshold = thresholds[p.campaign_id]
        reached_at = m.envelope.occurred_at
        due = answer_due(threshold, t.supports, reached_at, already_due=t.idea_id in seen)
        if due is None:
            continue
        seen.add(t.idea_id)
        event_id = due_id(t.idea_id)
        dues.append((event_id, IdeaAnswerDue(
            idea_id=t.idea_id, campaign_id=p.campaign_id, supports=t.supports,
            threshold=threshold.supports, reached_at=reached_at, due=due)))
        causes[event_id] = m.envelope
    if not dues:
        return
    recorded = await answers.add_due(dues)
    for event_id, payload in dues:
        if event_id in recorded:
            cause = causes[event_id]
            env = Envelope.wrap(payload, actor=SYSTEM_ACTOR, occurred_at=payload.reached_at,
                                event_id=event_id, correlation_id=cause.correlation_id)
            ctx.outcome.publish.append(env.model_copy(update={"causation_id": cause.event_id}))
