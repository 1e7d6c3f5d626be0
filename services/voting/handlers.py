"""Every way into the voting service, one function each, registered in explicit dicts.

`COMMAND_HANDLERS`: what a participant asks at the HTTP edge (cast, withdraw); the edge judges the
request with the domain's rules (window, idea status) and publishes one event. `MESSAGE_HANDLERS`:
what the worker does with each message type of `votes` and `status`. The projections the worker
runs only dispatch through that dict; every rule is in `domain.py`, every SQL statement in
`projections.py` (writes) or `queries.py` (reads).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import structlog

from schemas import topics
from schemas.campaigns import CampaignChanged, CampaignCreated, VoteRulesChanged
from schemas.envelope import Envelope, RefusedMessage, decode, derived_id
from schemas.identity import ParticipantErased
from schemas.moderation import IdeaRevisionPublished, IdeaStatus, IdeaStatusChanged
from schemas.votes import (
    IdeaTally,
    TallyChanged,
    VoteCast,
    VoteClientSeen,
    VoteHoldDecided,
    VoteWithdrawn,
)
from services.infra import vault
from services.infra.auth import Principal
from services.infra.consumer import Message, Outcome
from services.infra.http import (
    Accepted,
    ApiError,
    HttpContext,
    accept,
    build,
    not_found,
)
from services.infra.kafka import EventProducer
from services.infra.logging import current_correlation_id
from services.voting import domain, projections, queries, receipts
from services.voting.admission import INPUTS, AdmissionCache
from services.voting.domain import CastVote, DecideHold, DecideHolds, WithdrawVote, clients
from services.voting.domain.holds import HoldRules
from services.voting.settings import VotingSettings

log = structlog.get_logger(__name__)

SYSTEM_ACTOR = "system:voting"
TALLY_CHANGED_MAX = 1_000  # ideas per `TallyChanged`, the schema's bound
ADMISSION_CACHE = "voting.admission"
CLIENT_KEY_CACHE = "voting.client_key"  # (day, key) of the client fingerprints

# -- commands, from the HTTP edge


async def _admitted(ctx: HttpContext, kind: str, idea_id: uuid.UUID,
                    principal: Principal) -> domain.Idea:
    """The idea, if the domain admits a vote request of `kind` on it now; else a 404 / 403 /
    409. A cast on an idea nobody else may see is the same 404 as an unknown idea's, as in the
    ideas service."""
    cache = ctx.caches.get(ADMISSION_CACHE)
    if cache is None:  # the first vote request of this process (until it listens: no entries)
        cache = ctx.caches[ADMISSION_CACHE] = AdmissionCache(ctx.pool, ctx.status_feed)
        if ctx.status_feed is not None:
            await ctx.status_feed.listen(cache.status_event, types=INPUTS)
    ideas, campaign = await cache.admission(idea_id)
    idea = ideas.get(idea_id)
    if idea is None:
        raise not_found("idea", idea_id)
    if campaign is None:
        raise not_found("campaign", idea.campaign_id)
    now = datetime.now(UTC)
    refused = domain.admit(kind, campaign, idea, ideas, now, principal.sector)
    if refused is None:
        return idea
    reason, message = refused
    if reason == domain.IDEA_NOT_SHOWN:  # the very answer `GET /ideas/{id}` gives
        raise not_found("idea", idea_id)
    if reason in ("no_sector", "not_in_audience"):
        raise ApiError(403, reason, f"campaign {campaign.campaign_id}: {message}")
    raise ApiError(409, reason,
                       f"campaign {campaign.campaign_id} takes votes from "
                       f"{campaign.opens_at:%Y-%m-%d %H:%M} to "
                       f"{campaign.closes_at:%Y-%m-%d %H:%M} UTC")


async def client_fingerprint(ctx: HttpContext, address: str, user_agent: str | None,
                             at: datetime) -> str:
    """The caller's fingerprint under the key of the day (`domain/clients.py`). The key is
    read once a day per process, made on the day's first use, and the keys past their
    retention are destroyed then."""
    day = clients.key_day(at)
    cached: tuple[date, bytes] | None = ctx.caches.get(CLIENT_KEY_CACHE)
    if cached is None or cached[0] != day:
        keep = VotingSettings().client_key_days
        key = await projections.client_key(ctx.pool, day, secrets.token_bytes(clients.KEY_BYTES),
                                           clients.destroy_before(day, keep))
        cached = ctx.caches[CLIENT_KEY_CACHE] = (day, key)
    return clients.fingerprint(cached[1], address, user_agent)


async def cast_vote(ctx: HttpContext, principal: Principal, command: CastVote,
                    idempotency_key: str | None) -> Accepted:
    idea = await _admitted(ctx, domain.CAST, command.idea_id, principal)
    client = await client_fingerprint(ctx, command.address, command.user_agent,
                                      datetime.now(UTC))
    payload = build(VoteCast, voter_id=principal.sub, campaign_id=idea.campaign_id,
                    idea_id=command.idea_id, value=command.value, sector=principal.sector,
                    client=client)
    return await _with_receipt(ctx, await accept(ctx, principal, payload,
                                                 idempotency_key=idempotency_key))


async def _with_receipt(ctx: HttpContext, accepted: Accepted) -> receipts.VoteAccepted:
    return receipts.VoteAccepted(event_id=accepted.event_id, status=accepted.status,
                                 receipt=await receipts.issue(ctx, accepted))


async def withdraw_vote(ctx: HttpContext, principal: Principal, command: WithdrawVote,
                        idempotency_key: str | None) -> Accepted:
    idea = await _admitted(ctx, domain.WITHDRAW, command.idea_id, principal)
    payload = build(VoteWithdrawn, voter_id=principal.sub, campaign_id=idea.campaign_id,
                    idea_id=command.idea_id)
    return await _with_receipt(ctx, await accept(ctx, principal, payload,
                                                 idempotency_key=idempotency_key))


async def decide_hold(ctx: HttpContext, principal: Principal, command: DecideHold,
                      idempotency_key: str | None) -> Accepted:
    """A moderator releases or discards a held vote, with a reason."""
    vote = await queries.held_vote(ctx.pool, command.event_id)
    if vote is None:
        raise not_found("vote", command.event_id)
    if (why := domain.hold_refusal(command.event_id, vote["state"], vote["decided"])) is not None:
        raise ApiError(409, "vote_not_held", why)
    payload = build(VoteHoldDecided, vote_event_id=command.event_id, voter_id=vote["voter_id"],
                    campaign_id=vote["campaign_id"], idea_id=vote["idea_id"],
                    decision=command.decision, reason=command.reason)
    return await accept(ctx, principal, payload, idempotency_key=idempotency_key)


async def decide_holds(ctx: HttpContext, principal: Principal, command: DecideHolds
                       ) -> dict[str, Any]:
    """A moderator releases or discards many held votes in one request: each a decision event
    of its own, published together. A vote no longer held (another moderator was first) is
    skipped with its reason; a repeat of the same request decides nothing twice (each decision's
    event id is derived from the vote and the decision, and the first decision counts)."""
    found = {r["event_id"]: r for r in await queries.held_votes_by_id(ctx.pool,
                                                                      list(command.event_ids))}
    decided: list[dict[str, uuid.UUID]] = []
    skipped: list[dict[str, Any]] = []
    envs: list[Envelope] = []
    for vote_id in command.event_ids:
        vote = found.get(vote_id)
        event_id = derived_id("vote.hold_decided", vote_id, command.decision.value)
        if vote is not None and vote["decision_id"] == event_id:  # this request's, again
            decided.append({"vote_event_id": vote_id, "event_id": event_id})
            continue
        why = domain.hold_refusal(vote_id, vote["state"] if vote else None,
                                  bool(vote and vote["decision_id"]))
        if why is not None:
            skipped.append({"vote_event_id": vote_id,
                            "code": "not_found" if vote is None else "vote_not_held",
                            "message": why})
            continue
        assert vote is not None
        envs.append(Envelope.wrap(build(
            VoteHoldDecided, vote_event_id=vote_id, voter_id=vote["voter_id"],
            campaign_id=vote["campaign_id"], idea_id=vote["idea_id"],
            decision=command.decision, reason=command.reason),
            actor=principal.sub, event_id=event_id, correlation_id=current_correlation_id()))
        decided.append({"vote_event_id": vote_id, "event_id": event_id})
    if not decided:
        raise ApiError(409, "vote_not_held", "none of the votes is held and undecided: "
                       + "; ".join(str(s["message"]) for s in skipped[:3])
                       + (f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""))
    await ctx.producer.publish_many(envs)
    await ctx.idempotency.record_many([e.event_id for e in envs], principal.sub)
    log.info("write.accepted", type="vote.hold_decided", decisions=len(envs),
             skipped=len(skipped))
    return {"decided": decided, "skipped": skipped}


CommandHandler = Callable[[HttpContext, Principal, Any, str | None], Awaitable[Accepted]]
COMMAND_HANDLERS: dict[type, CommandHandler] = {
    CastVote: cast_vote,
    WithdrawVote: withdraw_vote,
    DecideHold: decide_hold,
}


async def handle(ctx: HttpContext, principal: Principal,
                 command: CastVote | WithdrawVote | DecideHold, *,
                 idempotency_key: str | None) -> Accepted:
    """Run the one handler registered for the command."""
    return await COMMAND_HANDLERS[type(command)](ctx, principal, command, idempotency_key)


# -- messages, from the topics

MessageHandler = Callable[[asyncpg.Connection, list[Message], Outcome], Awaitable[None]]


def to_vote(env: Envelope, payload: VoteCast | VoteWithdrawn) -> domain.Vote:
    if isinstance(payload, VoteCast):
        return domain.Vote(env.event_id, domain.CAST, payload.voter_id, payload.campaign_id,
                           payload.idea_id, payload.value, env.occurred_at,
                           payload.sector.value if payload.sector else None, payload.client)
    return domain.Vote(env.event_id, domain.WITHDRAW, payload.voter_id, payload.campaign_id,
                       payload.idea_id, 0, env.occurred_at)


def tally_changed(rows: Iterable[asyncpg.Record]) -> list[Envelope]:
    """The tallies a transaction changed, as `TallyChanged` per campaign: each idea once, with
    its last figures (`rows` in the order they were written)."""
    latest: dict[uuid.UUID, tuple[uuid.UUID, IdeaTally]] = {}
    for r in rows:
        latest[r["idea_id"]] = (r["campaign_id"], IdeaTally(
            idea_id=r["idea_id"], supports=r["supports"], opposes=r["opposes"]))
    by_campaign: dict[uuid.UUID, list[IdeaTally]] = {}
    for campaign_id, tally in latest.values():
        by_campaign.setdefault(campaign_id, []).append(tally)
    return [Envelope.wrap(TallyChanged(campaign_id=campaign_id,
                                       ideas=tallies[i:i + TALLY_CHANGED_MAX]),
                          actor=SYSTEM_ACTOR)
            for campaign_id, tallies in by_campaign.items()
            for i in range(0, len(tallies), TALLY_CHANGED_MAX)]


def client_seen(messages: Iterable[Message]) -> list[Envelope]:
    """Votes cast with a client fingerprint, re-keyed for the anomaly detector."""
    return [
        Envelope.wrap(VoteClientSeen(client=m.payload.client, voter_id=m.payload.voter_id,
                                     campaign_id=m.payload.campaign_id,
                                     idea_id=m.payload.idea_id,
                                     vote_event_id=m.envelope.event_id),
                      actor=m.envelope.actor, occurred_at=m.envelope.occurred_at,
                      cause=m.envelope)
        for m in messages if isinstance(m.payload, VoteCast) and m.payload.client
    ]


async def judge_votes(conn: asyncpg.Connection, messages: list[Message],
                      outcome: Outcome, hold_rules: HoldRules | None = None) -> None:
    """Casts and withdrawals, judged together in their order: a withdrawal frees the budget a
    later cast of the same voter uses. Load, decide in `domain.judge` (which also holds what
    the anomaly rules suspect), write once.

    A batch with votes cast through the API (with a client fingerprint) takes every vote
    partition's lock: a hold may change votes of voters on other partitions. Imported votes
    carry no fingerprint and keep the per-partition locks."""
    fresh: dict[uuid.UUID, Message] = {}
    for m in messages:
        if m.envelope.actor != m.payload.voter_id:  # type: ignore[attr-defined]
            outcome.refuse.append((m, "actor_mismatch", "the envelope's actor is not the voter"))
        else:
            fresh.setdefault(m.envelope.event_id, m)
    if fresh:
        for event_id in await projections.already_stored(conn, list(fresh)):
            del fresh[event_id]
    if not fresh:
        return
    votes = [to_vote(m.envelope, m.payload) for m in fresh.values()]  # type: ignore[arg-type]
    await projections.lock_partitions(
        conn, range(topics.VOTES.partitions) if hold_rules and any(v.client for v in votes)
        else {m.partition for m in fresh.values()})
    judgement = await judge_loaded(conn, votes, hold_rules)
    sources = {v.event_id: (m.topic, m.partition, m.offset, m.raw or b"")
               for v, _ in judgement.parked for m in (fresh[v.event_id],)}  # parked: kept raw
    changed = await projections.write_judgement(conn, judgement, sources)
    changed += await _settle_holds(conn, judgement)
    for v in judgement.verdicts:
        if v.state == domain.REFUSED:
            outcome.refuse.append((fresh[v.vote.event_id], v.reason or "refused",
                                   f"vote {v.vote.event_id} of {v.vote.voter_id}"))
    outcome.publish += client_seen(fresh.values())
    outcome.publish += tally_changed(changed)


async def judge_loaded(conn: asyncpg.Connection, votes: list[domain.Vote],
                       hold_rules: HoldRules | None) -> domain.Judgement:
    active, campaigns, ideas, nearby = await projections.load_state(
        conn, votes, hold_rules.reach if hold_rules else None)
    seen = await projections.first_seen(
        conn, {v.voter_id for v in nearby} | {v.voter_id for v in votes if v.client}) \
        if nearby or any(v.client for v in votes) else {}
    return domain.judge(votes, active, campaigns, ideas, nearby, hold_rules, seen)


async def _settle_holds(conn: asyncpg.Connection, judgement: domain.Judgement
                        ) -> list[asyncpg.Record]:
    """A moderator's decision may have arrived before the hold (a replay): apply it now.
    Returns the tallies it changed."""
    held = [v.vote.event_id for v in judgement.verdicts if v.state == domain.HELD]
    held += [i for i, state in judgement.superseded.items() if state == domain.HELD]
    return (await projections.apply_hold_decisions(conn, held))[1]


async def hold_decided(conn: asyncpg.Connection, messages: list[Message],
                       outcome: Outcome) -> None:
    """Moderators' decisions on held votes: released votes count, discarded ones never do.
    Takes every vote partition's lock, as a hold does."""
    rows = []
    for m in messages:
        p = m.payload
        assert isinstance(p, VoteHoldDecided)
        rows.append((m.envelope.event_id, p.vote_event_id, p.decision.value, p.reason,
                     m.envelope.actor, m.envelope.occurred_at))
    await projections.lock_partitions(conn, range(topics.VOTES.partitions))
    await projections.add_hold_decisions(conn, rows)
    changed, tallies = await projections.apply_hold_decisions(conn, [r[1] for r in rows])
    outcome.publish += tally_changed(tallies)
    log.info("votes.hold_decided", decisions=len(rows), changed=changed)


async def revision_published(conn: asyncpg.Connection, messages: list[Message],
                             outcome: Outcome) -> None:
    for m in messages:
        p = m.payload
        assert isinstance(p, IdeaRevisionPublished)
        if p.title is None:  # its author was erased when it was published
            continue
        await projections.set_idea_title(conn, p.idea_id, p.campaign_id, p.title,
                                         m.envelope.occurred_at,
                                         p.sealed.key if p.sealed else None)


async def campaign_created(conn: asyncpg.Connection, messages: list[Message],
                           outcome: Outcome) -> None:
    for m in messages:
        p, env = m.payload, m.envelope
        assert isinstance(p, CampaignCreated)
        await projections.insert_campaign(conn, p.campaign_id, p.title, p.opens_at, p.closes_at,
                                          env.occurred_at, [a.value for a in p.audience],
                                          p.budget, p.min_votes_to_fund)
        await projections.insert_rules(conn, p.campaign_id, env.event_id, None,
                                       str(p.vote_rules.mode),
                                       p.vote_rules.max_votes_per_participant)


async def campaign_changed(conn: asyncpg.Connection, messages: list[Message],
                           outcome: Outcome) -> None:
    """The settings the change names, of those the voting service keeps (window, audience,
    budget). New vote rules (a campaign takes them only before it opens, so before any vote)
    are a new version in force from the change on; the versions before stay as they were."""
    for m in messages:
        p = m.payload
        assert isinstance(p, CampaignChanged)
        values = {"title": p.title, "opens_at": p.opens_at, "closes_at": p.closes_at,
                  "audience": [a.value for a in p.audience], "budget": p.budget,
                  "min_votes_to_fund": p.min_votes_to_fund}
        if not await projections.change_campaign(
                conn, p.campaign_id, {k: v for k, v in values.items() if k in p.changed}):
            outcome.refuse.append((m, "unknown_campaign", f"no campaign {p.campaign_id} to "
                                                          "change"))
            continue
        if "vote_rules" in p.changed:
            await projections.insert_rules(conn, p.campaign_id, m.envelope.event_id,
                                           m.envelope.occurred_at, str(p.vote_rules.mode),
                                           p.vote_rules.max_votes_per_participant)


async def vote_rules_changed(conn: asyncpg.Connection, messages: list[Message],
                             outcome: Outcome) -> None:
    for m in messages:
        p = m.payload
        assert isinstance(p, VoteRulesChanged)
        await projections.insert_rules(conn, p.campaign_id, m.envelope.event_id,
                                       p.effective_from, str(p.vote_rules.mode),
                                       p.vote_rules.max_votes_per_participant)


async def idea_status_changed(conn: asyncpg.Connection, messages: list[Message],
                              outcome: Outcome) -> None:
    """The idea's status history; a merge moves its counted votes to the final target."""
    for m in messages:
        p = m.payload
        assert isinstance(p, IdeaStatusChanged)
        merged_into = p.merged_into if p.status is IdeaStatus.MERGED else None
        newest = await projections.record_idea_status(
            conn, p.idea_id, p.campaign_id, m.envelope.event_id, m.envelope.occurred_at,
            p.status.value, merged_into, p.title, p.cost, p.sealed.key if p.sealed else None)
        if not newest or merged_into is None:
            continue
        target, seen = p.idea_id, {p.idea_id}
        while (nxt := await projections.merged_into(conn, target)) is not None \
                and nxt not in seen:
            seen.add(nxt)
            target = nxt
        if target != p.idea_id:
            outcome.publish += tally_changed(await projections.move_votes(
                conn, p.idea_id, target, p.campaign_id, topics.VOTES.partitions))
            log.info("votes.moved_by_merge", idea=str(p.idea_id), target=str(target))


async def participant_erased(conn: asyncpg.Connection, messages: list[Message],
                             outcome: Outcome) -> None:
    """The erased participants' keys are gone (the vault destroys a key before the event is
    published): every title sealed under a destroyed key reads as erased now."""
    erased = await projections.erase_titles(conn)
    log.info("titles.erased", participants=len(messages), titles=erased)


# Casts and withdrawals share one handler: see `judge_votes`.
MESSAGE_HANDLERS: dict[type, MessageHandler] = {
    VoteCast: judge_votes,
    VoteWithdrawn: judge_votes,
    CampaignCreated: campaign_created,
    CampaignChanged: campaign_changed,
    VoteRulesChanged: vote_rules_changed,
    IdeaStatusChanged: idea_status_changed,
    IdeaRevisionPublished: revision_published,
    VoteHoldDecided: hold_decided,
    ParticipantErased: participant_erased,
}


async def dispatch(conn: asyncpg.Connection, messages: list[Message], outcome: Outcome,
                   wanted: Sequence[type],
                   handlers: dict[type, MessageHandler] | None = None) -> list[Message]:
    """Hand each run of consecutive messages with the same handler to that handler, in order.
    Returns the messages whose type is not in `wanted`."""
    others: list[Message] = []
    run: list[Message] = []
    current: MessageHandler | None = None
    for m in messages:
        handler = ((handlers or MESSAGE_HANDLERS).get(type(m.payload))
                   if type(m.payload) in wanted else None)
        if handler is None:
            others.append(m)
            continue
        if handler is not current and run:
            assert current is not None
            await current(conn, run, outcome)
            run = []
        current = handler
        run.append(m)
    if run and current is not None:
        await current(conn, run, outcome)
    return others


class VoteProjection:
    """`votes` -> voting.votes and voting.tallies. Deduplicates on the votes' own primary key."""

    name = "voting.votes"
    schema = "voting"
    topics: Sequence[str] = (topics.VOTES.name,)
    dedupe = False  # the unique event_id of voting.votes does it, without a second table

    def __init__(self, hold_rules: HoldRules | None = None) -> None:
        self.hold_rules = hold_rules or HoldRules()

    async def _judge(self, conn: asyncpg.Connection, messages: list[Message],
                     outcome: Outcome) -> None:
        await judge_votes(conn, messages, outcome, self.hold_rules)

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        # the registered handler, with this worker's hold thresholds
        handlers = {**MESSAGE_HANDLERS, VoteCast: self._judge, VoteWithdrawn: self._judge}
        for m in await dispatch(conn, messages, outcome, (VoteCast, VoteWithdrawn), handlers):
            outcome.refuse.append((m, "unexpected_type", f"{m.envelope.type} on votes"))
        return outcome


class StatusProjection:
    """`status` -> what the voting service knows of campaigns, vote rules and idea statuses.
    It never reads the ideas service's tables."""

    name = "voting.status"
    schema = "voting"
    topics: Sequence[str] = (topics.STATUS.name,)
    dedupe = True

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        messages = await vault.open_messages(conn, outcome, messages,
                                             (IdeaStatusChanged, IdeaRevisionPublished))
        # other events on `status` are for other services
        await dispatch(conn, messages, outcome,
                       (CampaignCreated, CampaignChanged, VoteRulesChanged, IdeaStatusChanged,
                        IdeaRevisionPublished, VoteHoldDecided, ParticipantErased))
        return outcome


async def announce_tallies(pool: asyncpg.Pool, producer: EventProducer) -> int:
    """Publish, as `TallyChanged` (when the worker starts), the tallies whose figures differ
    from those last published: tallies counted before the event (or its marker) existed. Every
    other tally was published, and marked, by the transaction that changed it, so a start adds
    nothing to `status` however often the worker restarts. In order with the vote batches, and
    marked in this transaction. Returns how many ideas' tallies were published."""
    outbox = producer.outbox()
    async with pool.acquire() as conn, conn.transaction():
        rows = await projections.unpublished_tallies(conn)
        outbox.publish_many(tally_changed(rows))
        await outbox.stage(conn)
    await outbox.deliver()
    return len(rows)


async def destroy_client_keys(pool: asyncpg.Pool, keep_days: int, now: datetime) -> int:
    """Destroy the client fingerprint keys past their retention (`domain/clients.py`), also
    on days when nobody votes through the API. Returns how many."""
    return await projections.destroy_client_keys(
        pool, clients.destroy_before(clients.key_day(now), keep_days))


async def retry_parked(pool: asyncpg.Pool, producer: EventProducer, *, park_seconds: float,
                       limit: int = 50_000, hold_rules: HoldRules | None = None
                       ) -> tuple[int, int]:
    """Judge parked votes whose campaign and idea are now known; dead-letter the expired ones.

    Returns (decided, dead-lettered).
    """
    outbox = producer.outbox()
    async with pool.acquire() as conn, conn.transaction():
        # with holds, a parked vote may hold votes of other partitions: lock them all
        if not await projections.lock_parked(conn, park_seconds,
                                             every=topics.VOTES.partitions if hold_rules else 0):
            return 0, 0
        rows = await projections.parked_due(conn, park_seconds, limit)
        by_id = {r["event_id"]: r for r in rows}
        votes: list[domain.Vote] = []
        dead: list[tuple[Any, str, str, str | None]] = []
        for r in rows:
            try:
                env, payload = decode(bytes(r["raw"]))
                assert isinstance(payload, VoteCast | VoteWithdrawn)
            except (RefusedMessage, AssertionError):  # it decoded once; guard all the same
                dead.append((r, "malformed", "parked vote no longer decodes", None))
                continue
            votes.append(to_vote(env, payload))
        judgement = await judge_loaded(conn, votes, hold_rules)
        for v, why in judgement.parked:
            r = by_id[v.event_id]
            if r["expired"]:
                what = r["idea_id"] if why == "unknown_idea" else r["campaign_id"]
                dead.append((r, why, f"{why.removeprefix('unknown_')} {what} not seen within"
                             f" {park_seconds:g}s", v.voter_id))
            else:
                by_id.pop(v.event_id)  # stays parked
        judgement.parked = []
        changed = await projections.write_judgement(conn, judgement, {})
        changed += await _settle_holds(conn, judgement)
        # staged in the transaction that changed them, as a projection batch's are
        outbox.publish_many(tally_changed(changed))
        dead += [(by_id[v.vote.event_id], v.reason or "refused",
                  f"vote {v.vote.event_id} of {v.vote.voter_id}", v.vote.voter_id)
                 for v in judgement.verdicts if v.state == domain.REFUSED]
        await projections.unpark(conn, list(by_id))
        if dead:
            outbox.dead_letter_many([
                {"topic": r["topic"], "partition": r["partition"], "offset": r["offset"],
                 "key": voter.encode() if voter else None, "value": bytes(r["raw"]),
                 "reason": reason, "detail": detail, "consumer": VoteProjection.name}
                for r, reason, detail, voter in dead
            ])
        await outbox.stage(conn)
    await outbox.deliver()
    return len(judgement.verdicts), len(dead)
