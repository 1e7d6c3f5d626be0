"""Reads of the reporting read model: every view, now or as of a past date.

The query layer other reporting code builds on (the quarterly report included). Conventions:

- `as_of` is a calendar date; a view as of a date shows what was known at the end of that day
  (UTC), i.e. facts whose `occurred_at` is before the next midnight. A report whose event
  occurred later is invisible, and a revision replaces what it revised only from its own
  `occurred_at` on.
- Functions take an asyncpg connection or pool (`Db`) and return JSON-ready dicts, or the pure
  `PlanState` from `services.reporting.state` for callers that compute their own figures.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any, TypeAlias

import asyncpg

from schemas import registry
from schemas.base import REGISTRY
from services.reporting import views
from services.reporting.domain import Known, end_of_day
from services.reporting.state import Fact, PlanState, fold

Db: TypeAlias = "asyncpg.Connection | asyncpg.Pool"

_FACT_COLUMNS = "event_id, type, occurred_at, recorded_at, actor, payload"


def _fact(row: asyncpg.Record) -> Fact:
    registry.load_all()
    model = REGISTRY[row["type"]].model.model_validate(row["payload"])
    return Fact(row["event_id"], row["occurred_at"], row["recorded_at"], row["actor"], model)


async def facts(db: Db, year: int, *, before: datetime | None = None) -> list[Fact]:
    """The facts of a plan year (its plan, initiatives, progress, meetings held that year) that
    occurred before `before` (all of them without it), in the order they became known."""
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.plan_facts WHERE year = $1"
        " AND ($2::timestamptz IS NULL OR occurred_at < $2)"
        " ORDER BY occurred_at, recorded_at, event_id",
        year, before,
    )
    return [_fact(r) for r in rows]


async def plan_state(db: Db, year: int, as_of: date) -> PlanState | None:
    """The plan year as known at the end of `as_of`; None if it was not yet drafted then."""
    state = fold(year, await facts(db, year, before=end_of_day(as_of)), as_of)
    return state if state.drafted is not None else None


async def plan_years(db: Db, as_of: date) -> list[int]:
    """Years whose plan had been drafted by the end of `as_of`."""
    rows = await db.fetch(
        "SELECT DISTINCT year FROM reporting.plan_facts WHERE type = 'plan.drafted'"
        " AND occurred_at < $1 ORDER BY year", end_of_day(as_of))
    return [r["year"] for r in rows]


async def plans(db: Db, as_of: date) -> list[dict[str, Any]]:
    """Every plan drafted by `as_of`, with its status, budget and overall roll-up."""
    out = []
    for year in await plan_years(db, as_of):
        state = await plan_state(db, year, as_of)
        if state is not None:
            out.append(views.plan_summary(state))
    return out


async def plan(db: Db, year: int, as_of: date) -> dict[str, Any] | None:
    """One plan year as of a date: tracks, initiatives, budget-weighted roll-ups, meetings."""
    state = await plan_state(db, year, as_of)
    return views.plan_view(state) if state is not None else None


async def initiative(db: Db, year: int, initiative_id: uuid.UUID, as_of: date
                     ) -> dict[str, Any] | None:
    """One initiative as of a date: latest percent and RAG, percent expected from time elapsed,
    milestones done / overdue / upcoming, goals against baseline and target, reports, revisions,
    and the ideas adopted into it with their titles, statuses and vote tallies on that date."""
    state = await plan_state(db, year, as_of)
    ini = state.initiatives.get(initiative_id) if state else None
    if ini is None:
        return None
    ideas = await ideas_as_of(db, [f.payload.idea_id for f in ini.ideas],  # type: ignore[attr-defined]
                              as_of)
    return views.initiative_view(ini, as_of, ideas)


async def ideas_as_of(db: Db, idea_ids: list[uuid.UUID], as_of: date
                      ) -> dict[uuid.UUID, dict[str, Any]]:
    """Title, status and vote tally (supporters, opposers, net) of each idea on a date."""
    if not idea_ids:
        return {}
    cutoff = end_of_day(as_of)
    out: dict[uuid.UUID, dict[str, Any]] = {
        i: {"title": None, "status": None, "votes": {"up": 0, "down": 0, "net": 0}}
        for i in idea_ids}
    for r in await db.fetch(
        "SELECT idea_id,"
        " (array_agg(status ORDER BY occurred_at DESC, recorded_at DESC, event_id DESC))[1]"
        "   AS status,"
        " (array_agg(title ORDER BY occurred_at DESC, recorded_at DESC, event_id DESC)"
        "   FILTER (WHERE title IS NOT NULL))[1] AS title"
        " FROM reporting.idea_statuses WHERE idea_id = ANY($1) AND occurred_at < $2"
        " GROUP BY idea_id", idea_ids, cutoff,
    ):
        out[r["idea_id"]].update(title=r["title"], status=r["status"])
    for r in await db.fetch(
        "SELECT idea_id, count(*) FILTER (WHERE value > 0) AS up,"
        " count(*) FILTER (WHERE value < 0) AS down, coalesce(sum(value), 0) AS net"
        " FROM (SELECT DISTINCT ON (idea_id, voter) idea_id, cast_vote, value"
        "       FROM reporting.votes WHERE idea_id = ANY($1) AND occurred_at < $2"
        "       ORDER BY idea_id, voter, occurred_at DESC, recorded_at DESC, event_id DESC) v"
        " WHERE cast_vote GROUP BY idea_id", idea_ids, cutoff,
    ):
        out[r["idea_id"]]["votes"] = {"up": r["up"], "down": r["down"], "net": int(r["net"])}
    return out


async def changes(db: Db, year: int, start: date, end: date) -> list[dict[str, Any]]:
    """What became known about a plan year from `start` to `end` (both days included), with who
    changed it, oldest first."""
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.plan_facts WHERE year = $1"
        " AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at, recorded_at, event_id",
        year, datetime.combine(start, time(), tzinfo=UTC), end_of_day(end),
    )
    titles = await initiative_titles(db, year)
    return [views.change(_fact(r), titles) for r in rows]


async def initiative_titles(db: Db, year: int) -> dict[uuid.UUID, str]:
    """The current title of every initiative of a year."""
    rows = await db.fetch(
        "SELECT DISTINCT ON (initiative_id) initiative_id, payload->>'title' AS title"
        " FROM reporting.plan_facts WHERE year = $1"
        " AND type IN ('initiative.defined', 'initiative.revised')"
        " ORDER BY initiative_id, occurred_at DESC, recorded_at DESC, event_id DESC", year)
    return {r["initiative_id"]: r["title"] for r in rows}


async def rollup_history(db: Db, year: int, track: str = "", *, start: date | None = None,
                         end: date | None = None) -> list[dict[str, Any]]:
    """The roll-up of a track ('' = the whole plan) at the end of every day something about the
    plan became known, between `start` and `end` (inclusive, either open)."""
    rows = await db.fetch(
        "SELECT day, initiatives, budget_dkk, percent, expected_percent, rag, rag_budget_dkk"
        " FROM reporting.rollups WHERE year = $1 AND track = $2"
        " AND ($3::date IS NULL OR day >= $3) AND ($4::date IS NULL OR day <= $4) ORDER BY day",
        year, track, start, end)
    return [{"day": r["day"].isoformat(), "initiatives": r["initiatives"],
             "budget_dkk": r["budget_dkk"],
             "percent": float(r["percent"]) if r["percent"] is not None else None,
             "expected_percent": (float(r["expected_percent"])
                                  if r["expected_percent"] is not None else None),
             "rag": r["rag"], "rag_budget_dkk": r["rag_budget_dkk"]} for r in rows]


async def known(db: Db, *, years: list[int], initiative_ids: list[uuid.UUID]) -> Known:
    """What the acceptance rules need about these plan years and initiatives, as of now."""
    k = Known()
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.plan_facts"
        " WHERE (type = 'plan.drafted' AND year = ANY($1))"
        " OR (initiative_id = ANY($2) AND type IN"
        "     ('initiative.defined', 'initiative.revised', 'initiative.closed'))"
        " ORDER BY seq", years, initiative_ids)  # the order the consumer accepted them in
    for r in rows:
        f = _fact(r)
        k.note(f.payload, f.occurred_at)
    return k


async def written_before(db: Db, actor: str, idempotency_key: str) -> bool:
    """Whether the gateway already accepted a write with this Idempotency-Key from `actor`."""
    return bool(await db.fetchval(
        "SELECT 1 FROM gateway.idempotency WHERE actor = $1 AND key = $2", actor, idempotency_key))
