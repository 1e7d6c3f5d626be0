"""Ideas: the projection's handlers of submissions, revisions, flags and withdrawals, and the
commands by which participants submit, revise, flag and withdraw them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog

from schemas.common import Sealed
from schemas.envelope import Envelope
from schemas.ideas import (
    IdeaFlagged,
    IdeaRevised,
    IdeaSubmitted,
    IdeaText,
    IdeaWithdrawn,
    NoteText,
    ReasonText,
)
from schemas.moderation import (
    IdeaRevisionPublished,
    IdeaStatus,
)
from services.ideas import queries
from services.ideas.batch import BatchContext, seal_titles
from services.ideas.domain import (
    SubmissionRefused,
    check_submission,
    flag_refusal,
)
from services.ideas.edge import open_campaign, own_open_idea, sealed, visible_idea
from services.ideas.models import (
    AcceptedIdea,
    FlagIdea,
    ReviseIdea,
    SubmitIdea,
    WithdrawIdea,
)
from services.ideas.projections import CampaignRules
from services.infra.auth import Principal
from services.infra.consumer import Message
from services.infra.http import Accepted, ApiError, HttpContext, accept, build, new_id

log = structlog.get_logger(__name__)

async def idea_submitted(ctx: BatchContext, messages: list[Message]) -> None:
    rules = await ctx.store.campaign_rules(m.payload.campaign_id for m in messages)  # type: ignore[attr-defined]
    accepted: list[tuple[Message, CampaignRules]] = []
    parked: list[Message] = []
    for m in messages:
        p = m.payload
        assert isinstance(p, IdeaSubmitted)
        campaign = rules.get(p.campaign_id)
        if campaign is None:
            parked.append(m)
            continue
        try:
            check_submission(campaign.window, m.envelope.occurred_at, p.sector)
        except SubmissionRefused as exc:
            ctx.outcome.refuse.append((m, exc.reason, exc.detail))
            continue
        accepted.append((m, campaign))
    if parked:
        await ctx.store.park(parked, datetime.now(UTC) + ctx.park_for)
        log.info("submissions.parked", count=len(parked))
    new = await ctx.store.insert_ideas(accepted, ctx.texts)
    ctx.new_ideas |= new
    ctx.touched |= new


async def idea_revised(ctx: BatchContext, messages: list[Message]) -> None:
    authors = await ctx.store.idea_authors(m.payload.idea_id for m in messages)  # type: ignore[attr-defined]
    parked = await ctx.store.parked_ideas(
        m.payload.idea_id for m in messages if m.payload.idea_id not in authors)  # type: ignore[attr-defined]
    for m in messages:
        p = m.payload
        assert isinstance(p, IdeaRevised)
        author = authors.get(p.idea_id)
        if author is None and p.idea_id in parked:
            await ctx.store.park([m], datetime.now(UTC) + ctx.park_for)  # waits with its idea
        elif author is None:
            ctx.outcome.refuse.append((m, "unknown_idea", f"no idea {p.idea_id}"))
        elif author != m.envelope.actor:
            ctx.outcome.refuse.append((m, "not_author", f"{m.envelope.actor} did not write the idea"))
        elif await ctx.store.add_revision(m, _idea_text(ctx, m)):
            sealed = await seal_titles(ctx.store.conn, [(author, _idea_text(ctx, m).title)])
            ctx.outcome.publish.append(_revision_published(
                p.idea_id, p.campaign_id, await ctx.store.current_revision(p.idea_id),
                sealed[0], m.envelope))
            ctx.revised.add(p.idea_id)
        else:
            ctx.revised.add(p.idea_id)


def _revision_published(idea_id: uuid.UUID, campaign_id: uuid.UUID, revision: int,
                        sealed: Sealed | None, cause: Envelope) -> Envelope:
    return Envelope.wrap(IdeaRevisionPublished(idea_id=idea_id, campaign_id=campaign_id,
                                               revision=revision, sealed=sealed),
                         actor=cause.actor, occurred_at=cause.occurred_at, cause=cause)


def _idea_text(ctx: BatchContext, m: Message) -> IdeaText:
    text = ctx.texts[m.envelope.event_id]
    assert isinstance(text, IdeaText)
    return text


async def idea_flagged(ctx: BatchContext, messages: list[Message]) -> None:
    ids = {m.payload.idea_id for m in messages}  # type: ignore[attr-defined]
    authors = await ctx.store.idea_authors(ids)
    seen = await ctx.store.flaggers(ids)
    kept = []
    for m in messages:
        p = m.payload
        assert isinstance(p, IdeaFlagged)
        refused = flag_refusal(authors.get(p.idea_id, ""), m.envelope.actor,
                               (p.idea_id, m.envelope.actor) in seen)
        if refused is not None:
            ctx.outcome.refuse.append((m, refused[0], f"{m.envelope.actor}: {refused[1]}"))
            continue
        seen.add((p.idea_id, m.envelope.actor))
        kept.append(m)
    await ctx.store.add_flags(kept, ctx.texts)
    ctx.touched |= {m.payload.idea_id for m in kept}  # type: ignore[attr-defined]



async def idea_withdrawn(ctx: BatchContext, messages: list[Message]) -> None:
    authors = await ctx.store.idea_authors(m.payload.idea_id for m in messages)  # type: ignore[attr-defined]
    kept = []
    for m in messages:
        p = m.payload
        assert isinstance(p, IdeaWithdrawn)
        if authors.get(p.idea_id, m.envelope.actor) != m.envelope.actor:
            ctx.outcome.refuse.append((m, "not_author", f"{m.envelope.actor} did not write the idea"))
        else:
            kept.append(m)
    await ctx.store.add_withdrawals(kept, ctx.texts)
    ctx.touched |= {m.payload.idea_id for m in kept}  # type: ignore[attr-defined]



async def submit_idea(ctx: HttpContext, principal: Principal, command: SubmitIdea,
                      idempotency_key: str | None) -> AcceptedIdea:
    await open_campaign(ctx, command.campaign_id, principal)
    idea_id = new_id("idea", principal, idempotency_key)
    plain = build(IdeaSubmitted, idea_id=idea_id, campaign_id=command.campaign_id,
                  sector=principal.sector, **command.body.model_dump())
    text = build(IdeaText, **command.body.model_dump())
    event = await sealed(ctx, principal, plain, text, {"title": None, "body": None, "tags": []})
    accepted = await accept(ctx, principal, event, idempotency_key=idempotency_key, plain=plain)
    return AcceptedIdea(event_id=accepted.event_id, idea_id=idea_id)


async def revise_idea(ctx: HttpContext, principal: Principal, command: ReviseIdea,
                      idempotency_key: str | None) -> Accepted:
    row = await own_open_idea(ctx, command.idea_id, principal)
    await open_campaign(ctx, row["campaign_id"], principal)
    plain = build(IdeaRevised, idea_id=command.idea_id, campaign_id=row["campaign_id"],
                  **command.body.model_dump())
    text = build(IdeaText, **command.body.model_dump())
    event = await sealed(ctx, principal, plain, text, {"title": None, "body": None, "tags": []})
    return await accept(ctx, principal, event, idempotency_key=idempotency_key, plain=plain)


async def flag_idea(ctx: HttpContext, principal: Principal, command: FlagIdea,
                    idempotency_key: str | None) -> Accepted:
    idea_id = command.idea_id
    row = await visible_idea(ctx, idea_id, principal)
    if row["status"] != IdeaStatus.PUBLISHED:
        raise ApiError(409, "not_published", f"idea {idea_id} is {row['status']}")
    refused = flag_refusal(row["author"], principal.sub,
                           await queries.has_flagged(ctx.pool, idea_id, principal.sub))
    if refused is not None:
        raise ApiError(403 if refused[0] == "own_idea" else 409, refused[0],
                       f"idea {idea_id}: {refused[1]}")
    event = plain = build(IdeaFlagged, idea_id=idea_id, campaign_id=row["campaign_id"],
                          **command.body.model_dump())
    if plain.note is not None:
        event = await sealed(ctx, principal, plain, build(NoteText, note=plain.note),
                              {"note": None})
    return await accept(ctx, principal, event, idempotency_key=idempotency_key, plain=plain)


async def withdraw_idea(ctx: HttpContext, principal: Principal, command: WithdrawIdea,
                        idempotency_key: str | None) -> Accepted:
    row = await own_open_idea(ctx, command.idea_id, principal)
    event = plain = build(IdeaWithdrawn, idea_id=command.idea_id, campaign_id=row["campaign_id"],
                          **command.body.model_dump())
    if plain.reason is not None:
        event = await sealed(ctx, principal, plain, build(ReasonText, reason=plain.reason),
                              {"reason": None})
    return await accept(ctx, principal, event, idempotency_key=idempotency_key, plain=plain)
