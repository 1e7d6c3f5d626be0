"""Every way into the identity service, one function each, registered in an explicit dict.

`COMMAND_HANDLERS`: what people ask at the HTTP edge (edit my profile, erase a participant).
Besides them: `ProfileSync`, called by the edge with every verified caller, which keeps the
registry in step with the sign-in claims, and `Directory`, which resolves display names for the
other services through the HTTP context. Rules in `domain.py`; SQL in `projections.py` /
`queries.py`.

Erasure, in this order: the participant's key is shredded and the profile deleted in ONE
transaction, which also records who asked and why; then `participant.erased` is published
through the archiving producer with an id derived from the participant, so the other services
overwrite their plaintext copies. Asked again (a retry, or after a crash between the two
steps), the transaction changes nothing and the event is published only if it never was.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog

from schemas.envelope import derived_id
from schemas.identity import ParticipantErased
from services.identity import projections, queries
from services.identity.domain import (
    ClaimsMemo,
    ProfileClaims,
    claim_changes,
    erasure_reason,
    shown_name,
)
from services.identity.models import Command, EraseParticipant, ProfileIn, PutProfile
from services.infra import vault
from services.infra.auth import Principal
from services.infra.coalesce import Coalescer
from services.infra.http import Accepted, ApiError, HttpContext, accept, build

log = structlog.get_logger(__name__)


class ProfileSync:
    """Creates or updates a caller's profile from the sign-in claims on first use (a claim sets
    its field only when it says something new: `domain.claim_changes`); writes nothing while the
    claims are those this process last stored for that caller."""

    def __init__(self, pool: asyncpg.Pool, memo_size: int) -> None:
        self.pool = pool
        self.memo = ClaimsMemo(memo_size)
        # callers first seen at the same moment get their profiles in one statement
        self._create = Coalescer(self._create_batch)

    async def __call__(self, principal: Principal) -> None:
        claims = ProfileClaims(participant_id=principal.sub, display_name=principal.name,
                               email=principal.email, organisation=principal.organisation,
                               sector=principal.sector)
        if self.memo.unchanged(claims):
            return
        # most callers not in the memo have no profile yet: try creating it first; a caller
        # with a profile (or erased) takes the transaction below, as every caller did before
        if not await self._create(claims):
            await self._sync(claims)
        self.memo.remember(claims)

    async def _create_batch(self, batch: list[ProfileClaims]) -> list[bool]:
        first: dict[str, ProfileClaims] = {}
        for claims in batch:  # a caller twice in a batch: the second takes the transaction
            first.setdefault(claims.participant_id, claims)
        created = await projections.create_from_claims(
            self.pool, [(c, *claim_changes(c, None, None)) for c in first.values()])
        return [c.participant_id in created and first[c.participant_id] is c for c in batch]

    async def _sync(self, claims: ProfileClaims) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            erased, last_said, last_hash = await projections.claims_stored(conn, claims.participant_id)
            changes, said = claim_changes(claims, last_said, last_hash)
            if not erased and (changes or said != last_said):
                await projections.store_claims(conn, claims, changes, said)


class Directory:
    """Display names of participants who agreed to be shown by name (`show_name`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def shown_names(self, participant_ids: set[str]) -> dict[str, str]:
        found = {}
        for r in await queries.names(self.pool, participant_ids):
            name = shown_name(r["display_name"], r["show_name"])
            if name is not None:
                found[r["participant_id"]] = name
        return found


def erasure_event_id(participant_id: str) -> uuid.UUID:
    """One erasure event per participant, however often the erasure is asked for."""
    return derived_id("participant.erased", participant_id)


async def put_profile(ctx: HttpContext, principal: Principal, command: PutProfile,
                      idempotency_key: str | None) -> dict[str, Any]:
    body: ProfileIn = command.body
    stored = await projections.put_profile(
        ctx.pool, principal.sub, display_name=body.display_name, email=body.email,
        organisation=body.organisation, sector=body.sector.value if body.sector else None,
        show_name=body.show_name)
    if not stored:
        # the same refusal as the ideas service gives an erased participant's writes
        raise ApiError(403, "participant_erased",
                       f"participant {principal.sub} was erased; no profile is kept for them")
    profile = await queries.profile(ctx.pool, principal.sub)
    assert profile is not None
    return profile


async def erase_participant(ctx: HttpContext, principal: Principal, command: EraseParticipant,
                            idempotency_key: str | None) -> Accepted:
    pid = command.participant_id
    async with ctx.pool.acquire() as conn, conn.transaction():
        await vault.shred(conn, pid)
        await projections.erase(conn, pid, requested_by=principal.sub,
                                reason=erasure_reason(command.reason),
                                event_id=erasure_event_id(pid))
        record = await queries.erasure(conn, pid)
    assert record is not None
    if isinstance(ctx.principal_seen, ProfileSync):
        ctx.principal_seen.memo.forget(pid)
    # the first request's who and why, whoever asks again (the erasure needs no
    # Idempotency-Key: it is one event per participant)
    event = build(ParticipantErased, participant_id=pid, erased_by=record["requested_by"],
                  reason=record["reason"])
    asked_by = principal.model_copy(update={"sub": record["requested_by"]})
    accepted = await accept(ctx, asked_by, event, idempotency_key=None,
                            event_id=record["event_id"])
    log.info("participant.erased", participant=pid, requested_by=record["requested_by"],
             event_id=str(accepted.event_id))
    return accepted


CommandHandler = Callable[[HttpContext, Principal, Any, str | None], Awaitable[Any]]

COMMAND_HANDLERS: dict[type, CommandHandler] = {
    PutProfile: put_profile,
    EraseParticipant: erase_participant,
}


async def handle(ctx: HttpContext, principal: Principal, command: Command, *,
                 idempotency_key: str | None = None) -> Any:
    """Run the one handler registered for the command."""
    return await COMMAND_HANDLERS[type(command)](ctx, principal, command, idempotency_key)
