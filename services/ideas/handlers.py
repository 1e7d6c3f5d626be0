"""Every way into the ideas service, one function each, registered in explicit dicts.

`COMMAND_HANDLERS`: what people ask at the HTTP edge (create a campaign, submit, revise, flag,
withdraw, decide); each checks the request against the domain's rules and publishes one event.
`MESSAGE_HANDLERS`: the ideas projection, one handler per message type, applied batch by batch.
Every rule is in `domain.py`, every SQL statement in `projections.py` / `queries.py`.

The projection consumes `ideas.submissions` and `status`. Campaigns are applied first, then
submissions (judged by their `occurred_at` against the campaign window; parked while the campaign
is unknown), then revisions, flags, decisions and withdrawals, then the voting service's tallies
(the campaign page's order by support). Finally every idea touched by the batch is re-folded
(see `domain.fold_status`) and each change of status is published as `IdeaStatusChanged`, with
an id derived from the event that caused it, so a retried batch or a replay publishes duplicates
that consumers ignore.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import asyncpg
import structlog
from fastapi import HTTPException

from schemas import topics
from schemas.base import Payload
from schemas.campaigns import (
    AnswerThreshold,
    CampaignChanged,
    CampaignClosed,
    CampaignCreated,
    CampaignOpened,
    ModerationMode,
    VoteRules,
    VoteRulesChanged,
    audience_refusal,
)
from schemas.common import Sealed, Sector
from schemas.envelope import Envelope, RefusedMessage, decode, derived_id
from schemas.ideas import (
    IdeaFlagged,
    IdeaRevised,
    IdeaSubmitted,
    IdeaText,
    IdeaWithdrawn,
    NoteText,
    ReasonText,
    TextFields,
)
from schemas.identity import ParticipantErased
from schemas.moderation import (
    Decision,
    IdeaHiddenByFlags,
    IdeaRevisionPublished,
    IdeaStatus,
    IdeaStatusChanged,
    ModerationDecided,
    RevisionDecided,
    RevisionDecision,
    StatusText,
)
from schemas.participation import IdeaAnswerDue, IdeaAnswered, IdeaAnswerOverdue
from schemas.votes import TallyChanged, VoteHoldDecided
from services.ideas import answers, queries
from services.ideas.domain import (
    FINAL,
    FLAGS,
    CampaignPhase,
    CampaignSettings,
    CampaignWindow,
    ChangeRefused,
    StatusState,
    SubmissionRefused,
    applicable_decisions,
    check_change,
    check_submission,
    decision_outcome,
    flag_refusal,
    fold_status,
    may_see,
)
from services.ideas.models import (
    AcceptedCampaign,
    AcceptedIdea,
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
from services.ideas.projections import CampaignRules, IdeasStore, Texts
from services.infra import vault
from services.infra.auth import Principal, Role
from services.infra.consumer import Message, Outcome
from services.infra.http import Accepted, ApiError, HttpContext, accept, build, new_id, not_found
from services.infra.vault import ERASED

log = structlog.get_logger(__name__)

SYSTEM_ACTOR = "system:ideas"

P = TypeVar("P", bound=Payload)

Handler = Callable[["BatchContext", list[Message]], Awaitable[None]]


class BatchContext:
    """What the handlers of one batch share: the store, the outcome, the ideas touched."""

    def __init__(self, store: IdeasStore, park_for: timedelta) -> None:
        self.store = store
        self.outcome = Outcome()
        self.touched: set[uuid.UUID] = set()
        self.new_ideas: set[uuid.UUID] = set()
        self.park_for = park_for
        self.envelopes: dict[uuid.UUID, Envelope] = {}
        self.revised: set[uuid.UUID] = set()  # ideas whose revisions may be settled now
        self.texts: Texts = {}  # participant text of the batch's events, opened


async def campaign_created(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.insert_campaigns(messages)


async def campaign_changed(ctx: BatchContext, messages: list[Message]) -> None:
    known = await ctx.store.change_campaigns(messages)
    for m in messages:
        cid = m.payload.campaign_id  # type: ignore[attr-defined]
        if cid not in known:
            ctx.outcome.refuse.append((m, "unknown_campaign", f"no campaign {cid} to change"))


async def campaign_opened(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.mark_campaigns("opened_at", messages)


async def campaign_closed(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.mark_campaigns("closed_at", messages)


async def vote_rules_changed(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.change_vote_rules(messages)


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
            sealed = await _seal_titles(ctx.store.conn, [(author, _idea_text(ctx, m).title)])
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


async def _seal_titles(conn: asyncpg.Connection, items: Sequence[tuple[str, str | None]],
                       reasons: Sequence[str | None] | None = None) -> list[Sealed | None]:
    """The authors' titles (and withdrawal reasons) sealed for the status events other services
    read, under each author's key; None for an erased title or author (the event then names
    no title, and nothing is sealed under a key made for an erased participant)."""
    reasons = reasons or [None] * len(items)
    wanted = [(i, author, StatusText(title=title, reason=reason).model_dump(mode="json"))
              for i, ((author, title), reason) in enumerate(zip(items, reasons, strict=True))
              if title is not None and title != ERASED]
    out: list[Sealed | None] = [None] * len(items)
    for (i, _, _), sealed in zip(wanted, await vault.seal_many(
            conn, [(author, fields) for _, author, fields in wanted]), strict=True):
        out[i] = sealed
    return out


async def revision_decided(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.add_revision_decisions(messages)
    ctx.revised |= {m.payload.idea_id for m in messages}  # type: ignore[attr-defined]


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


async def hidden_by_flags(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.add_auto_hides(messages)


async def vote_hold_decided(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.add_vote_decisions(messages)


async def moderation_decided(ctx: BatchContext, messages: list[Message]) -> None:
    # kept even when the idea is not known yet (another topic): the fold picks it up later
    await ctx.store.add_decisions(messages)
    ctx.touched |= {m.payload.idea_id for m in messages}  # type: ignore[attr-defined]


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


async def participant_erased(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.erase([m.payload.participant_id for m in messages])  # type: ignore[attr-defined]


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
            conn, ctx.outcome, messages, (IdeaSubmitted, IdeaRevised, IdeaFlagged, IdeaWithdrawn))
        ctx.envelopes = {m.envelope.event_id: m.envelope for m in messages}
        by_type: dict[type, list[Message]] = defaultdict(list)
        for m in messages:
            by_type[type(m.payload)].append(m)
        for kind, handler in MESSAGE_HANDLERS.items():
            if kind in by_type:
                await handler(ctx, by_type[kind])
        if ctx.revised:
            settled = await ctx.store.settle_revisions(ctx.revised)
            titles = await _seal_titles(conn, [(r["author"], r["title"]) for r in settled])
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
        sealed = dict(zip([h.idea_id for h in announced], await _seal_titles(
            ctx.store.conn, [(h.author, h.title) for h in announced],
            [_authors_reason(states[h.idea_id], h.author) for h in announced]), strict=True))
        for head in heads:
            state = states[head.idea_id]
            is_new = head.idea_id in ctx.new_ideas
            if state.cause != head.status_cause or state.status is not head.status:
                changes.append((head.idea_id, state))
            if is_new or state.status is not head.status:
                change = IdeaStatusChanged(
                    idea_id=head.idea_id, campaign_id=head.campaign_id, status=state.status,
                    previous=None if is_new else head.status,
                    reason=None if _authors_reason(state, head.author) else state.reason,
                    merged_into=state.merged_into, sealed=sealed[head.idea_id],
                    cost=head.estimated_cost)
                cause = ctx.envelopes.get(state.cause)
                actor = SYSTEM_ACTOR if state.by == FLAGS else state.by
                if cause is not None:
                    env = Envelope.wrap(change, actor=actor, occurred_at=state.at, cause=cause)
                else:  # the cause came in an earlier batch: the same id, as if it were here
                    env = Envelope.wrap(change, actor=actor, occurred_at=state.at,
                                        event_id=derived_id(state.cause, "idea.status_changed"),
                                        correlation_id=state.cause)
                    env = env.model_copy(update={"causation_id": state.cause})
                ctx.outcome.publish.append(env)
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


# -- commands, from the HTTP edge


def window_of(row: dict[str, Any]) -> CampaignWindow:
    return CampaignWindow(row["opens_at"], row["closes_at"],
                          frozenset(Sector(a) for a in row["audience"]))


async def visible_idea(ctx: HttpContext, idea_id: uuid.UUID, principal: Principal | None
                       ) -> dict[str, Any]:
    """The idea, or a 404 when it does not exist or the caller may not see it."""
    row = await queries.idea(ctx.pool, idea_id)
    if row is None or not may_see(
            IdeaStatus(row["status"]), row["author"], principal.sub if principal else None,
            is_staff(principal)):
        if row is not None and row["status"] == IdeaStatus.MERGED and row["merged_into"]:
            # a link to a merged idea leads on to the idea it lives on in (its content stays
            # hidden): the id of the target, which is public, is all this says
            raise HTTPException(404, detail={"code": "not_found",
                                             "message": f"idea {idea_id} does not exist",
                                             "merged_into": str(row["merged_into"])})
        raise not_found("idea", idea_id)
    return row


def is_staff(principal: Principal | None) -> bool:
    """Staff see what is not public: moderators, planners, the steering group, admins."""
    return principal is not None and principal.has_any(
        {Role.MODERATOR, Role.PLANNER, Role.STEERING})


async def _open_campaign(ctx: HttpContext, campaign_id: uuid.UUID,
                         principal: Principal) -> dict[str, Any]:
    """The campaign, if ideas may be submitted or revised in it now; otherwise a 404/409/403."""
    row = await queries.campaign(ctx.pool, campaign_id)
    if row is None:
        raise not_found("campaign", campaign_id)
    window = window_of(row)
    phase = window.phase(datetime.now(UTC))
    if phase is CampaignPhase.SCHEDULED:
        raise ApiError(409, "campaign_not_open",
                       f"campaign {campaign_id} opens at {row['opens_at'].isoformat()}")
    if phase is CampaignPhase.CLOSED:
        raise ApiError(409, "campaign_closed",
                       f"campaign {campaign_id} closed at {row['closes_at'].isoformat()}")
    refused = audience_refusal(window.audience, principal.sector)
    if refused is not None:
        raise ApiError(403, refused[0], f"campaign {campaign_id}: {refused[1]}")
    return row


async def _own_open_idea(ctx: HttpContext, idea_id: uuid.UUID,
                         principal: Principal) -> dict[str, Any]:
    row = await visible_idea(ctx, idea_id, principal)
    if row["author"] != principal.sub:
        raise ApiError(403, "not_author", f"only the author of idea {idea_id} may change it")
    if IdeaStatus(row["status"]) in FINAL:
        raise ApiError(409, "idea_closed", f"idea {idea_id} is {row['status']}")
    return row


async def create_campaign(ctx: HttpContext, principal: Principal, command: CreateCampaign,
                          idempotency_key: str | None) -> AcceptedCampaign:
    campaign_id = new_id("campaign", principal, idempotency_key)
    event = build(CampaignCreated, campaign_id=campaign_id, **command.body.model_dump())
    accepted = await accept(ctx, principal, event, idempotency_key=idempotency_key)
    return AcceptedCampaign(event_id=accepted.event_id, campaign_id=campaign_id)


def settings_of(row: dict[str, Any]) -> CampaignSettings:
    """A campaign's changeable settings, from its row in the read model."""
    return CampaignSettings(
        title=row["title"], question=row["question"], description=row["description"],
        opens_at=row["opens_at"], closes_at=row["closes_at"],
        audience=frozenset(Sector(a) for a in row["audience"]),
        moderation=ModerationMode(row["moderation"]),
        vote_rules=VoteRules.model_validate(row["vote_rules"]),
        flag_threshold=row["flag_threshold"], budget=row["budget"],
        min_votes_to_fund=row["min_votes_to_fund"],
        shows_author_names=row["shows_author_names"],
        answer_threshold=(AnswerThreshold.model_validate(row["answer_threshold"])
                          if row["answer_threshold"] is not None else None))


async def change_campaign(ctx: HttpContext, principal: Principal, command: ChangeCampaign,
                          idempotency_key: str | None) -> Accepted:
    """Judge the change against the campaign as the read model has it now (`check_change`) and
    publish `CampaignChanged` with every setting, naming the ones that change."""
    row = await queries.campaign(ctx.pool, command.campaign_id)
    if row is None:
        raise not_found("campaign", command.campaign_id)
    old = settings_of(row)
    given = command.body.model_dump(exclude_unset=True, exclude={"reason"})
    if "audience" in given:
        given["audience"] = frozenset(command.body.audience or ())
    if "vote_rules" in given:
        given["vote_rules"] = command.body.vote_rules
    if "answer_threshold" in given:
        given["answer_threshold"] = command.body.answer_threshold
    new = replace(old, **given)
    try:
        changed = check_change(old, new, datetime.now(UTC))
    except ChangeRefused as exc:
        if exc.code == "nothing_changed" and idempotency_key is not None:
            # a repeat of a change already applied: the answer the first request was given
            event_id = derived_id("idempotency", principal.sub, idempotency_key)
            if await ctx.idempotency.accepted(event_id):
                return Accepted(event_id=event_id)
        raise ApiError(409 if exc.conflict else 422, exc.code,
                       f"campaign {command.campaign_id}: {exc.detail}") from None
    event = build(CampaignChanged, campaign_id=command.campaign_id, changed=changed,
                  reason=command.body.reason,
                  **{**asdict(new), "audience": [s for s in Sector if s in new.audience],
                     "vote_rules": new.vote_rules})
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)


async def _sealed(ctx: HttpContext, principal: Principal, plain: P, text: TextFields,
                  clear: dict[str, Any]) -> P:
    """`plain` with its participant-written `text` sealed under the caller's key (the limits
    were checked when `plain` and `text` were built) and the plain fields `clear`ed."""
    try:
        async with ctx.pool.acquire() as conn:
            sealed = await vault.seal(conn, principal.sub, text.model_dump(mode="json"))
    except vault.Erased as exc:
        raise ApiError(403, "participant_erased",
                       f"participant {principal.sub} has been erased and can write nothing "
                       "more") from exc
    return build(type(plain), **{**plain.model_dump(), **clear, "sealed": sealed})


async def submit_idea(ctx: HttpContext, principal: Principal, command: SubmitIdea,
                      idempotency_key: str | None) -> AcceptedIdea:
    await _open_campaign(ctx, command.campaign_id, principal)
    idea_id = new_id("idea", principal, idempotency_key)
    plain = build(IdeaSubmitted, idea_id=idea_id, campaign_id=command.campaign_id,
                  sector=principal.sector, **command.body.model_dump())
    text = build(IdeaText, **command.body.model_dump())
    event = await _sealed(ctx, principal, plain, text, {"title": None, "body": None, "tags": []})
    accepted = await accept(ctx, principal, event, idempotency_key=idempotency_key, plain=plain)
    return AcceptedIdea(event_id=accepted.event_id, idea_id=idea_id)


async def revise_idea(ctx: HttpContext, principal: Principal, command: ReviseIdea,
                      idempotency_key: str | None) -> Accepted:
    row = await _own_open_idea(ctx, command.idea_id, principal)
    await _open_campaign(ctx, row["campaign_id"], principal)
    plain = build(IdeaRevised, idea_id=command.idea_id, campaign_id=row["campaign_id"],
                  **command.body.model_dump())
    text = build(IdeaText, **command.body.model_dump())
    event = await _sealed(ctx, principal, plain, text, {"title": None, "body": None, "tags": []})
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
        event = await _sealed(ctx, principal, plain, build(NoteText, note=plain.note),
                              {"note": None})
    return await accept(ctx, principal, event, idempotency_key=idempotency_key, plain=plain)


async def withdraw_idea(ctx: HttpContext, principal: Principal, command: WithdrawIdea,
                        idempotency_key: str | None) -> Accepted:
    row = await _own_open_idea(ctx, command.idea_id, principal)
    event = plain = build(IdeaWithdrawn, idea_id=command.idea_id, campaign_id=row["campaign_id"],
                          **command.body.model_dump())
    if plain.reason is not None:
        event = await _sealed(ctx, principal, plain, build(ReasonText, reason=plain.reason),
                              {"reason": None})
    return await accept(ctx, principal, event, idempotency_key=idempotency_key, plain=plain)


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


CommandHandler = Callable[[HttpContext, Principal, Any, str | None], Awaitable[Accepted]]
COMMAND_HANDLERS: dict[type, CommandHandler] = {
    CreateCampaign: create_campaign,
    ChangeCampaign: change_campaign,
    SubmitIdea: submit_idea,
    ReviseIdea: revise_idea,
    FlagIdea: flag_idea,
    WithdrawIdea: withdraw_idea,
    DecideModeration: decide_moderation,
    AnswerIdea: answers.answer_idea,
}


async def handle(ctx: HttpContext, principal: Principal, command: Command, *,
                 idempotency_key: str | None) -> Accepted:
    """Run the one handler registered for the command."""
    return await COMMAND_HANDLERS[type(command)](ctx, principal, command, idempotency_key)
