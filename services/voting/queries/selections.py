"""The stored selections (`voting.selections`): requests for them, their answers, and the stamp
that says whether an answer still fits the campaign's votes and ideas.

A row per (campaign, rule, budget, minimum of votes) is both the durable request and, once the
voting worker has computed it, the answer. The gateway only reads and requests; the worker
(`selection_jobs`) computes. An answer is derived data: when the votes or ideas change (or a
replay rebuilds them), its `inputs` no longer equal the campaign's stamp and it is computed again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Db = Any

# what a campaign's selection is read from: the newest decided vote, the newest tally change,
# and every idea's status, cost and merge target (titles are joined when an answer is read)
STAMP_SQL = (
    "SELECT coalesce((SELECT max(decided_at) FROM voting.votes WHERE campaign_id = $1)::text, '-')"
    " || '|' || coalesce((SELECT max(updated_at) FROM voting.tallies"
    "  WHERE campaign_id = $1)::text, '-')"
    " || '|' || coalesce((SELECT md5(string_agg(idea_id::text || ':' || status || ':'"
    "  || coalesce(cost::text, '-') || ':' || coalesce(merged_into::text, '-'), ','"
    "  ORDER BY idea_id)) FROM voting.ideas WHERE campaign_id = $1), '-')")


async def stamp(db: Db, campaign_id: uuid.UUID) -> str:
    """What a campaign's selection inputs are now; equal stamps, equal inputs."""
    return str(await db.fetchval(STAMP_SQL, campaign_id))


@dataclass(frozen=True)
class Stored:
    pending: bool
    started_at: datetime | None
    computed_at: datetime | None
    inputs: str | None
    result: dict[str, Any] | None


async def stored(db: Db, campaign_id: uuid.UUID, rule: str, budget: int,
                 min_votes: int) -> Stored | None:
    row = await db.fetchrow(
        "SELECT pending, started_at, computed_at, inputs, result FROM voting.selections"
        " WHERE campaign_id = $1 AND rule = $2 AND budget = $3 AND min_votes = $4",
        campaign_id, rule, budget, min_votes)
    if row is None:
        return None
    result = row["result"]
    return Stored(row["pending"], row["started_at"], row["computed_at"], row["inputs"],
                  json.loads(result) if isinstance(result, str) else result)


@dataclass(frozen=True)
class Refusal:
    """Why a request that would start a computation is refused."""

    scope: str  # "campaign" or "caller"
    pending: int
    limit: int


async def request(db: Db, campaign_id: uuid.UUID, rule: str, budget: int, min_votes: int, *,
                  caller: str | None, per_campaign: int, per_caller: int) -> Refusal | None:
    """Ask the worker for a selection; None when it is asked (or already pending), a `Refusal`
    when the campaign or the caller already has as many pending as allowed. `caller` None: the
    worker's own request (at a campaign's close), which no limit holds back."""
    async with db.acquire() as conn, conn.transaction():
        # one request at a time per campaign and per caller: the counts below stay true
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('selection:' || $1::text))",
                           str(campaign_id))
        if caller is not None:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('selection-by:' || $1))",
                               caller)
        already = await conn.fetchval(
            "SELECT pending FROM voting.selections WHERE campaign_id = $1 AND rule = $2"
            " AND budget = $3 AND min_votes = $4", campaign_id, rule, budget, min_votes)
        if already:
            return None
        if caller is not None:
            n = await conn.fetchval("SELECT count(*) FROM voting.selections"
                                    " WHERE campaign_id = $1 AND pending", campaign_id)
            if n >= per_campaign:
                return Refusal("campaign", n, per_campaign)
            n = await conn.fetchval("SELECT count(*) FROM voting.selections"
                                    " WHERE requested_by = $1 AND pending", caller)
            if n >= per_caller:
                return Refusal("caller", n, per_caller)
        await conn.execute(
            "INSERT INTO voting.selections AS s (campaign_id, rule, budget, min_votes,"
            " requested_by) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (campaign_id, rule, budget, min_votes) DO UPDATE SET pending = true,"
            " requested_at = now(), requested_by = EXCLUDED.requested_by, started_at = NULL",
            campaign_id, rule, budget, min_votes, caller)
    return None


async def request_closed(db: Db, rules: list[str]) -> int:
    """The worker's own requests: every closed campaign with a budget gets each rule's selection
    under its own budget and minimum, once. Returns how many were asked for."""
    status = await db.execute(
        "INSERT INTO voting.selections (campaign_id, rule, budget, min_votes)"
        " SELECT c.campaign_id, r, c.budget, coalesce(c.min_votes_to_fund, 0)"
        " FROM voting.campaigns c, unnest($1::text[]) AS r"
        " WHERE c.closes_at <= now() AND c.budget IS NOT NULL"
        " ON CONFLICT (campaign_id, rule, budget, min_votes) DO NOTHING", rules)
    return int(status.split()[-1])


@dataclass(frozen=True)
class Job:
    campaign_id: uuid.UUID
    rule: str
    budget: int
    min_votes: int
    requested_at: datetime


async def next_job(db: Db) -> Job | None:
    """The oldest pending request, marked started."""
    row = await db.fetchrow(
        "UPDATE voting.selections s SET started_at = now() FROM (SELECT campaign_id, rule,"
        " budget, min_votes FROM voting.selections WHERE pending ORDER BY requested_at LIMIT 1"
        " FOR UPDATE SKIP LOCKED) AS n WHERE (s.campaign_id, s.rule, s.budget, s.min_votes)"
        " = (n.campaign_id, n.rule, n.budget, n.min_votes)"
        " RETURNING s.campaign_id, s.rule, s.budget, s.min_votes, s.requested_at")
    return Job(**dict(row)) if row else None


async def store(db: Db, job: Job, inputs: str, seconds: float, cpu_seconds: float,
                result: dict[str, Any]) -> None:
    """The answer; the request stays pending if it was asked again meanwhile."""
    await db.execute(
        "UPDATE voting.selections SET computed_at = now(), inputs = $5, seconds = $6,"
        " cpu_seconds = $9, result = $7::jsonb, pending = (requested_at > $8),"
        " started_at = NULL, requested_by = CASE WHEN requested_at > $8 THEN requested_by END"
        " WHERE campaign_id = $1 AND rule = $2 AND budget = $3 AND min_votes = $4",
        job.campaign_id, job.rule, job.budget, job.min_votes, inputs, seconds,
        json.dumps(result), job.requested_at, cpu_seconds)


async def requeue(db: Db, job: Job) -> None:
    """A computation that failed goes behind the other requests, to be tried again."""
    await db.execute(
        "UPDATE voting.selections SET requested_at = now(), started_at = NULL"
        " WHERE campaign_id = $1 AND rule = $2 AND budget = $3 AND min_votes = $4",
        job.campaign_id, job.rule, job.budget, job.min_votes)
