"""All SQL of the quarterly report: as-of inputs, stored reports, the quarter schedule."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from services.reporting.report.compute import CampaignVotes, Inputs
from services.reporting.report.fold import EventRecord
from services.reporting.report.model import DayCount, Fingerprint
from services.reporting.report.quarter import Quarter

Db: TypeAlias = "asyncpg.Connection | asyncpg.Pool"

# sha256 over the ids sorted as text and joined by newlines: the same as model.fingerprint_of
_FINGERPRINT = ("count(*) AS n, encode(sha256(convert_to(coalesce(string_agg(event_id::text,"
                " E'\\n' ORDER BY event_id::text COLLATE \"C\"), ''), 'UTF8')), 'hex') AS h")

_LATEST_VOTES = """
    SELECT DISTINCT ON (campaign_id, voter_id, idea_id) campaign_id, voter_id, idea_id, value
    FROM reporting.report_votes WHERE occurred_at < $1
    ORDER BY campaign_id, voter_id, idea_id, occurred_at DESC, event_id DESC
"""


async def fingerprint_before(db: Db, cutoff: datetime) -> Fingerprint:
    row = await db.fetchrow(
        f"SELECT {_FINGERPRINT} FROM (SELECT event_id FROM reporting.report_events"
        " WHERE occurred_at < $1 UNION ALL SELECT event_id FROM reporting.report_votes"
        " WHERE occurred_at < $1) AS used", cutoff)
    assert row is not None
    return Fingerprint(int(row["n"]), str(row["h"]))


async def events_before(db: Db, cutoff: datetime) -> tuple[EventRecord, ...]:
    rows = await db.fetch(
        "SELECT event_id::text AS id, type, occurred_at, actor, payload"
        " FROM reporting.report_events WHERE occurred_at < $1 ORDER BY occurred_at, event_id",
        cutoff)
    return tuple(EventRecord(r["id"], r["type"], r["occurred_at"], r["actor"], r["payload"])
                 for r in rows)


async def votes_before(db: Db, cutoff: datetime) -> dict[str, CampaignVotes]:
    by_idea: dict[str, dict[str, int]] = defaultdict(dict)
    for r in await db.fetch(
            f"SELECT campaign_id::text AS c, idea_id::text AS i, sum(value)::bigint AS v"
            f" FROM ({_LATEST_VOTES}) AS latest GROUP BY 1, 2", cutoff):
        by_idea[r["c"]][r["i"]] = int(r["v"])
    voters: dict[str, dict[str, str | None]] = defaultdict(dict)
    for r in await db.fetch(
            f"WITH active AS (SELECT DISTINCT campaign_id, voter_id FROM ({_LATEST_VOTES}) AS l"
            " WHERE value <> 0),"
            " sectors AS (SELECT DISTINCT ON (campaign_id, voter_id) campaign_id, voter_id, sector"
            " FROM reporting.report_votes WHERE occurred_at < $1 AND sector IS NOT NULL"
            " ORDER BY campaign_id, voter_id, occurred_at DESC, event_id DESC)"
            " SELECT a.campaign_id::text AS c, a.voter_id AS v, s.sector"
            " FROM active a LEFT JOIN sectors s USING (campaign_id, voter_id)", cutoff):
        voters[r["c"]][r["v"]] = r["sector"]
    days: dict[str, list[DayCount]] = defaultdict(list)
    for r in await db.fetch(
            "SELECT campaign_id::text AS c, (occurred_at AT TIME ZONE 'UTC')::date AS d,"
            " count(*) AS n FROM reporting.report_votes WHERE occurred_at < $1 AND value <> 0"
            " GROUP BY 1, 2 ORDER BY 1, 2", cutoff):
        days[r["c"]].append(DayCount(r["d"], int(r["n"])))
    out: dict[str, CampaignVotes] = {}
    for r in await db.fetch(
            f"SELECT campaign_id::text AS c, {_FINGERPRINT} FROM reporting.report_votes"
            " WHERE occurred_at < $1 GROUP BY campaign_id", cutoff):
        c = r["c"]
        out[c] = CampaignVotes(c, by_idea.get(c, {}), voters.get(c, {}), tuple(days.get(c, [])),
                               Fingerprint(int(r["n"]), str(r["h"])))
    return out


async def load_inputs(pool: asyncpg.Pool, quarter: Quarter) -> Inputs:
    """Everything the report for `quarter` reads, from one consistent snapshot."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read",
                                                         readonly=True):
        previous = await fingerprint_before(conn, quarter.start)
        return Inputs(
            quarter=quarter,
            events=await events_before(conn, quarter.end),
            votes=await votes_before(conn, quarter.end),
            fingerprint=await fingerprint_before(conn, quarter.end),
            previous_fingerprint=previous if previous.event_count else None,
        )


async def store_report(conn: asyncpg.Connection, *, report_id: uuid.UUID, quarter: str,
                       cutoff: datetime, fingerprint: Fingerprint, content_hash: str,
                       generated_at: datetime, trigger: str,
                       files: list[tuple[str, str, bytes, str]]) -> bool:
    """Store a report and its renderings (lang, format, bytes, sha256); False if already there."""
    inserted = await conn.fetchval(
        "INSERT INTO reporting.reports (report_id, quarter, cutoff, event_count, events_hash,"
        " content_hash, generated_at, trigger) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (report_id) DO NOTHING RETURNING true",
        report_id, quarter, cutoff, fingerprint.event_count, fingerprint.events_hash,
        content_hash, generated_at, trigger)
    await conn.execute(
        "INSERT INTO reporting.report_files (report_id, lang, format, content, sha256)"
        " SELECT $1, l, f, c, s FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[])"
        " AS x(l, f, c, s) ON CONFLICT DO NOTHING",
        report_id, [f[0] for f in files], [f[1] for f in files], [f[2] for f in files],
        [f[3] for f in files])
    return bool(inserted)


_REPORTS = (
    "SELECT r.report_id, r.quarter, r.cutoff, r.event_count, r.events_hash, r.content_hash,"
    " r.generated_at, r.trigger, coalesce(array_agg(f.lang || '.' || f.format"
    " ORDER BY f.lang, f.format) FILTER (WHERE f.lang IS NOT NULL), '{{}}') AS files"
    " FROM reporting.reports r LEFT JOIN reporting.report_files f USING (report_id)"
    " WHERE {where} GROUP BY r.report_id"
    " ORDER BY r.quarter DESC, r.generated_at DESC, r.report_id")


async def list_reports(db: Db, quarter: str | None = None) -> list[dict[str, Any]]:
    rows = await db.fetch(_REPORTS.format(where="$1::text IS NULL OR r.quarter = $1"), quarter)
    return [dict(r) for r in rows]


async def get_report(db: Db, report_id: uuid.UUID) -> dict[str, Any] | None:
    row = await db.fetchrow(_REPORTS.format(where="r.report_id = $1"), report_id)
    return dict(row) if row else None


async def get_file(db: Db, report_id: uuid.UUID, lang: str, fmt: str) -> bytes | None:
    content = await db.fetchval(
        "SELECT content FROM reporting.report_files WHERE report_id = $1 AND lang = $2"
        " AND format = $3", report_id, lang, fmt)
    return bytes(content) if content is not None else None


async def claim_quarter(conn: asyncpg.Connection, quarter: str) -> bool:
    """Inside a transaction: lock the quarter's schedule row; True if it still needs a report."""
    await conn.execute("INSERT INTO reporting.report_schedule (quarter) VALUES ($1)"
                       " ON CONFLICT DO NOTHING", quarter)
    row = await conn.fetchrow("SELECT published_report FROM reporting.report_schedule"
                              " WHERE quarter = $1 FOR UPDATE SKIP LOCKED", quarter)
    return row is not None and row["published_report"] is None


async def mark_published(conn: asyncpg.Connection, quarter: str, report_id: uuid.UUID,
                         at: datetime) -> None:
    await conn.execute("UPDATE reporting.report_schedule SET published_report = $2,"
                       " published_at = $3 WHERE quarter = $1", quarter, report_id, at)


# ---- for the demo ------------------------------------------------------------------------


async def recorded_votes(db: Db, campaign_id: uuid.UUID) -> int:
    return int(await db.fetchval(
        "SELECT count(*) FROM reporting.report_votes WHERE campaign_id = $1", campaign_id))


async def recorded(db: Db, event_ids: list[uuid.UUID]) -> int:
    return int(await db.fetchval(
        "SELECT count(*) FROM reporting.report_events WHERE event_id = ANY($1::uuid[])",
        event_ids))


async def ideastorm_initiative(db: Db, year: int) -> tuple[uuid.UUID, str] | None:
    """The initiative about ideastorms (dialogue on solutions), else the first, of the latest
    plan year up to `year`."""
    rows = await db.fetch(
        "SELECT * FROM (SELECT DISTINCT ON (payload->>'initiative_id')"
        " (payload->>'initiative_id')::uuid AS id, payload->>'title' AS title,"
        " (payload->>'year')::int AS year, coalesce(payload->>'code', '') AS code"
        " FROM reporting.report_events"
        " WHERE type IN ('initiative.defined', 'initiative.revised')"
        " AND (payload->>'year')::int <= $1"
        " ORDER BY payload->>'initiative_id', occurred_at DESC) AS latest"
        " ORDER BY year DESC, (title ILIKE '%dialog%' OR title ILIKE '%idéstorm%') DESC, code,"
        " title", year)
    return (rows[0]["id"], rows[0]["title"]) if rows else None


async def top_ideas(db: Db, campaign_id: uuid.UUID, how_many: int) -> list[tuple[uuid.UUID, str]]:
    rows = await db.fetch(
        "WITH latest AS (SELECT DISTINCT ON (voter_id, idea_id) idea_id, value"
        " FROM reporting.report_votes WHERE campaign_id = $1"
        " ORDER BY voter_id, idea_id, occurred_at DESC, event_id DESC),"
        " tally AS (SELECT idea_id, sum(value) AS votes FROM latest GROUP BY idea_id),"
        " titles AS (SELECT DISTINCT ON (payload->>'idea_id') (payload->>'idea_id')::uuid AS"
        " idea_id, payload->>'title' AS title FROM reporting.report_events"
        " WHERE type = 'idea.submitted' AND payload->>'campaign_id' = $1::text"
        " ORDER BY payload->>'idea_id', occurred_at DESC)"
        " SELECT t.idea_id, coalesce(n.title, t.idea_id::text) AS title FROM tally t"
        " LEFT JOIN titles n USING (idea_id) ORDER BY t.votes DESC, title LIMIT $2",
        campaign_id, how_many)
    return [(r["idea_id"], r["title"]) for r in rows]
