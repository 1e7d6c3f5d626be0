"""Writes to the reporting read model (all the service's write SQL): the events and votes the
`reporting` projection records, the roll-up history rebuilt from a plan year's facts, and the
stored quarterly reports with their schedule.

Rows are keyed by `event_id`, so a redelivered or re-published event changes nothing, and a
replay from offset 0 into empty tables gives the same tables.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from services.infra import vault
from services.infra.consumer import Message
from services.reporting import queries, views
from services.reporting.report.model import Fingerprint


async def insert_events(conn: asyncpg.Connection,
                        rows: list[tuple[Message, int | None, uuid.UUID | None]],
                        opened: dict[uuid.UUID, list[str]] | None = None) -> None:
    """Record accepted events with the plan year and initiative they belong to (if any).
    `opened`: per event id, the payload fields filled in from its sealed text (kept opened, the
    `sealed` object itself is not stored)."""
    envs = [(m.envelope, year, initiative) for m, year, initiative in rows]
    opened = opened or {}
    keys = [getattr(getattr(m.payload, "sealed", None), "key", None) for m, _, _ in rows]
    await conn.execute(
        "INSERT INTO reporting.events (event_id, type, year, initiative_id, occurred_at,"
        " recorded_at, actor, payload, text_key, text_fields)"
        " SELECT i, t, y, n, o, r, a, p::jsonb, tk, string_to_array(tf, ',') FROM unnest("
        " $1::uuid[], $2::text[], $3::int[], $4::uuid[], $5::timestamptz[], $6::timestamptz[],"
        " $7::text[], $8::text[], $9::uuid[], $10::text[])"
        " WITH ORDINALITY AS x(i, t, y, n, o, r, a, p, tk, tf, k) ORDER BY k"
        " ON CONFLICT (event_id) DO NOTHING",
        [e.event_id for e, _, _ in envs], [e.type for e, _, _ in envs],
        [y for _, y, _ in envs], [n for _, _, n in envs],
        [e.occurred_at for e, _, _ in envs], [e.recorded_at for e, _, _ in envs],
        [e.actor for e, _, _ in envs],
        # the payload as its current version (upcast), so the fold reads one shape
        [json.dumps(m.payload.model_dump(mode="json", exclude={"sealed"}), sort_keys=True)
         for m, _, _ in rows],
        keys, [",".join(opened.get(e.event_id, [])) for e, _, _ in envs])


async def erase_texts(conn: asyncpg.Connection, participant_ids: list[str]
                      ) -> tuple[int, datetime | None]:
    """Overwrite the participants' texts kept in `events`: what was sealed under a key that is
    gone now, and (for events from before sealing) what they wrote in plain and the plain titles
    of their ideas in status changes. Returns how many events changed and the earliest
    `occurred_at` among them (a report cut off before it never read any of them)."""
    changed, earliest = 0, None
    for sql in _ERASE:
        row = await conn.fetchrow(sql, vault.ERASED, participant_ids)
        assert row is not None
        changed += int(row["n"])
        if row["o"] is not None and (earliest is None or row["o"] < earliest):
            earliest = row["o"]
    return changed, earliest


async def erased_writers(conn: asyncpg.Connection, actors: set[str], idea_ids: set[uuid.UUID]
                         ) -> set[str]:
    """Which of `actors`, and of the authors of `idea_ids` (by their `idea.submitted` here), are
    erased already (`vault.shredded`, read only): their plain text arriving now, after the
    erasure, is overwritten as `participant.erased` would have (`erase_texts`)."""
    if not actors and not idea_ids:
        return set()
    rows = await conn.fetch(
        "SELECT participant_id FROM vault.shredded WHERE participant_id = ANY($1::text[])"
        " OR participant_id IN (SELECT actor FROM reporting.events"
        "  WHERE type = 'idea.submitted' AND payload->>'idea_id' = ANY($2::text[]))",
        sorted(actors), sorted(str(i) for i in idea_ids))
    return {r["participant_id"] for r in rows}


_COUNTED = " RETURNING occurred_at) SELECT count(*) AS n, min(occurred_at) AS o FROM changed"
_ERASED_FIELD = "CASE WHEN f = 'tags' THEN '[]'::jsonb ELSE to_jsonb($1::text) END"
_ERASE = (
    "WITH changed AS (UPDATE reporting.events e SET text_fields = '{}', payload = e.payload"
    f" || (SELECT jsonb_object_agg(f, {_ERASED_FIELD}) FROM unnest(e.text_fields) AS f)"
    f" WHERE cardinality(e.text_fields) > 0 AND {vault.key_gone_sql('e.text_key')}"
    " AND $2::text[] IS NOT NULL" + _COUNTED,
    "WITH changed AS (UPDATE reporting.events SET payload = payload"
    " || jsonb_build_object('title', $1::text, 'body', $1::text, 'tags', '[]'::jsonb)"
    " WHERE type IN ('idea.submitted', 'idea.revised') AND actor = ANY($2::text[])"
    " AND text_key IS NULL AND payload->>'title' IS DISTINCT FROM $1"
    + _COUNTED,
    "WITH changed AS (UPDATE reporting.events SET payload = payload"
    " || jsonb_build_object('reason', $1::text) WHERE type = 'idea.withdrawn'"
    " AND actor = ANY($2::text[]) AND text_key IS NULL AND payload->>'reason' IS NOT NULL"
    " AND payload->>'reason' <> $1" + _COUNTED,
    "WITH theirs AS (SELECT payload->>'idea_id' AS idea_id FROM reporting.events"
    "  WHERE type = 'idea.submitted' AND actor = ANY($2::text[])),"
    " changed AS (UPDATE reporting.events SET payload = payload"
    " || jsonb_build_object('title', $1::text)"
    " || CASE WHEN payload->>'status' = 'withdrawn' AND payload->>'reason' IS NOT NULL"
    "    THEN jsonb_build_object('reason', $1::text) ELSE '{}'::jsonb END"
    " WHERE type = 'idea.status_changed' AND text_key IS NULL"
    " AND payload->>'title' IS NOT NULL AND payload->>'title' <> $1"
    " AND payload->>'idea_id' IN (SELECT idea_id FROM theirs)"
    + _COUNTED,
)


async def rebuild_rollups(conn: asyncpg.Connection, year: int) -> None:
    """Recompute a plan year's roll-up history from its facts (deterministic, so replayable)."""
    history = views.rollup_history(year, await queries.facts(conn, year))
    await conn.execute("DELETE FROM reporting.rollups WHERE year = $1", year)
    await conn.executemany(
        "INSERT INTO reporting.rollups (year, track, day, initiatives, budget_dkk, percent,"
        " expected_percent, rag, rag_budget_dkk) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [(year, track, day, r["initiatives"], r["budget_dkk"], r["percent"],
          r["expected_percent"], r["rag"], r["rag_budget_dkk"]) for day, track, r in history])


async def insert_votes(conn: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Votes as (event_id, campaign_id, idea_id, voter, value, sector, occurred_at,
    recorded_at); value 0 is a withdrawal."""
    columns = list(zip(*rows, strict=True))
    await conn.execute(
        "INSERT INTO reporting.votes (event_id, campaign_id, idea_id, voter, value, sector,"
        " occurred_at, recorded_at) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[],"
        " $4::text[], $5::smallint[], $6::text[], $7::timestamptz[], $8::timestamptz[])"
        " ON CONFLICT (event_id) DO NOTHING",
        *[list(c) for c in columns])


async def insert_what_ifs(conn: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> None:
    """What-ifs as (event_id, campaign_id, occurred_at, recorded_at, payload as JSON text)."""
    columns = list(zip(*rows, strict=True))
    await conn.execute(
        "INSERT INTO reporting.what_ifs (event_id, campaign_id, occurred_at, recorded_at,"
        " payload) SELECT i, c, o, r, p::jsonb FROM unnest($1::uuid[], $2::uuid[],"
        " $3::timestamptz[], $4::timestamptz[], $5::text[]) AS x(i, c, o, r, p)"
        " ON CONFLICT (event_id) DO NOTHING",
        *[list(c) for c in columns])


async def store_report(conn: asyncpg.Connection, *, report_id: uuid.UUID, quarter: str,
                       cutoff: datetime, fingerprint: Fingerprint, content_hash: str,
                       generated_at: datetime, trigger: str,
                       files: list[tuple[str, str, bytes, str]], requested_by: str = "",
                       draft_as_of: date | None = None) -> bool:
    """Store a report and its renderings (lang, format, bytes, sha256); False if already there."""
    inserted = await conn.fetchval(
        "INSERT INTO reporting.reports (report_id, quarter, cutoff, event_count, events_hash,"
        " content_hash, generated_at, trigger, requested_by, draft_as_of)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (report_id) DO NOTHING RETURNING true",
        report_id, quarter, cutoff, fingerprint.event_count, fingerprint.events_hash,
        content_hash, generated_at, trigger, requested_by, draft_as_of)
    await conn.execute(
        "INSERT INTO reporting.report_files (report_id, lang, format, content, sha256)"
        " SELECT $1, l, f, c, s FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[])"
        " AS x(l, f, c, s) ON CONFLICT DO NOTHING",
        report_id, [f[0] for f in files], [f[1] for f in files], [f[2] for f in files],
        [f[3] for f in files])
    return bool(inserted)


async def replace_report(conn: asyncpg.Connection, report_id: uuid.UUID, *, content_hash: str,
                         rerendered_at: datetime, files: list[tuple[str, str, bytes, str]]
                         ) -> None:
    """Replace a stored report's renderings (same id) after an erasure; with no `files` the old
    ones are removed (they could not be made again from the same inputs)."""
    await conn.execute("UPDATE reporting.reports SET content_hash = $2, rerendered_at = $3"
                       " WHERE report_id = $1", report_id, content_hash, rerendered_at)
    await conn.execute("DELETE FROM reporting.report_files WHERE report_id = $1", report_id)
    await conn.execute(
        "INSERT INTO reporting.report_files (report_id, lang, format, content, sha256)"
        " SELECT $1, l, f, c, s FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[])"
        " AS x(l, f, c, s)",
        report_id, [f[0] for f in files], [f[1] for f in files], [f[2] for f in files],
        [f[3] for f in files])


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
