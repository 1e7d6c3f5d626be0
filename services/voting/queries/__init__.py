"""Reads of the voting read model: tallies, rankings, a voter's votes, participation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from schemas.moderation import IdeaStatus
from services.voting import domain

# a pool or a connection: both have fetch, fetchrow and fetchval
Db = Any


async def campaign(db: Db, campaign_id: uuid.UUID) -> dict[str, Any] | None:
    row = await db.fetchrow(
        "SELECT campaign_id, title, opens_at, closes_at FROM voting.campaigns"
        " WHERE campaign_id = $1", campaign_id)
    return dict(row) if row else None


async def tally(db: Db, campaign_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every idea of the campaign with its supports, opposes, score and distinct voters."""
    rows = await db.fetch(
        "SELECT i.idea_id, i.title, i.status, i.merged_into,"
        " coalesce(t.supports, 0) AS supports, coalesce(t.opposes, 0) AS opposes"
        " FROM voting.ideas i LEFT JOIN voting.tallies t USING (idea_id)"
        " WHERE i.campaign_id = $1", campaign_id)
    out = []
    for r in rows:
        d = dict(r)
        d["score"] = d["supports"] - d["opposes"]
        d["voters"] = d["supports"] + d["opposes"]  # one active vote per voter per idea
        out.append(d)
    out.sort(key=lambda d: (-d["score"], -d["supports"], str(d["idea_id"])))
    return out


async def ranking(db: Db, campaign_id: uuid.UUID) -> list[dict[str, Any]]:
    """Published ideas by score (ties by supports, then id), numbered from 1."""
    ranked = [d for d in await tally(db, campaign_id)
              if domain.shown_publicly(IdeaStatus(d["status"]))]
    for n, d in enumerate(ranked, start=1):
        d["rank"] = n
    return ranked


async def known_ideas(db: Db, idea_ids: list[uuid.UUID]) -> int:
    return int(await db.fetchval(
        "SELECT count(*) FROM voting.ideas WHERE idea_id = ANY($1::uuid[])", idea_ids))


async def decided_votes(db: Db, campaign_id: uuid.UUID) -> dict[str, int]:
    """How many vote events of a campaign are decided (by state) and how many wait parked."""
    rows = await db.fetch(
        "SELECT state, count(*) AS n FROM voting.votes WHERE campaign_id = $1 GROUP BY state"
        " UNION ALL SELECT 'parked', count(*) FROM voting.parked WHERE campaign_id = $1",
        campaign_id)
    return {r["state"]: int(r["n"]) for r in rows}


async def my_votes(db: Db, voter_id: str, campaign_id: uuid.UUID,
                   at: datetime) -> dict[str, Any]:
    """A voter's votes in a campaign (counted or refused, with the reason) and budget left."""
    votes = await db.fetch(
        "SELECT event_id, kind, idea_id, target_id, value, occurred_at, state, reason"
        " FROM voting.votes WHERE voter_id = $1 AND campaign_id = $2"
        " ORDER BY occurred_at, event_id", voter_id, campaign_id)
    parked = await db.fetch(
        "SELECT event_id, idea_id, occurred_at FROM voting.parked"
        " WHERE voter_id = $1 AND campaign_id = $2 ORDER BY occurred_at", voter_id, campaign_id)
    rules = await db.fetchrow(
        "SELECT max_votes, mode FROM voting.vote_rules WHERE campaign_id = $1"
        " AND (effective_from IS NULL OR effective_from <= $2)"
        " ORDER BY effective_from DESC NULLS LAST, event_id LIMIT 1", campaign_id, at)
    counted = sum(1 for v in votes if v["state"] == domain.COUNTED)
    held = sum(1 for v in votes if v["state"] == domain.HELD)  # they use budget too
    return {
        "votes": [dict(v) for v in votes]
        + [{**dict(p), "state": "pending", "reason": None} for p in parked],
        "counted": counted,
        "held": held,
        "max_votes": rules["max_votes"] if rules else None,
        "remaining": max(rules["max_votes"] - counted - held, 0) if rules else None,
    }


async def held_vote(db: Db, event_id: uuid.UUID) -> dict[str, Any] | None:
    """A vote, with whether a moderator decided on it already (for a decision)."""
    row = await db.fetchrow(
        "SELECT v.event_id, v.voter_id, v.campaign_id, v.idea_id, v.state,"
        " EXISTS (SELECT 1 FROM voting.hold_decisions d WHERE d.vote_event_id = v.event_id)"
        " AS decided FROM voting.votes v WHERE v.event_id = $1 AND v.kind = 'cast'", event_id)
    return dict(row) if row else None


async def held_votes_by_id(db: Db, event_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The cast votes among `event_ids`, each with the id of its first moderator decision
    (`decision_id`, None while undecided)."""
    rows = await db.fetch(
        "SELECT v.event_id, v.voter_id, v.campaign_id, v.idea_id, v.state,"
        " (SELECT d.event_id FROM voting.hold_decisions d WHERE d.vote_event_id = v.event_id"
        "  ORDER BY d.decided_at, d.event_id LIMIT 1) AS decision_id"
        " FROM voting.votes v WHERE v.event_id = ANY($1::uuid[]) AND v.kind = 'cast'",
        event_ids)
    return [dict(r) for r in rows]


async def held_votes(db: Db, campaign_id: uuid.UUID | None, *, limit: int,
                     offset: int) -> list[dict[str, Any]]:
    """Votes held by the anomaly detector and not decided yet, oldest first (moderators)."""
    rows = await db.fetch(
        "SELECT v.event_id, v.voter_id, v.campaign_id, v.idea_id, i.title AS idea_title,"
        " v.value, v.occurred_at, v.client, v.reason FROM voting.votes v"
        " LEFT JOIN voting.ideas i USING (idea_id)"
        " WHERE v.state = 'held' AND ($1::uuid IS NULL OR v.campaign_id = $1)"
        " AND NOT EXISTS (SELECT 1 FROM voting.hold_decisions d"
        "  WHERE d.vote_event_id = v.event_id)"
        " ORDER BY v.occurred_at, v.event_id LIMIT $2 OFFSET $3", campaign_id, limit, offset)
    return [dict(r) for r in rows]


async def participation(db: Db, campaign_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Counted votes and distinct voters per hour, and per participant sector."""
    hourly = await db.fetch(
        "SELECT date_trunc('hour', occurred_at) AS hour, count(*) AS votes,"
        " count(DISTINCT voter_id) AS voters FROM voting.votes"
        " WHERE campaign_id = $1 AND kind = 'cast' AND state <> 'refused'"
        " GROUP BY 1 ORDER BY 1", campaign_id)
    sectors = await db.fetch(
        "SELECT coalesce(sector, 'unknown') AS sector, count(*) AS votes,"
        " count(DISTINCT voter_id) AS voters FROM voting.votes"
        " WHERE campaign_id = $1 AND kind = 'cast' AND state <> 'refused'"
        " GROUP BY 1 ORDER BY 1", campaign_id)
    return {"per_hour": [dict(r) for r in hourly], "per_sector": [dict(r) for r in sectors]}


async def selection_inputs(db: Db, campaign_id: uuid.UUID
                           ) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """The campaign's published ideas (id, title, cost, supports) and, per voter, the published
    ideas their counted votes support: what the selection rules and the export need."""
    ideas = await db.fetch(
        "SELECT i.idea_id, i.title, i.cost, coalesce(t.supports, 0) AS supports"
        " FROM voting.ideas i LEFT JOIN voting.tallies t USING (idea_id)"
        " WHERE i.campaign_id = $1 AND i.status = 'published'", campaign_id)
    ballots = await db.fetch(
        "SELECT v.voter_id, array_agg(v.target_id::text ORDER BY v.target_id) AS ideas"
        " FROM voting.votes v JOIN voting.ideas i ON i.idea_id = v.target_id"
        " WHERE v.campaign_id = $1 AND v.state = 'counted' AND v.value > 0"
        " AND i.status = 'published' GROUP BY v.voter_id ORDER BY v.voter_id", campaign_id)
    return [dict(r) for r in ideas], [[r["voter_id"], *r["ideas"]] for r in ballots]


async def selection_campaign(db: Db, campaign_id: uuid.UUID) -> dict[str, Any] | None:
    row = await db.fetchrow(
        "SELECT c.campaign_id, c.title, c.opens_at, c.closes_at, c.budget, c.min_votes_to_fund,"
        " (SELECT r.max_votes FROM voting.vote_rules r WHERE r.campaign_id = c.campaign_id"
        "  ORDER BY r.effective_from DESC NULLS LAST, r.event_id LIMIT 1) AS max_votes"
        " FROM voting.campaigns c WHERE c.campaign_id = $1", campaign_id)
    return dict(row) if row else None


async def personal_data(db: Db, voter_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every vote of a voter in every campaign, with its state (counted, held, refused, ...)
    and reason, the client fingerprint kept with it, moderators' decisions on their held votes,
    and votes still waiting for their idea."""
    votes = await db.fetch(
        "SELECT event_id, kind, campaign_id, idea_id, target_id, value, occurred_at, state,"
        " reason, client, decided_at FROM voting.votes WHERE voter_id = $1"
        " ORDER BY occurred_at, event_id", voter_id)
    holds = await db.fetch(
        "SELECT h.vote_event_id, h.decision, h.reason, h.moderator, h.decided_at"
        " FROM voting.hold_decisions h JOIN voting.votes v ON v.event_id = h.vote_event_id"
        " WHERE v.voter_id = $1 ORDER BY h.decided_at, h.event_id", voter_id)
    parked = await db.fetch(
        "SELECT event_id, campaign_id, idea_id, occurred_at FROM voting.parked"
        " WHERE voter_id = $1 ORDER BY occurred_at, event_id", voter_id)
    return {"votes": [dict(r) for r in votes], "hold_decisions": [dict(r) for r in holds],
            "waiting_votes": [dict(r) for r in parked]}


async def receipt_vote(db: Db, event_id: uuid.UUID) -> dict[str, Any] | None:
    """What the voting read model holds of one vote or withdrawal (for a receipt's holder):
    kind, campaign, idea, state and reason; `parked` when it waits for its campaign or idea."""
    row = await db.fetchrow(
        "SELECT kind, campaign_id, idea_id, state, reason, false AS parked FROM voting.votes"
        " WHERE event_id = $1 UNION ALL SELECT NULL, campaign_id, idea_id, NULL, NULL, true"
        " FROM voting.parked WHERE event_id = $1 LIMIT 1", event_id)
    return dict(row) if row else None


async def closed_between(db: Db, after: datetime, until: datetime) -> int:
    """How many campaigns closed in (after, until]."""
    return int(await db.fetchval(
        "SELECT count(*) FROM voting.campaigns WHERE closes_at > $1 AND closes_at <= $2",
        after, until))


async def what_if_due(db: Db, quiet_s: float, limit: int = 5) -> list[uuid.UUID]:
    """Closed campaigns whose inputs have settled (no vote decided, no hold decision and no idea
    status recorded in the last `quiet_s` seconds) with no what-if yet, or with one read before
    the last of those was recorded (votes that came in late, a held vote released, an idea
    merged after the close, a replay); most recently closed first."""
    rows = await db.fetch(
        "SELECT c.campaign_id FROM voting.campaigns c CROSS JOIN LATERAL (SELECT coalesce("
        " greatest((SELECT max(v.decided_at) FROM voting.votes v"
        "   WHERE v.campaign_id = c.campaign_id),"
        "  (SELECT max(h.recorded_at) FROM voting.hold_decisions h"
        "   JOIN voting.votes v ON v.event_id = h.vote_event_id"
        "   WHERE v.campaign_id = c.campaign_id),"
        "  (SELECT max(s.recorded_at) FROM voting.idea_status s"
        "   JOIN voting.ideas i USING (idea_id) WHERE i.campaign_id = c.campaign_id)),"
        " '-infinity') AS changed_at) x"
        " WHERE c.closes_at <= now()"
        " AND NOT EXISTS (SELECT 1 FROM voting.what_ifs w WHERE w.campaign_id = c.campaign_id"
        "  AND w.computed_at >= x.changed_at)"
        " AND x.changed_at <= now() - make_interval(secs => $1::float8)"
        " ORDER BY c.closes_at DESC LIMIT $2", quiet_s, limit)
    return [r["campaign_id"] for r in rows]


async def frozen_inputs(db: Db, campaign_id: uuid.UUID
                        ) -> tuple[dict[str, Any], list[dict[str, Any]], list[tuple[Any, ...]]]:
    """A closed campaign's budget and threshold (and `read_at`, when they were read, and
    `settled_at`, when its inputs were settled in the log: its close, or the last hold decision
    on its votes or status of its ideas after it), its published and merged ideas (id, cost,
    status), and every supporting vote that counts, is held or was set aside by a merge:
    (voter, idea, target, state, sector)."""
    campaign = await db.fetchrow(
        "SELECT c.campaign_id, c.closes_at, c.budget, c.min_votes_to_fund, now() AS read_at,"
        " greatest(c.closes_at, (SELECT max(h.decided_at) FROM voting.hold_decisions h"
        "  JOIN voting.votes v ON v.event_id = h.vote_event_id"
        "  WHERE v.campaign_id = c.campaign_id),"
        " (SELECT max(s.occurred_at) FROM voting.idea_status s JOIN voting.ideas i"
        "  USING (idea_id) WHERE i.campaign_id = c.campaign_id)) AS settled_at"
        " FROM voting.campaigns c WHERE c.campaign_id = $1", campaign_id)
    ideas = await db.fetch(
        "SELECT idea_id, cost, status FROM voting.ideas WHERE campaign_id = $1"
        " AND status IN ('published', 'merged')", campaign_id)
    votes = await db.fetch(
        "SELECT v.voter_id, v.idea_id::text, coalesce(v.target_id, v.idea_id)::text, v.state,"
        " v.sector FROM voting.votes v JOIN voting.ideas i ON i.idea_id = v.idea_id"
        " WHERE v.campaign_id = $1 AND v.kind = 'cast' AND v.value > 0"
        " AND v.state IN ('counted', 'held', 'merged_duplicate')"
        " AND i.status IN ('published', 'merged')", campaign_id)
    return dict(campaign) if campaign else {}, [dict(r) for r in ideas], \
        [tuple(r.values()) for r in votes]


async def what_if(db: Db, campaign_id: uuid.UUID) -> dict[str, Any] | None:
    row = await db.fetchrow(
        "SELECT computed_at, votes, seconds, result FROM voting.what_ifs WHERE campaign_id = $1",
        campaign_id)
    return dict(row) if row else None


async def idea_titles(db: Db, campaign_id: uuid.UUID) -> dict[str, str | None]:
    """The titles of a campaign's published ideas (others: None, not shown)."""
    rows = await db.fetch(
        "SELECT idea_id::text AS idea_id, CASE WHEN status = 'published' THEN title END AS title"
        " FROM voting.ideas WHERE campaign_id = $1", campaign_id)
    return {r["idea_id"]: r["title"] for r in rows}
