"""All SQL the identity service writes with.

The registry is not a read model of a topic (personal data never travels in events; see
`worker.py`): these writes come from sign-in claims and from requests at the edge.
"""

from __future__ import annotations

import uuid

import asyncpg

from services.identity.domain import ProfileClaims


async def claims_stored(conn: asyncpg.Connection, participant_id: str
                        ) -> tuple[bool, dict[str, str] | None, str | None]:
    """(erased, what the claims said when last stored, their hash) for the participant, the
    profile row locked until the transaction ends; (False, None, None) without a profile."""
    if await conn.fetchval("SELECT 1 FROM identity.erasures WHERE participant_id = $1",
                           participant_id):
        return True, None, None
    row = await conn.fetchrow(
        "SELECT claims, claims_hash FROM identity.participants WHERE participant_id = $1"
        " FOR UPDATE", participant_id)
    if row is None:
        return False, None, None
    return False, row["claims"], row["claims_hash"]


async def store_claims(conn: asyncpg.Connection, claims: ProfileClaims,
                       changes: dict[str, str], said: dict[str, str]) -> None:
    """Create the profile from the claims, or set the fields in `changes` (the others keep what
    they hold) and remember what the claims `said`; never for an erased participant."""
    await conn.execute(
        "INSERT INTO identity.participants AS p (participant_id, display_name, email,"
        " organisation, sector, claims, claims_hash)"
        " SELECT $1, $2, $3, $4, $5, $6, $7"
        " WHERE NOT EXISTS (SELECT 1 FROM identity.erasures WHERE participant_id = $1)"
        " ON CONFLICT (participant_id) DO UPDATE SET"
        " display_name = coalesce(excluded.display_name, p.display_name),"
        " email = coalesce(excluded.email, p.email),"
        " organisation = coalesce(excluded.organisation, p.organisation),"
        " sector = coalesce(excluded.sector, p.sector), claims = excluded.claims,"
        " claims_hash = excluded.claims_hash, updated_at = now()",
        claims.participant_id, changes.get("display_name"), changes.get("email"),
        changes.get("organisation"), changes.get("sector"), said, claims.digest())


async def create_from_claims(pool: asyncpg.Pool,
                             new: list[tuple[ProfileClaims, dict[str, str], dict[str, str]]]
                             ) -> set[str]:
    """Create, in one statement, the profiles of participants who have none (each from its
    claims, with the fields in `changes` and what the claims `said`, as `store_claims` writes a
    new one); returns the participants created. One with a profile already, or erased, is left
    alone (the caller takes `store_claims`'s way for it). Participants must be distinct."""
    rows = [{"participant_id": c.participant_id, "display_name": changes.get("display_name"),
             "email": changes.get("email"), "organisation": changes.get("organisation"),
             "sector": changes.get("sector"), "claims": said, "claims_hash": c.digest()}
            for c, changes, said in new]
    created = await pool.fetch(
        "INSERT INTO identity.participants (participant_id, display_name, email, organisation,"
        " sector, claims, claims_hash)"
        " SELECT r.participant_id, r.display_name, r.email, r.organisation, r.sector, r.claims,"
        " r.claims_hash FROM jsonb_to_recordset($1::jsonb) AS r(participant_id text,"
        " display_name text, email text, organisation text, sector text, claims jsonb,"
        " claims_hash text)"
        " WHERE NOT EXISTS (SELECT 1 FROM identity.erasures e"
        " WHERE e.participant_id = r.participant_id)"
        " ON CONFLICT (participant_id) DO NOTHING RETURNING participant_id", rows)
    return {r["participant_id"] for r in created}


async def put_profile(pool: asyncpg.Pool, participant_id: str, *, display_name: str,
                      email: str | None, organisation: str | None, sector: str | None,
                      show_name: bool) -> bool:
    """The person's own profile; False when the participant was erased (nothing written)."""
    status = await pool.execute(
        "INSERT INTO identity.participants (participant_id, display_name, email, organisation,"
        " sector, show_name)"
        " SELECT $1, $2, $3, $4, $5, $6"
        " WHERE NOT EXISTS (SELECT 1 FROM identity.erasures WHERE participant_id = $1)"
        " ON CONFLICT (participant_id) DO UPDATE SET display_name = excluded.display_name,"
        " email = excluded.email, organisation = excluded.organisation,"
        " sector = excluded.sector, show_name = excluded.show_name, updated_at = now()",
        participant_id, display_name, email, organisation, sector, show_name)
    return bool(status != "INSERT 0 0")


async def erase(conn: asyncpg.Connection, participant_id: str, *, requested_by: str,
                reason: str, event_id: uuid.UUID) -> None:
    """Delete the profile and record the erasure (the first request's who and why are kept);
    run in the caller's transaction, with the key shredded in the same one."""
    await conn.execute("DELETE FROM identity.participants WHERE participant_id = $1",
                       participant_id)
    await conn.execute(
        "INSERT INTO identity.erasures (participant_id, requested_by, reason, event_id)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (participant_id) DO NOTHING",
        participant_id, requested_by, reason, event_id)
