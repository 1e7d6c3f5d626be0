"""All SQL the identity service writes with.

The registry is not a read model of a topic (personal data never travels in events; see
`worker.py`): these writes come from sign-in claims and from requests at the edge.
"""

from __future__ import annotations

import uuid

import asyncpg

from services.identity.domain import ProfileClaims


async def store_claims(pool: asyncpg.Pool, claims: ProfileClaims) -> None:
    """Create the profile from the claims, or overwrite its claim-sourced fields when the
    claims changed since they were last stored; never for an erased participant."""
    await pool.execute(
        "INSERT INTO identity.participants (participant_id, display_name, email, organisation,"
        " sector, claims_hash)"
        " SELECT $1, $2, $3, $4, $5, $6"
        " WHERE NOT EXISTS (SELECT 1 FROM identity.erasures WHERE participant_id = $1)"
        " ON CONFLICT (participant_id) DO UPDATE SET display_name = excluded.display_name,"
        " email = excluded.email, organisation = excluded.organisation,"
        " sector = excluded.sector, claims_hash = excluded.claims_hash, updated_at = now()"
        " WHERE identity.participants.claims_hash IS DISTINCT FROM excluded.claims_hash",
        claims.participant_id, claims.display_name, claims.email, claims.organisation,
        claims.sector.value if claims.sector else None, claims.digest())


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
