"""The reporting read model, fed from `status` (plan, progress, governance, idea statuses) and
`votes` (every vote, so adopted ideas show tallies as of a date), by one consumer group:
`reporting`.

Plan facts are appended, never updated; the roll-up history of every plan year touched by a
batch is rebuilt from its facts in the same transaction. Events are judged again here (the
broker is not a trust boundary): what breaks a rule goes to `status.dlq` with its reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import structlog

from schemas import topics
from schemas.moderation import IdeaStatusChanged
from schemas.votes import VoteCast, VoteWithdrawn
from services.infra.consumer import Message, Outcome
from services.reporting import queries, views
from services.reporting.domain import PLAN_FACTS, aggregate_year, judge

log = structlog.get_logger(__name__)


class ReportingProjection:
    name = "reporting"
    schema = "reporting"
    topics: Sequence[str] = (topics.STATUS.name, topics.VOTES.name)
    dedupe = True

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        plan = [m for m in messages if isinstance(m.payload, PLAN_FACTS)]
        if plan:
            await apply_plan_facts(conn, plan, outcome)
        statuses = [m for m in messages if isinstance(m.payload, IdeaStatusChanged)]
        if statuses:
            await apply_idea_statuses(conn, statuses)
        votes = [m for m in messages if isinstance(m.payload, VoteCast | VoteWithdrawn)]
        if votes:
            await apply_votes(conn, votes)
        return outcome


async def apply_plan_facts(conn: asyncpg.Connection, messages: list[Message],
                           outcome: Outcome) -> None:
    years = [y for m in messages if isinstance(y := getattr(m.payload, "year", None), int)]
    ids = [i for m in messages
           if isinstance(i := getattr(m.payload, "initiative_id", None), uuid.UUID)]
    known = await queries.known(conn, years=years, initiative_ids=ids)
    rows: list[tuple[Any, ...]] = []
    for m in messages:
        env = m.envelope
        refusal = judge(known, m.payload, env.occurred_at)
        if refusal is not None:
            outcome.refuse.append((m, refusal.reason, refusal.detail))
            continue
        known.note(m.payload, env.occurred_at)
        year = aggregate_year(m.payload, known)
        assert year is not None  # accepted initiative events have a known initiative
        rows.append((env.event_id, env.type, year, getattr(m.payload, "initiative_id", None),
                     env.occurred_at, env.recorded_at, env.actor, env.payload))
    if not rows:
        return
    await conn.executemany(
        "INSERT INTO reporting.plan_facts (event_id, type, year, initiative_id, occurred_at,"
        " recorded_at, actor, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (event_id) DO NOTHING", rows)
    for year in sorted({r[2] for r in rows}):
        await rebuild_rollups(conn, year)


async def rebuild_rollups(conn: asyncpg.Connection, year: int) -> None:
    """Recompute a plan year's roll-up history from its facts (deterministic, so replayable)."""
    history = views.rollup_history(year, await queries.facts(conn, year))
    await conn.execute("DELETE FROM reporting.rollups WHERE year = $1", year)
    await conn.executemany(
        "INSERT INTO reporting.rollups (year, track, day, initiatives, budget_dkk, percent,"
        " expected_percent, rag, rag_budget_dkk) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [(year, track, day, r["initiatives"], r["budget_dkk"], r["percent"],
          r["expected_percent"], r["rag"], r["rag_budget_dkk"]) for day, track, r in history])


async def apply_idea_statuses(conn: asyncpg.Connection, messages: list[Message]) -> None:
    rows = []
    for m in messages:
        p = m.payload
        assert isinstance(p, IdeaStatusChanged)
        # PostgreSQL cannot store U+0000 in text; the ideas service refuses such titles anyway
        title = p.title.replace("\x00", "") if p.title is not None else None
        rows.append((m.envelope.event_id, p.idea_id, p.status.value, title,
                     m.envelope.occurred_at, m.envelope.recorded_at))
    await conn.executemany(
        "INSERT INTO reporting.idea_statuses (event_id, idea_id, status, title, occurred_at,"
        " recorded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING", rows)


def vote_row(m: Message) -> tuple[Any, ...]:
    """A vote as the tallies need it: each voter's latest event per idea counts."""
    p, env = m.payload, m.envelope
    assert isinstance(p, VoteCast | VoteWithdrawn)
    value = p.value if isinstance(p, VoteCast) else 0
    return (env.event_id, p.idea_id, p.voter_id, isinstance(p, VoteCast), value,
            env.occurred_at, env.recorded_at)


async def apply_votes(conn: asyncpg.Connection, messages: list[Message]) -> None:
    rows = [vote_row(m) for m in messages]
    columns = list(zip(*rows, strict=True))
    await conn.execute(
        "INSERT INTO reporting.votes (event_id, idea_id, voter, cast_vote, value, occurred_at,"
        " recorded_at) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bool[],"
        " $5::smallint[], $6::timestamptz[], $7::timestamptz[]) ON CONFLICT (event_id) DO NOTHING",
        *[list(c) for c in columns])
