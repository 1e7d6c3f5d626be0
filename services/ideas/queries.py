"""All SQL the ideas API and timers read with (the projection writes in `projections.py`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.ideas.domain import PageCursor, PageOrder
from services.infra.vault import ERASED

_CAMPAIGN_COLS = (
    "campaign_id, title, question, description, opens_at, closes_at, audience, moderation,"
    " vote_rules, flag_threshold, created_by, created_at, opened_at, closed_at,"
    " shows_author_names, budget, min_votes_to_fund, answer_threshold"
)
_IDEA_COLS = (
    "idea_id, campaign_id, author, sector, title, body, tags, category, estimated_cost, revision,"
    " status, status_reason, status_by, status_at, merged_into, submitted_at, updated_at,"
    " pending_revision"
)


def _dict(r: asyncpg.Record | None) -> dict[str, Any] | None:
    return dict(r) if r is not None else None


async def campaign(pool: asyncpg.Pool, campaign_id: uuid.UUID) -> dict[str, Any] | None:
    return _dict(await pool.fetchrow(
        f"SELECT {_CAMPAIGN_COLS} FROM ideas.campaigns WHERE campaign_id = $1", campaign_id))


async def campaigns(pool: asyncpg.Pool, *, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_CAMPAIGN_COLS}, (SELECT count(*) FROM ideas.ideas i"
        "  WHERE i.campaign_id = c.campaign_id AND i.status = 'published') AS published_ideas"
        " FROM ideas.campaigns c ORDER BY opens_at DESC, campaign_id LIMIT $1 OFFSET $2",
        limit, offset)
    return [dict(r) for r in rows]


# The campaign page: one statement per order and per first / later page, each an index range
# scan of `ideas_page_support_idx` / `ideas_page_newest_idx` (the row comparison is the index's
# own order, so a page deep in the list costs what the first one does). 'published' is
# `IdeaStatus.public` (domain.visible_to_public), the indexes' predicate.
_PAGE_KEY = {PageOrder.SUPPORT: "supports", PageOrder.NEWEST: "submitted_at"}
_PAGE = (
    f"SELECT {_IDEA_COLS}, supports, opposes FROM ideas.ideas"
    " WHERE campaign_id = $1 AND status = 'published'{after}"
    " ORDER BY {key} DESC, idea_id DESC LIMIT $2"
)
_PAGES = {(order, later): _PAGE.format(
    key=key, after=f" AND ({key}, idea_id) < ($3, $4)" if later else "")
    for order, key in _PAGE_KEY.items() for later in (False, True)}


def page_sql(order: PageOrder, *, later: bool) -> str:
    """The campaign page's statement: $1 campaign, $2 limit, and for a later page $3, $4 the
    cursor's key and idea id."""
    return _PAGES[order, later]


async def campaign_page(pool: asyncpg.Pool, campaign_id: uuid.UUID, order: PageOrder, *,
                        after: PageCursor | None, limit: int
                        ) -> tuple[list[dict[str, Any]], PageCursor | None]:
    """Up to `limit` published ideas of the campaign in `order`, after the cursor, and the
    cursor of the next page (None when this page is the last)."""
    args: list[Any] = [campaign_id, limit + 1]
    if after is not None:
        args += [after.key, after.idea_id]
    rows = [dict(r) for r in await pool.fetch(page_sql(order, later=after is not None), *args)]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], PageCursor(order, last[_PAGE_KEY[order]], last["idea_id"])


async def idea(pool: asyncpg.Pool, idea_id: uuid.UUID) -> dict[str, Any] | None:
    return _dict(await pool.fetchrow(
        f"SELECT {_IDEA_COLS} FROM ideas.ideas WHERE idea_id = $1", idea_id))


async def campaigns_showing_names(pool: asyncpg.Pool,
                                  campaign_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these campaigns that credit ideas to their authors by name."""
    rows = await pool.fetch(
        "SELECT campaign_id FROM ideas.campaigns WHERE campaign_id = ANY($1::uuid[])"
        " AND shows_author_names", list(campaign_ids))
    return {r["campaign_id"] for r in rows}


# timers -----------------------------------------------------------------------------------

async def due_transitions(pool: asyncpg.Pool, now: datetime
                          ) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]:
    """Campaigns whose opening / closing time has passed but whose event has not been seen."""
    opening = await pool.fetch(
        "SELECT campaign_id, opens_at FROM ideas.campaigns"
        " WHERE opened_at IS NULL AND opens_at <= $1 ORDER BY opens_at LIMIT 500", now)
    closing = await pool.fetch(
        "SELECT campaign_id, closes_at FROM ideas.campaigns"
        " WHERE closed_at IS NULL AND closes_at <= $1 ORDER BY closes_at LIMIT 500", now)
    return list(opening), list(closing)


async def take_expired_parked(conn: asyncpg.Connection, now: datetime, schema: str = "ideas"
                              ) -> list[asyncpg.Record]:
    return list(await conn.fetch(
        f"DELETE FROM {schema}.parked_submissions WHERE deadline <= $1"
        ' RETURNING campaign_id, topic, partition, "offset", key, raw, deadline', now))


# ideas and their history -----------------------------------------------------------------

async def ideas_by_author(pool: asyncpg.Pool, author: str, *, limit: int,
                          offset: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_IDEA_COLS} FROM ideas.ideas WHERE author = $1"
        " ORDER BY submitted_at DESC, idea_id LIMIT $2 OFFSET $3", author, limit, offset)
    return [dict(r) for r in rows]


async def revisions(pool: asyncpg.Pool, idea_id: uuid.UUID, *,
                    approved_only: bool) -> list[dict[str, Any]]:
    """An idea's revisions, first to last; `approved_only` leaves out those no moderator
    approved (pending, rejected, superseded), which only the author and staff see."""
    rows = await pool.fetch(
        "SELECT revision, author, title, body, tags, revised_at, state FROM ideas.revisions"
        " WHERE idea_id = $1 AND (NOT $2 OR state = 'approved') ORDER BY revision",
        idea_id, approved_only)
    return [dict(r) for r in rows]


async def has_flagged(pool: asyncpg.Pool, idea_id: uuid.UUID, flagger: str) -> bool:
    return bool(await pool.fetchval(
        "SELECT 1 FROM ideas.flags WHERE idea_id = $1 AND flagger = $2", idea_id, flagger))


# moderation ------------------------------------------------------------------------------

SIMILARITY_FLOOR = 0.15  # below this two titles share little more than common words

# Published and pending ideas of the same campaign whose titles are most like `title`: two
# similar ideas waiting side by side are hinted at each other. Erased titles (all alike) are not.
_SIMILAR = f"""
(SELECT coalesce(jsonb_agg(jsonb_build_object(
            'idea_id', s.idea_id, 'title', s.title, 'status', s.status, 'similarity', s.sim)
            ORDER BY s.sim DESC, s.idea_id), '[]'::jsonb)
   FROM (SELECT p.idea_id, p.title, p.status, round(similarity(p.title, {{title}})::numeric, 3) AS sim
           FROM ideas.ideas p
          WHERE p.campaign_id = i.campaign_id AND p.status IN ('published', 'pending')
            AND p.idea_id <> i.idea_id AND similarity(p.title, {{title}}) >= {SIMILARITY_FLOOR}
            AND p.title <> '{ERASED}' AND {{title}} <> '{ERASED}'
          ORDER BY sim DESC, p.idea_id LIMIT 3) s)
"""

_FLAGS = """
       (SELECT count(*) FROM ideas.flags f WHERE f.idea_id = i.idea_id) AS flag_count,
       (SELECT coalesce(jsonb_object_agg(reason, n), '{}'::jsonb)
          FROM (SELECT reason, count(*) AS n FROM ideas.flags f
                 WHERE f.idea_id = i.idea_id GROUP BY reason) x) AS flag_reasons,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('flagger', f.flagger, 'reason', f.reason,
                   'note', f.note, 'flagged_at', f.flagged_at) ORDER BY f.flagged_at, f.flagger),
                   '[]'::jsonb) FROM ideas.flags f WHERE f.idea_id = i.idea_id) AS flags
"""

_QUEUE = f"""
SELECT * FROM (
SELECT 'idea' AS kind, i.idea_id, NULL::int AS revision, i.campaign_id, c.title AS campaign_title,
       i.title, i.body, i.tags, i.author, i.status, i.status_reason, i.status_at AS waiting_since,
       NULL::text AS published_title, NULL::text AS published_body, NULL::text[] AS published_tags,
       NULL::int AS published_revision, {_FLAGS}, {_SIMILAR.format(title="i.title")} AS similar
  FROM ideas.ideas i JOIN ideas.campaigns c USING (campaign_id)
 WHERE (i.status = 'pending' OR (i.status = 'hidden' AND i.status_by = 'flags')
        -- a published idea flagged since its last decision, before the flags hide it
        OR (i.status = 'published' AND EXISTS (SELECT 1 FROM ideas.flags f
             WHERE f.idea_id = i.idea_id AND f.flagged_at >= i.status_at)))
   AND ($1::uuid IS NULL OR i.campaign_id = $1)
UNION ALL
SELECT 'revision', i.idea_id, r.revision, i.campaign_id, c.title, r.title, r.body, r.tags,
       r.author, i.status, i.status_reason, r.revised_at, i.title, i.body, i.tags, i.revision,
       {_FLAGS}, {_SIMILAR.format(title="r.title")}
  FROM ideas.ideas i JOIN ideas.campaigns c USING (campaign_id)
  JOIN ideas.revisions r ON r.idea_id = i.idea_id AND r.revision = i.pending_revision
 WHERE i.pending_revision IS NOT NULL AND ($1::uuid IS NULL OR i.campaign_id = $1)
) q
 ORDER BY min(waiting_since) OVER (PARTITION BY campaign_id), campaign_id, waiting_since,
          idea_id, kind
 LIMIT $2
"""


async def moderation_queue(pool: asyncpg.Pool, campaign_id: uuid.UUID | None, *,
                           limit: int) -> list[dict[str, Any]]:
    """Ideas and revisions waiting for a moderator; campaigns with the longest wait first, then
    oldest first."""
    return [dict(r) for r in await pool.fetch(_QUEUE, campaign_id, limit)]


_LOG = """
SELECT * FROM (
SELECT 'idea' AS kind, d.event_id, d.idea_id, d.campaign_id, d.moderator, d.decision, d.reason,
       d.merge_into, NULL::int AS revision, NULL::uuid AS vote_event_id, d.decided_at,
       NULL::text[] AS flaggers
  FROM ideas.decisions d
UNION ALL
SELECT 'revision', r.event_id, r.idea_id, r.campaign_id, r.moderator, r.decision, r.reason,
       NULL, r.revision, NULL, r.decided_at, NULL
  FROM ideas.revision_decisions r
UNION ALL
SELECT 'auto_hide', h.event_id, h.idea_id, h.campaign_id, h.actor, 'hide', '', NULL, NULL,
       NULL, h.hidden_at, h.flaggers
  FROM ideas.auto_hides h
UNION ALL
SELECT 'vote', v.event_id, v.idea_id, v.campaign_id, v.moderator, v.decision, v.reason,
       NULL, NULL, v.vote_event_id, v.decided_at, NULL
  FROM ideas.vote_decisions v
UNION ALL
SELECT 'answer', a.event_id, a.idea_id, a.campaign_id, a.actor, a.state, a.reason, NULL, NULL,
       NULL, a.answered_at, NULL
  FROM ideas.answers a
) l LEFT JOIN LATERAL (SELECT title AS idea_title FROM ideas.ideas i
                        WHERE i.idea_id = l.idea_id) t ON true
 WHERE ($1::uuid IS NULL OR l.campaign_id = $1) AND ($2::uuid IS NULL OR l.idea_id = $2)
 ORDER BY l.decided_at DESC, l.event_id LIMIT $3 OFFSET $4
"""


async def moderation_log(pool: asyncpg.Pool, *, campaign_id: uuid.UUID | None,
                         idea_id: uuid.UUID | None, limit: int,
                         offset: int) -> list[dict[str, Any]]:
    """Every moderation decision (ideas, revisions, held votes) and every hide by flags."""
    rows = await pool.fetch(_LOG, campaign_id, idea_id, limit, offset)
    return [dict(r) for r in rows]


# personal data (right of access) -----------------------------------------------------------

async def personal_data(pool: asyncpg.Pool, participant: str) -> dict[str, list[dict[str, Any]]]:
    """Everything the ideas service holds that a participant wrote or that is about what they
    wrote: their ideas (every status), revisions, flags, withdrawals, and the moderators'
    decisions on their ideas and revisions."""
    async with pool.acquire() as conn:
        ideas = await conn.fetch(
            f"SELECT {_IDEA_COLS} FROM ideas.ideas WHERE author = $1"
            " ORDER BY submitted_at, idea_id", participant)
        revisions = await conn.fetch(
            "SELECT idea_id, revision, title, body, tags, revised_at, state FROM ideas.revisions"
            " WHERE author = $1 ORDER BY revised_at, idea_id, revision", participant)
        flags = await conn.fetch(
            "SELECT idea_id, reason, note, flagged_at FROM ideas.flags WHERE flagger = $1"
            " ORDER BY flagged_at, idea_id", participant)
        withdrawals = await conn.fetch(
            "SELECT idea_id, reason, withdrawn_at FROM ideas.withdrawals WHERE actor = $1"
            " ORDER BY withdrawn_at, idea_id", participant)
        decisions = await conn.fetch(
            "SELECT d.idea_id, NULL::int AS revision, d.decision, d.reason, d.moderator,"
            " d.merge_into, d.decided_at FROM ideas.decisions d"
            " JOIN ideas.ideas i USING (idea_id) WHERE i.author = $1"
            " UNION ALL"
            " SELECT r.idea_id, r.revision, r.decision, r.reason, r.moderator, NULL::uuid,"
            " r.decided_at FROM ideas.revision_decisions r"
            " JOIN ideas.ideas i USING (idea_id) WHERE i.author = $1"
            " UNION ALL"
            " SELECT a.idea_id, NULL::int, 'hide', 'hidden because participants flagged it',"
            " a.actor, NULL::uuid, a.hidden_at FROM ideas.auto_hides a"
            " JOIN ideas.ideas i USING (idea_id) WHERE i.author = $1"
            " ORDER BY decided_at, idea_id", participant)
    return {"ideas": [dict(r) for r in ideas], "revisions": [dict(r) for r in revisions],
            "flags": [dict(r) for r in flags], "withdrawals": [dict(r) for r in withdrawals],
            "moderation_decisions": [dict(r) for r in decisions]}


# official answers --------------------------------------------------------------------------

_ANSWER_COLS = ("state, reason, initiative_id, actor AS answered_by, answered_at")


async def current_answer(pool: asyncpg.Pool, idea_id: uuid.UUID) -> dict[str, Any] | None:
    """The idea's latest official answer (by when it was given)."""
    return _dict(await pool.fetchrow(
        f"SELECT {_ANSWER_COLS} FROM ideas.answers WHERE idea_id = $1"
        " ORDER BY answered_at DESC, event_id DESC LIMIT 1", idea_id))


async def current_answers(pool: asyncpg.Pool, idea_ids: list[uuid.UUID]
                          ) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT DISTINCT ON (idea_id) idea_id, {_ANSWER_COLS} FROM ideas.answers"
        " WHERE idea_id = ANY($1::uuid[]) ORDER BY idea_id, answered_at DESC, event_id DESC",
        idea_ids)
    return {r["idea_id"]: {k: v for k, v in dict(r).items() if k != "idea_id"} for r in rows}


async def unanswered_due(pool: asyncpg.Pool, campaign_id: uuid.UUID | None, *,
                         limit: int) -> list[dict[str, Any]]:
    """Ideas whose answer is due and that have no answer yet, soonest due first."""
    rows = await pool.fetch(
        "SELECT d.idea_id, d.campaign_id, c.title AS campaign_title, i.title, i.status,"
        " d.supports, d.threshold, d.reached_at, d.due, d.overdue_at"
        " FROM ideas.answers_due d JOIN ideas.campaigns c USING (campaign_id)"
        " JOIN ideas.ideas i USING (idea_id)"
        " WHERE NOT EXISTS (SELECT 1 FROM ideas.answers a WHERE a.idea_id = d.idea_id)"
        " AND ($1::uuid IS NULL OR d.campaign_id = $1)"
        " ORDER BY d.due, d.idea_id LIMIT $2", campaign_id, limit)
    return [dict(r) for r in rows]


async def passed_due(pool: asyncpg.Pool, now: datetime) -> list[dict[str, Any]]:
    """Due answers whose date has passed and that are not known to be overdue yet, with the
    first answer each idea was given (for `domain.answer_overdue`)."""
    rows = await pool.fetch(
        "SELECT d.idea_id, d.campaign_id, d.due, d.event_id,"
        " (SELECT min(a.answered_at) FROM ideas.answers a WHERE a.idea_id = d.idea_id)"
        "  AS answered_at"
        " FROM ideas.answers_due d WHERE d.due <= $1 AND d.overdue_at IS NULL"
        # narrowing only (those answered in time never become overdue, and would otherwise
        # be read on every tick): `domain.answer_overdue` decides
        " AND NOT EXISTS (SELECT 1 FROM ideas.answers a WHERE a.idea_id = d.idea_id"
        "  AND a.answered_at <= d.due)"
        " ORDER BY d.due, d.idea_id LIMIT 1000", now)
    return [dict(r) for r in rows]
