"""Reads of the reporting read model: every view, now or as of a past date, the quarterly
report's inputs, and the stored reports. All the service's read SQL.

Conventions:

- `as_of` is a calendar date; a view as of a date shows what was known at the end of that day
  (Danish time), i.e. facts whose `occurred_at` is before the next midnight in Copenhagen. A
  report whose event occurred later is invisible, and a revision replaces what it revised only from its own
  `occurred_at` on.
- Functions take an asyncpg connection or pool (`Db`) and return JSON-ready dicts, or the pure
  `PlanState` of `services.reporting.domain` for callers that compute their own figures.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg

from schemas import registry
from schemas.base import REGISTRY
from schemas.votes import WhatIfComputed
from services.reporting import views
from services.reporting.domain import (
    LATEST,
    Fact,
    IdeaState,
    Known,
    PlanState,
    end_of_day,
    fold,
    fold_plan,
    shown_title,
)
from services.reporting.report.compute import CampaignVotes, CampaignWhatIf, Inputs
from services.reporting.report.model import DayCount, Fingerprint
from services.reporting.report.quarter import Quarter

Db: TypeAlias = "asyncpg.Connection | asyncpg.Pool"

_FACT_COLUMNS = "event_id, type, occurred_at, recorded_at, actor, payload"
FACT_COLUMNS = _FACT_COLUMNS  # for the service's other read modules (journey/queries.py)


def _fact(row: asyncpg.Record) -> Fact:
    registry.load_all()
    model = REGISTRY[row["type"]].model.model_validate(row["payload"])
    return Fact(row["event_id"], row["occurred_at"], row["recorded_at"], row["actor"], model)


fact = _fact  # a row of `reporting.events` as a Fact, for the service's other read modules


async def facts(db: Db, year: int, *, before: datetime | None = None) -> list[Fact]:
    """The facts of a plan year (its plan, initiatives, progress, meetings held that year) that
    occurred before `before` (all of them without it), in the order they became known."""
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.events WHERE year = $1"
        " AND ($2::timestamptz IS NULL OR occurred_at < $2)"
        " ORDER BY occurred_at, recorded_at, event_id",
        year, before,
    )
    return [_fact(r) for r in rows]


async def plan_state(db: Db, year: int, as_of: date) -> PlanState | None:
    """The plan year as known at the end of `as_of`; None if it was not yet drafted then."""
    state = fold_plan(year, await facts(db, year, before=end_of_day(as_of)), as_of)
    return state if state.drafted is not None else None


async def plan_years(db: Db, as_of: date) -> list[int]:
    """Years whose plan had been drafted by the end of `as_of`."""
    rows = await db.fetch(
        "SELECT DISTINCT year FROM reporting.events WHERE type = 'plan.drafted'"
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
    adopted = await ideas_as_of(db, [f.payload.idea_id for f in ini.ideas],  # type: ignore[attr-defined]
                                as_of)
    return views.initiative_view(ini, as_of, adopted, state)


async def decisions(db: Db, year: int, as_of: date) -> dict[str, Any]:
    """The items put to the steering group for a plan year and their answers, as known at the
    end of `as_of`, with the steering-group meetings held by then that concern the year (one of
    another year too: an item for next year's plan is often on an agenda of this year)."""
    cutoff = end_of_day(as_of)
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.events WHERE occurred_at < $2 AND"
        " ((year = $1 AND type IN ('steering.decision_requested', 'steering.decision_taken'))"
        "  OR type = 'steering.meeting_held')"
        " ORDER BY occurred_at, recorded_at, event_id", year, cutoff)
    return views.decisions_view(fold([_fact(r) for r in rows], as_of), year,
                                await initiative_titles(db, year))


_IDEA_TYPES = ["idea.submitted", "idea.revised", "idea.withdrawn", "idea.status_changed",
               "idea.revision_published"]
IDEA_TYPES = tuple(_IDEA_TYPES)


async def idea_facts(db: Db, idea_ids: list[uuid.UUID]) -> list[Fact]:
    """The recorded events of these ideas: submissions, revisions, statuses."""
    if not idea_ids:
        return []
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.events WHERE type = ANY($1::text[])"
        " AND payload->>'idea_id' = ANY($2::text[])", _IDEA_TYPES, [str(i) for i in idea_ids])
    return [_fact(r) for r in rows]


async def ideas(db: Db, idea_ids: list[uuid.UUID]) -> dict[uuid.UUID, IdeaState]:
    """These ideas as they stand now; an idea reporting has not heard of is absent."""
    return fold(await idea_facts(db, idea_ids), LATEST).ideas


async def ideas_as_of(db: Db, idea_ids: list[uuid.UUID], as_of: date
                      ) -> dict[uuid.UUID, dict[str, Any]]:
    """Title, status and vote tally (supporters, opposers, net) of each idea on a date. The
    title only while the idea is published, then and now (`domain.shown_title`)."""
    if not idea_ids:
        return {}
    cutoff = end_of_day(as_of)
    facts = await idea_facts(db, idea_ids)
    then, now = fold(facts, as_of).ideas, fold(facts, LATEST).ideas
    out: dict[uuid.UUID, dict[str, Any]] = {
        i: {"title": shown_title(then.get(i), now.get(i)),
            "status": then[i].status if i in then else None,
            "votes": {"up": 0, "down": 0, "net": 0}}
        for i in idea_ids}
    for r in await db.fetch(
        "SELECT idea_id, count(*) FILTER (WHERE value > 0) AS up,"
        " count(*) FILTER (WHERE value < 0) AS down, coalesce(sum(value), 0) AS net"
        " FROM (SELECT DISTINCT ON (idea_id, voter) idea_id, value"
        "       FROM reporting.votes WHERE idea_id = ANY($1) AND occurred_at < $2"
        "       ORDER BY idea_id, voter, occurred_at DESC, recorded_at DESC, event_id DESC) v"
        " WHERE value <> 0 GROUP BY idea_id", idea_ids, cutoff,
    ):
        out[r["idea_id"]]["votes"] = {"up": r["up"], "down": r["down"], "net": int(r["net"])}
    return out


async def changes(db: Db, year: int, start: date, end: date) -> list[dict[str, Any]]:
    """What became known about a plan year from `start` to `end` (both days included), with who
    changed it, oldest first."""
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.events WHERE year = $1"
        " AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at, recorded_at, event_id",
        year, end_of_day(start - timedelta(days=1)), end_of_day(end),
    )
    titles = await initiative_titles(db, year)
    changed = [_fact(r) for r in rows]
    rags = views.statuses_after(year, await facts(db, year), changed)
    return [views.change(f, titles, rags.get(f.event_id)) for f in changed]


async def initiative_titles(db: Db, year: int) -> dict[uuid.UUID, str]:
    """The current title of every initiative of a year."""
    rows = await db.fetch(
        "SELECT DISTINCT ON (initiative_id) initiative_id, payload->>'title' AS title"
        " FROM reporting.events WHERE year = $1"
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


async def known(db: Db, *, years: list[int], initiative_ids: list[uuid.UUID],
                decision_ids: list[uuid.UUID] | None = None,
                idea_ids: list[uuid.UUID] | None = None) -> Known:
    """What the acceptance rules need about these plan years, initiatives, decision items and
    ideas, as of now."""
    found = await ideas(db, idea_ids or [])
    k = Known(ideas={i: found.get(i) for i in idea_ids or []})
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.events"
        " WHERE (type = 'plan.drafted' AND year = ANY($1))"
        " OR (initiative_id = ANY($2) AND type IN"
        "     ('initiative.defined', 'initiative.revised', 'initiative.closed', 'risk.raised',"
        "      'progress.milestone_completed', 'progress.idea_adopted'))"
        " OR (type IN ('steering.decision_requested', 'steering.decision_taken')"
        "     AND payload->>'decision_id' = ANY($3::text[]))"
        " ORDER BY seq",  # the order the consumer accepted them in
        years, initiative_ids, [str(d) for d in decision_ids or []])
    for r in rows:
        f = _fact(r)
        k.note(f.payload, f.occurred_at)
    return k


# ---- the quarterly report's inputs ---------------------------------------------------------

# sha256 over the ids sorted as text and joined by newlines: the same as model.fingerprint_of
_FINGERPRINT = ("count(*) AS n, encode(sha256(convert_to(coalesce(string_agg(event_id::text,"
                " E'\\n' ORDER BY event_id::text COLLATE \"C\"), ''), 'UTF8')), 'hex') AS h")

# what a report cut off at $1 reads; with $2, only what had been recorded by then (a report made
# before later events of its quarter arrived)
_UPTO = "occurred_at < $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2)"


def latest_votes(where: str) -> str:
    """The counted votes: each voter's latest vote on each idea (value 0: withdrawn)."""
    return f"""
    SELECT DISTINCT ON (campaign_id, voter, idea_id) campaign_id, voter, idea_id, value
    FROM reporting.votes WHERE {where}
    ORDER BY campaign_id, voter, idea_id, occurred_at DESC, event_id DESC
"""


_LATEST_VOTES = latest_votes(_UPTO)


async def fingerprint_before(db: Db, cutoff: datetime, recorded_by: datetime | None = None
                             ) -> Fingerprint:
    row = await db.fetchrow(
        f"SELECT {_FINGERPRINT} FROM (SELECT event_id FROM reporting.events"
        f" WHERE {_UPTO} UNION ALL SELECT event_id FROM reporting.votes"
        f" WHERE {_UPTO} UNION ALL SELECT event_id FROM reporting.what_ifs"
        f" WHERE {_UPTO}) AS used", cutoff, recorded_by)
    assert row is not None
    return Fingerprint(int(row["n"]), str(row["h"]))


async def events_before(db: Db, cutoff: datetime, recorded_by: datetime | None = None
                        ) -> tuple[Fact, ...]:
    """Every recorded fact (plan, campaign, idea, moderation) that occurred before `cutoff`
    (and, with `recorded_by`, was recorded by then)."""
    rows = await db.fetch(
        f"SELECT {_FACT_COLUMNS} FROM reporting.events WHERE {_UPTO}"
        " ORDER BY occurred_at, recorded_at, event_id", cutoff, recorded_by)
    return tuple(_fact(r) for r in rows)


async def votes_before(db: Db, cutoff: datetime, recorded_by: datetime | None = None
                       ) -> dict[str, CampaignVotes]:
    by_idea: dict[str, dict[str, int]] = defaultdict(dict)
    for r in await db.fetch(
            f"SELECT campaign_id::text AS c, idea_id::text AS i, sum(value)::bigint AS v"
            f" FROM ({_LATEST_VOTES}) AS latest GROUP BY 1, 2", cutoff, recorded_by):
        by_idea[r["c"]][r["i"]] = int(r["v"])
    voters: dict[str, dict[str, str | None]] = defaultdict(dict)
    for r in await db.fetch(
            f"WITH active AS (SELECT DISTINCT campaign_id, voter FROM ({_LATEST_VOTES}) AS l"
            " WHERE value <> 0),"
            " sectors AS (SELECT DISTINCT ON (campaign_id, voter) campaign_id, voter, sector"
            f" FROM reporting.votes WHERE {_UPTO} AND sector IS NOT NULL"
            " ORDER BY campaign_id, voter, occurred_at DESC, event_id DESC)"
            " SELECT a.campaign_id::text AS c, a.voter AS v, s.sector"
            " FROM active a LEFT JOIN sectors s USING (campaign_id, voter)", cutoff, recorded_by):
        voters[r["c"]][r["v"]] = r["sector"]
    days: dict[str, list[DayCount]] = defaultdict(list)
    for r in await db.fetch(
            "SELECT campaign_id::text AS c, (occurred_at AT TIME ZONE 'Europe/Copenhagen')::date AS d,"
            f" count(*) AS n FROM reporting.votes WHERE {_UPTO} AND value <> 0"
            " GROUP BY 1, 2 ORDER BY 1, 2", cutoff, recorded_by):
        days[r["c"]].append(DayCount(r["d"], int(r["n"])))
    out: dict[str, CampaignVotes] = {}
    for r in await db.fetch(
            f"SELECT campaign_id::text AS c, {_FINGERPRINT} FROM reporting.votes"
            f" WHERE {_UPTO} GROUP BY campaign_id", cutoff, recorded_by):
        c = r["c"]
        out[c] = CampaignVotes(c, by_idea.get(c, {}), voters.get(c, {}), tuple(days.get(c, [])),
                               Fingerprint(int(r["n"]), str(r["h"])))
    return out


async def what_ifs_before(db: Db, cutoff: datetime, recorded_by: datetime | None = None
                          ) -> dict[str, CampaignWhatIf]:
    """Per campaign, the latest replay under other rules that occurred before `cutoff` (and,
    with `recorded_by`, was recorded by then)."""
    rows = await db.fetch(
        "SELECT DISTINCT ON (campaign_id) campaign_id::text AS c, event_id, occurred_at,"
        f" payload FROM reporting.what_ifs WHERE {_UPTO}"
        " ORDER BY campaign_id, occurred_at DESC, recorded_at DESC, event_id DESC",
        cutoff, recorded_by)
    return {r["c"]: CampaignWhatIf(r["event_id"], r["occurred_at"],
                                   WhatIfComputed.model_validate(r["payload"])) for r in rows}


async def load_inputs(pool: asyncpg.Pool, quarter: Quarter, *, author: str = "",
                      draft_as_of: date | None = None) -> Inputs:
    """Everything the report for `quarter` reads, from one consistent snapshot (`author`: who
    asks; `draft_as_of`: a marked draft of a quarter not yet ended, to that day)."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read",
                                                         readonly=True):
        inputs = await read_inputs(conn, quarter)
    return replace(inputs, author=author, draft_as_of=draft_as_of)


async def read_inputs(conn: asyncpg.Connection, quarter: Quarter, *,
                      recorded_by: datetime | None = None) -> Inputs:
    """`load_inputs` inside the caller's transaction (which sees its own uncommitted writes);
    with `recorded_by`, only of what had been recorded by then."""
    previous = await fingerprint_before(conn, quarter.start, recorded_by)
    return Inputs(
        quarter=quarter,
        events=await events_before(conn, quarter.end, recorded_by),
        votes=await votes_before(conn, quarter.end, recorded_by),
        fingerprint=await fingerprint_before(conn, quarter.end, recorded_by),
        previous_fingerprint=previous if previous.event_count else None,
        what_ifs=await what_ifs_before(conn, quarter.end, recorded_by),
    )


# ---- stored reports ------------------------------------------------------------------------

_REPORTS = (
    "SELECT r.report_id, r.quarter, r.cutoff, r.event_count, r.events_hash, r.content_hash,"
    " r.generated_at, r.trigger, r.rerendered_at, r.requested_by, r.draft_as_of,"
    " coalesce(array_agg(f.lang || '.' || f.format"
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


async def reports_after(db: Db, moment: datetime) -> list[dict[str, Any]]:
    """The stored reports whose inputs reach past `moment` (cut off after it), oldest first."""
    rows = await db.fetch(
        "SELECT report_id, quarter, event_count, events_hash, content_hash, generated_at,"
        " requested_by, draft_as_of FROM reporting.reports WHERE cutoff > $1"
        " ORDER BY cutoff, generated_at, report_id",
        moment)
    return [dict(r) for r in rows]


async def stored_report_id(db: Db, quarter: str, fingerprint: Fingerprint, content_hash: str
                           ) -> uuid.UUID | None:
    """The id a report with these figures is stored under: after an erasure a re-rendered
    report keeps its first id, so making the quarter again finds it here."""
    rid = await db.fetchval(
        "SELECT report_id FROM reporting.reports WHERE quarter = $1 AND event_count = $2"
        " AND events_hash = $3 AND content_hash = $4 ORDER BY generated_at, report_id LIMIT 1",
        quarter, fingerprint.event_count, fingerprint.events_hash, content_hash)
    return rid if isinstance(rid, uuid.UUID) else None


async def get_file(db: Db, report_id: uuid.UUID, lang: str, fmt: str) -> bytes | None:
    content = await db.fetchval(
        "SELECT content FROM reporting.report_files WHERE report_id = $1 AND lang = $2"
        " AND format = $3", report_id, lang, fmt)
    return bytes(content) if content is not None else None


async def recorded(db: Db, cutoff: datetime | None = None) -> dict[str, Any]:
    """How many events and votes the read model holds (those before `cutoff` if given), the
    votes per campaign, and per campaign its latest replay under other rules (when its inputs
    were settled, how many votes it replayed, its event): what a report made now would be
    computed from."""
    events = await db.fetchval("SELECT count(*) FROM reporting.events"
                               " WHERE $1::timestamptz IS NULL OR occurred_at < $1", cutoff)
    rows = await db.fetch("SELECT campaign_id::text AS c, count(*) AS n FROM reporting.votes"
                          " WHERE $1::timestamptz IS NULL OR occurred_at < $1 GROUP BY 1", cutoff)
    by_campaign = {r["c"]: int(r["n"]) for r in rows}
    what_ifs = await db.fetch(
        "SELECT DISTINCT ON (campaign_id) campaign_id::text AS c, event_id, occurred_at,"
        " (payload->>'votes')::int AS votes FROM reporting.what_ifs"
        " WHERE $1::timestamptz IS NULL OR occurred_at < $1"
        " ORDER BY campaign_id, occurred_at DESC, recorded_at DESC, event_id DESC", cutoff)
    return {"events": int(events), "votes": sum(by_campaign.values()),
            "votes_by_campaign": by_campaign,
            "what_ifs_by_campaign": {r["c"]: {"event_id": str(r["event_id"]),
                                              "settled_at": r["occurred_at"].isoformat(),
                                              "votes": r["votes"]} for r in what_ifs}}


async def personal_data(db: Db, participant: str) -> dict[str, list[dict[str, Any]]]:
    """The reporting read model's copies of what a participant did: the events they caused
    that reports count (ideas, plan work), and their votes, slim."""
    events = await db.fetch(
        "SELECT event_id, type, occurred_at, payload FROM reporting.events WHERE actor = $1"
        " ORDER BY occurred_at, seq", participant)
    votes = await db.fetch(
        "SELECT event_id, campaign_id, idea_id, value, sector, occurred_at FROM reporting.votes"
        " WHERE voter = $1 ORDER BY occurred_at, event_id", participant)
    return {"events": [dict(r) for r in events], "votes": [dict(r) for r in votes]}


async def quarters_recorded(db: Db) -> list[tuple[int, int]]:
    """(year, quarter) of every quarter (Danish time) in which an event or a vote occurred."""
    rows = await db.fetch(
        "SELECT DISTINCT extract(year FROM d)::int AS y, extract(quarter FROM d)::int AS q"
        " FROM (SELECT occurred_at AT TIME ZONE 'Europe/Copenhagen' AS d FROM reporting.events"
        "       UNION ALL SELECT occurred_at AT TIME ZONE 'Europe/Copenhagen'"
        "       FROM reporting.votes) AS x ORDER BY y, q")
    return [(int(r["y"]), int(r["q"])) for r in rows]
