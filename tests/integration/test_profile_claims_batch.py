"""A caller's profile from the sign-in claims: callers first seen together get their profiles in
one statement (`ProfileSync`'s batch), and each profile is the one the transaction of one caller
at a time made before; an erased participant gets none, and an existing profile is not
overwritten by the batch."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import asyncpg
import pytest

from schemas.common import Sector
from services.identity import projections
from services.identity.domain import ProfileClaims, claim_changes
from services.identity.handlers import ProfileSync
from services.infra import db
from services.infra.auth import Principal, Role

pytestmark = pytest.mark.integration

COLUMNS = ("display_name", "email", "organisation", "sector", "claims", "show_name")


async def one_at_a_time(pool: asyncpg.Pool, claims: ProfileClaims) -> None:
    """The way every caller's profile was made before the batch (`ProfileSync._sync`)."""
    async with pool.acquire() as conn, conn.transaction():
        erased, last_said, last_hash = await projections.claims_stored(conn,
                                                                       claims.participant_id)
        changes, said = claim_changes(claims, last_said, last_hash)
        if not erased and (changes or said != last_said):
            await projections.store_claims(conn, claims, changes, said)


async def row(pool: asyncpg.Pool, participant_id: str) -> dict[str, object] | None:
    found = await pool.fetchrow(
        "SELECT * FROM identity.participants WHERE participant_id = $1", participant_id)
    return None if found is None else dict(found)


def every_kind_of_claims(prefix: str) -> list[ProfileClaims]:
    """Each claim present or absent, each sector or none."""
    out = []
    for n, (name, email, organisation, sector) in enumerate(itertools.product(
            (None, "Åse Ørsted"), (None, "ase@example.org"), (None, "Grundejerforeningen"),
            (None, *Sector))):
        out.append(ProfileClaims(participant_id=f"{prefix}-{n}", display_name=name, email=email,
                                 organisation=organisation, sector=sector))
    return out


async def test_profiles_made_together_are_those_made_one_at_a_time(pool: asyncpg.Pool) -> None:
    await db.migrate(pool, "identity")
    run = uuid.uuid4().hex[:8]
    together = every_kind_of_claims(f"together-{run}")
    alone = every_kind_of_claims(f"alone-{run}")
    created = await projections.create_from_claims(
        pool, [(c, *claim_changes(c, None, None)) for c in together])
    assert created == {c.participant_id for c in together}
    for c in alone:
        await one_at_a_time(pool, c)
    for a, b in zip(together, alone, strict=True):
        made_together = await row(pool, a.participant_id)
        made_alone = await row(pool, b.participant_id)
        assert made_together is not None and made_alone is not None
        assert {k: made_together[k] for k in COLUMNS} == {k: made_alone[k] for k in COLUMNS}
        assert made_together["claims_hash"] == a.digest()


async def test_the_batch_leaves_erased_and_existing_participants_to_the_transaction(
        pool: asyncpg.Pool) -> None:
    await db.migrate(pool, "identity")
    run = uuid.uuid4().hex[:8]
    erased = ProfileClaims(participant_id=f"erased-{run}", display_name="Gone", email=None,
                           organisation=None, sector=None)
    async with pool.acquire() as conn, conn.transaction():
        await projections.erase(conn, erased.participant_id, requested_by="admin",
                                reason="asked", event_id=uuid.uuid4())
    existing = ProfileClaims(participant_id=f"existing-{run}", display_name="First name",
                             email=None, organisation=None, sector=None)
    await one_at_a_time(pool, existing)
    renamed = ProfileClaims(participant_id=existing.participant_id, display_name="New name",
                            email=None, organisation=None, sector=None)
    created = await projections.create_from_claims(
        pool, [(c, *claim_changes(c, None, None)) for c in (erased, renamed)])
    assert created == set()
    assert await row(pool, erased.participant_id) is None
    kept = await row(pool, existing.participant_id)
    assert kept is not None and kept["display_name"] == "First name"

    # through ProfileSync, the renamed caller's claim is taken (by the transaction), the erased
    # caller still gets no profile
    sync = ProfileSync(pool, memo_size=100)
    for c in (erased, renamed):
        await sync(Principal(sub=c.participant_id, roles=frozenset({Role.PARTICIPANT}),
                             name=c.display_name))
    assert await row(pool, erased.participant_id) is None
    renamed_row = await row(pool, existing.participant_id)
    assert renamed_row is not None and renamed_row["display_name"] == "New name"


async def test_callers_seen_at_the_same_moment_all_get_their_profiles(pool: asyncpg.Pool) -> None:
    await db.migrate(pool, "identity")
    run = uuid.uuid4().hex[:8]
    sync = ProfileSync(pool, memo_size=1_000)
    callers = [Principal(sub=f"many-{run}-{n % 150}", roles=frozenset({Role.PARTICIPANT}),
                         name=f"Person {n % 150}", sector=list(Sector)[n % 150 % len(Sector)])
               for n in range(200)]  # 50 callers twice, some in the same batch
    await asyncio.gather(*(sync(p) for p in callers))
    for p in callers[:150]:
        made = await row(pool, p.sub)
        assert made is not None and made["display_name"] == p.name
