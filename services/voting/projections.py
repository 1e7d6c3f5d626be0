"""All SQL of the voting worker: the read model's writes and the loads the vote judge needs.

Votes and tallies (the hot path) are written set-based, per batch: `load_state` gives the counted
votes of the batch's voters and the campaigns and ideas it names, `domain.judge` decides, and
`write_judgement` stores the result with COPY and `unnest`, in the runner's transaction.
Campaigns, vote rules and idea statuses (low rate) come from `status`.

Votes of one partition are serialised with a transaction-level advisory lock per partition, taken
by the vote batches, by the retry of parked votes, and (all partitions) by a merge that moves
votes to another idea.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from schemas.campaigns import VoteMode
from schemas.common import Sector
from schemas.moderation import IdeaStatus
from services.infra import vault
from services.voting import domain

LOCK_SPACE = 7_401  # first key of the (int, int) advisory locks: (LOCK_SPACE, partition)

VOTE_COLUMNS = ["event_id", "kind", "voter_id", "campaign_id", "idea_id", "target_id", "value",
                "occurred_at", "sector", "state", "reason", "client"]
# what a tally write returns: the idea's figures after it, for `TallyChanged`
TALLY_CHANGE = "t.idea_id, t.campaign_id, t.supports, t.opposes"
# Every tally write returns its figures to be published as `TallyChanged` in the same
# transaction, so it marks them published as it writes them (`announce_unpublished_tallies`).
_PUBLISHED_ADDED = ("published_supports = t.supports + EXCLUDED.supports,"
                    " published_opposes = t.opposes + EXCLUDED.opposes")
_PUBLISHED_SET = ("published_supports = EXCLUDED.supports,"
                  " published_opposes = EXCLUDED.opposes")


async def lock_partitions(conn: asyncpg.Connection, partitions: Iterable[int]) -> None:
    for p in sorted(set(partitions)):
        await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, p)


async def load_state(
    conn: asyncpg.Connection, votes: Sequence[domain.Vote], window: timedelta | None = None,
) -> tuple[dict[str, list[domain.ActiveVote]], dict[uuid.UUID, domain.Campaign],
           dict[uuid.UUID, domain.Idea], list[domain.StoredClientVote]]:
    """The counted and held votes of the batch's voters, the campaigns and ideas the batch
    names, and (with the holds' `window`) the stored votes of the batch's clients around it."""
    voters = list({v.voter_id for v in votes})
    active: dict[str, list[domain.ActiveVote]] = {}
    for r in await conn.fetch(
        "SELECT voter_id, event_id, campaign_id, target_id, value, state FROM voting.votes"
        " WHERE voter_id = ANY($1::text[]) AND state IN ('counted', 'held')", voters,
    ):
        active.setdefault(r["voter_id"], []).append(
            domain.ActiveVote(r["event_id"], r["campaign_id"], r["target_id"], r["value"],
                              held=r["state"] == domain.HELD))
    campaigns = await load_campaigns(conn, {v.campaign_id for v in votes})
    ideas = await load_ideas(conn, {v.idea_id for v in votes})
    return active, campaigns, ideas, await load_client_votes(conn, votes, window)


async def load_client_votes(conn: asyncpg.Connection, votes: Sequence[domain.Vote],
                            window: timedelta | None) -> list[domain.StoredClientVote]:
    """Stored, not refused, API casts of the batch's clients or campaigns within `window` of
    the batch's API votes."""
    with_client = [v for v in votes if v.client]
    if window is None or not with_client:
        return []
    rows = await conn.fetch(
        "SELECT v.event_id, v.client, v.occurred_at, v.state, v.campaign_id, v.target_id,"
        " v.value, v.voter_id, v.reason FROM voting.votes v"
        " WHERE (v.client = ANY($1::text[]) OR v.campaign_id = ANY($4::uuid[]))"
        " AND v.client IS NOT NULL AND v.kind = 'cast'"
        " AND v.state <> 'refused' AND v.occurred_at BETWEEN $2 AND $3",
        list({v.client for v in with_client}),
        min(v.occurred_at for v in with_client) - window,
        max(v.occurred_at for v in with_client) + window,
        list({v.campaign_id for v in with_client}))
    return [domain.StoredClientVote(r["event_id"], r["client"], r["occurred_at"], r["state"],
                                    r["campaign_id"], r["target_id"], r["value"],
                                    r["voter_id"], r["reason"])
            for r in rows]


async def first_seen(conn: asyncpg.Connection, voters: Iterable[str]) -> dict[str, datetime]:
    """Each voter's earliest stored vote, in any campaign (who is a new account)."""
    rows = await conn.fetch(
        "SELECT voter_id, min(occurred_at) AS first FROM voting.votes"
        " WHERE voter_id = ANY($1::text[]) GROUP BY voter_id", list(set(voters)))
    return {r["voter_id"]: r["first"] for r in rows}


async def load_campaigns(conn: asyncpg.Connection, ids: set[uuid.UUID]
                         ) -> dict[uuid.UUID, domain.Campaign]:
    rows = await conn.fetch(
        "SELECT c.campaign_id, c.opens_at, c.closes_at, c.audience, r.effective_from, r.mode,"
        " r.max_votes"
        " FROM voting.campaigns c JOIN voting.vote_rules r USING (campaign_id)"
        " WHERE c.campaign_id = ANY($1::uuid[])"
        " ORDER BY c.campaign_id, r.effective_from NULLS FIRST, r.event_id", list(ids),
    )
    grouped: dict[uuid.UUID, list[Any]] = {}
    for r in rows:
        grouped.setdefault(r["campaign_id"], []).append(r)
    return {
        cid: domain.Campaign(
            cid, rs[0]["opens_at"], rs[0]["closes_at"],
            tuple(domain.Rules(r["effective_from"], VoteMode(r["mode"]), r["max_votes"])
                  for r in rs),
            frozenset(Sector(a) for a in rs[0]["audience"]) if rs[0]["audience"]
            else frozenset(Sector),
        )
        for cid, rs in grouped.items()
    }


async def load_ideas(conn: asyncpg.Connection, ids: set[uuid.UUID]
                     ) -> dict[uuid.UUID, domain.Idea]:
    """The named ideas and, following merges, the ideas they were merged into."""
    ideas: dict[uuid.UUID, domain.Idea] = {}
    wanted = set(ids)
    for _ in range(10):  # merge chains are short; the bound only guards against cycles
        if not wanted:
            break
        rows = await conn.fetch(
            "SELECT i.idea_id, i.campaign_id, s.occurred_at, s.status, s.merged_into"
            " FROM voting.ideas i JOIN voting.idea_status s USING (idea_id)"
            " WHERE i.idea_id = ANY($1::uuid[]) ORDER BY i.idea_id, s.occurred_at, s.event_id",
            list(wanted),
        )
        history: dict[uuid.UUID, list[domain.StatusChange]] = {}
        campaign_of: dict[uuid.UUID, uuid.UUID] = {}
        for r in rows:
            campaign_of[r["idea_id"]] = r["campaign_id"]
            history.setdefault(r["idea_id"], []).append(
                domain.StatusChange(r["occurred_at"], IdeaStatus(r["status"]), r["merged_into"]))
        for iid, changes in history.items():
            ideas[iid] = domain.Idea(iid, campaign_of[iid], tuple(changes))
        wanted = {i.merged_into for i in ideas.values() if i.merged_into} - set(ideas)
    return ideas


async def write_judgement(conn: asyncpg.Connection, j: domain.Judgement,
                          sources: dict[uuid.UUID, tuple[str, int, int, bytes]]
                          ) -> list[asyncpg.Record]:
    """Store verdicts, superseded states, tally deltas and parked votes of one batch; return
    the tallies it changed (idea_id, campaign_id, supports, opposes), as they are now. Those
    figures are marked published: the caller publishes them in this transaction."""
    if j.verdicts:
        await conn.copy_records_to_table(
            "votes", schema_name="voting", columns=VOTE_COLUMNS,
            records=[(v.vote.event_id, v.vote.kind, v.vote.voter_id, v.vote.campaign_id,
                      v.vote.idea_id, v.target_id, v.vote.value, v.vote.occurred_at,
                      v.vote.sector, v.state, v.reason, v.vote.client) for v in j.verdicts],
        )
    if j.superseded:
        await conn.execute(
            "UPDATE voting.votes v SET state = x.state, reason = coalesce(x.reason, v.reason)"
            " FROM unnest($1::uuid[], $2::text[], $3::text[])"
            " AS x(id, state, reason) WHERE v.event_id = x.id",
            list(j.superseded), list(j.superseded.values()),
            [j.hold_reasons.get(i) for i in j.superseded],
        )
    deltas = sorted((k, d) for k, d in j.deltas.items() if d != [0, 0])
    changed: list[asyncpg.Record] = []
    if deltas:
        changed = await conn.fetch(
            "INSERT INTO voting.tallies AS t (idea_id, campaign_id, supports, opposes,"
            " published_supports, published_opposes)"
            " SELECT i, c, s, o, s, o FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[])"
            " AS x(i, c, s, o)"
            " ON CONFLICT (idea_id) DO UPDATE SET supports = t.supports + EXCLUDED.supports,"
            " opposes = t.opposes + EXCLUDED.opposes, updated_at = now(),"
            f" {_PUBLISHED_ADDED} RETURNING {TALLY_CHANGE}",
            [k[1] for k, _ in deltas], [k[0] for k, _ in deltas],
            [d[0] for _, d in deltas], [d[1] for _, d in deltas],
        )
    if j.parked:
        await conn.copy_records_to_table(
            "parked", schema_name="voting",
            columns=["event_id", "topic", "partition", "offset", "raw", "why", "voter_id",
                     "campaign_id", "idea_id", "occurred_at"],
            records=[(v.event_id, *sources[v.event_id], why, v.voter_id, v.campaign_id,
                      v.idea_id, v.occurred_at) for v, why in j.parked],
        )
    return changed


async def unpublished_tallies(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """The tallies whose figures differ from those last published (see `write_judgement`),
    marked published now: the caller publishes them in this transaction. Locked in the order
    the tally writes lock them: a vote batch that changes one waits for this transaction, and
    one that changed one before is committed (and published, and marked) first."""
    return list(await conn.fetch(
        "WITH due AS (SELECT idea_id FROM voting.tallies"
        "  WHERE (supports, opposes) IS DISTINCT FROM (published_supports, published_opposes)"
        "  ORDER BY campaign_id, idea_id FOR UPDATE)"
        " UPDATE voting.tallies t SET published_supports = t.supports,"
        " published_opposes = t.opposes FROM due WHERE t.idea_id = due.idea_id"
        f" RETURNING {TALLY_CHANGE}"))


async def already_stored(conn: asyncpg.Connection, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The votes among `event_ids` that are decided or parked already (a redelivery)."""
    rows = await conn.fetch(
        "SELECT event_id FROM voting.votes WHERE event_id = ANY($1::uuid[])"
        " UNION ALL SELECT event_id FROM voting.parked WHERE event_id = ANY($1::uuid[])",
        event_ids)
    return {r["event_id"] for r in rows}


# -- parked votes: those naming a campaign or idea not known yet

_READY = (
    "(EXISTS (SELECT 1 FROM voting.campaigns c WHERE c.campaign_id = p.campaign_id)"
    " AND EXISTS (SELECT 1 FROM voting.ideas i WHERE i.idea_id = p.idea_id))"
)
_EXPIRED = "(p.parked_at < now() - make_interval(secs => $1))"


async def lock_parked(conn: asyncpg.Connection, park_seconds: float, every: int = 0) -> bool:
    """Lock the partitions holding parked votes that are ready or expired (or, with `every`,
    all that many partitions, in order); False if none."""
    partitions = [r["partition"] for r in await conn.fetch(
        f"SELECT DISTINCT partition FROM voting.parked p WHERE {_READY} OR {_EXPIRED}",
        park_seconds)]
    if partitions:
        await lock_partitions(conn, range(every) if every else partitions)
    return bool(partitions)


async def parked_due(conn: asyncpg.Connection, park_seconds: float, limit: int
                     ) -> list[asyncpg.Record]:
    """Parked votes whose campaign and idea are now known, or that waited too long (`expired`)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT p.*, {_EXPIRED} AS expired FROM voting.parked p"
        f" WHERE {_READY} OR {_EXPIRED} ORDER BY occurred_at, event_id LIMIT $2",
        park_seconds, limit,
    )
    return rows


async def unpark(conn: asyncpg.Connection, event_ids: list[uuid.UUID]) -> None:
    await conn.execute("DELETE FROM voting.parked WHERE event_id = ANY($1::uuid[])", event_ids)


# -- campaigns, vote rules and idea statuses, from `status`

async def insert_campaign(conn: asyncpg.Connection, campaign_id: uuid.UUID, title: str,
                          opens_at: datetime, closes_at: datetime, created_at: datetime,
                          audience: list[str], budget: int | None = None,
                          min_votes_to_fund: int | None = None) -> None:
    await conn.execute(
        "INSERT INTO voting.campaigns (campaign_id, title, opens_at, closes_at,"
        " created_at, audience, budget, min_votes_to_fund) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT DO NOTHING",
        campaign_id, title, opens_at, closes_at, created_at, audience, budget, min_votes_to_fund)


# the settings of `campaign.changed` the voting service keeps, and their columns here
CAMPAIGN_COLUMNS = ("title", "opens_at", "closes_at", "audience", "budget", "min_votes_to_fund")


async def change_campaign(conn: asyncpg.Connection, campaign_id: uuid.UUID,
                          values: dict[str, Any]) -> bool:
    """Set the campaign's changed settings (`CAMPAIGN_COLUMNS` only); False when no such
    campaign is known here."""
    columns = [c for c in CAMPAIGN_COLUMNS if c in values]
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=2)) or "title = title"
    return await conn.fetchval(
        f"UPDATE voting.campaigns SET {sets} WHERE campaign_id = $1 RETURNING true",
        campaign_id, *[values[c] for c in columns]) is not None


async def set_idea_title(conn: asyncpg.Connection, idea_id: uuid.UUID, campaign_id: uuid.UUID,
                         title: str, at: datetime, title_key: uuid.UUID | None = None) -> None:
    """The idea's approved title (from `IdeaRevisionPublished`); the newest approval wins.
    `title_key`: the vault key it was sealed under."""
    await conn.execute(
        "UPDATE voting.ideas SET title = $2, title_at = $3, title_key = $4 WHERE idea_id = $1"
        " AND (title_at IS NULL OR title_at <= $3)", idea_id, title, at, title_key)


async def erase_titles(conn: asyncpg.Connection) -> int:
    """Overwrite every title whose vault key is gone (its author was erased)."""
    return int(await conn.fetchval(
        "WITH erased AS (UPDATE voting.ideas SET title = $1"
        f" WHERE title IS DISTINCT FROM $1 AND {vault.key_gone_sql('title_key')}"
        " RETURNING 1) SELECT count(*) FROM erased", vault.ERASED))


# -- held votes and moderators' decisions on them

async def add_hold_decisions(conn: asyncpg.Connection,
                             rows: list[tuple[uuid.UUID, uuid.UUID, str, str, str, datetime]]
                             ) -> None:
    await conn.executemany(
        "INSERT INTO voting.hold_decisions (event_id, vote_event_id, decision, reason,"
        " moderator, decided_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", rows)


async def apply_hold_decisions(conn: asyncpg.Connection, vote_ids: list[uuid.UUID]
                               ) -> tuple[int, list[asyncpg.Record]]:
    """Held votes among `vote_ids` with a decision are released (counted, as judged when cast)
    or discarded; the tallies follow. The first decision on a vote is the one that counts.
    Returns how many votes changed, and the tallies changed (see `write_judgement`)."""
    if not vote_ids:
        return 0, []
    rows = await conn.fetch(
        "WITH d AS (SELECT DISTINCT ON (vote_event_id) vote_event_id, decision"
        "  FROM voting.hold_decisions WHERE vote_event_id = ANY($1::uuid[])"
        "  ORDER BY vote_event_id, decided_at, event_id),"
        " changed AS (UPDATE voting.votes v SET state = CASE d.decision"
        "   WHEN 'release' THEN 'counted' ELSE 'discarded' END"
        "  FROM d WHERE v.event_id = d.vote_event_id AND v.state = 'held'"
        "  RETURNING v.target_id, v.campaign_id, v.value, v.state)"
        " SELECT target_id, campaign_id, value, state FROM changed", vote_ids)
    released: dict[tuple[uuid.UUID, uuid.UUID], list[int]] = {}
    for r in rows:
        if r["state"] == domain.COUNTED:
            d = released.setdefault((r["campaign_id"], r["target_id"]), [0, 0])
            d[0 if r["value"] > 0 else 1] += 1
    changed: list[asyncpg.Record] = []
    if released:
        changed = await write_judgement(conn, domain.Judgement(deltas=released), {})
    return len(rows), changed


async def insert_rules(conn: asyncpg.Connection, campaign_id: uuid.UUID, event_id: uuid.UUID,
                       effective_from: datetime | None, mode: str, max_votes: int) -> None:
    await conn.execute(
        "INSERT INTO voting.vote_rules (campaign_id, event_id, effective_from, mode,"
        " max_votes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        campaign_id, event_id, effective_from, mode, max_votes)


async def record_idea_status(conn: asyncpg.Connection, idea_id: uuid.UUID,
                             campaign_id: uuid.UUID, event_id: uuid.UUID, at: datetime,
                             status: str, merged_into: uuid.UUID | None,
                             title: str | None, cost: int | None = None,
                             title_key: uuid.UUID | None = None) -> bool:
    """Add a status to the idea's history; True when it is the idea's newest status."""
    await conn.execute(
        "INSERT INTO voting.idea_status (idea_id, event_id, occurred_at, status, merged_into)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        idea_id, event_id, at, status, merged_into)
    newest = await conn.fetchval(
        "INSERT INTO voting.ideas AS i (idea_id, campaign_id, title, status, merged_into,"
        " status_at, cost, title_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (idea_id) DO UPDATE SET status = EXCLUDED.status,"
        " merged_into = EXCLUDED.merged_into, status_at = EXCLUDED.status_at,"
        " title = coalesce(EXCLUDED.title, i.title), cost = coalesce(EXCLUDED.cost, i.cost),"
        " title_key = CASE WHEN EXCLUDED.title IS NULL THEN i.title_key"
        " ELSE EXCLUDED.title_key END"
        " WHERE i.status_at <= EXCLUDED.status_at RETURNING true",
        idea_id, campaign_id, title, status, merged_into, at, cost, title_key)
    return bool(newest)


async def merged_into(conn: asyncpg.Connection, idea_id: uuid.UUID) -> uuid.UUID | None:
    """The idea `idea_id` is merged into now, if it is merged."""
    target: uuid.UUID | None = await conn.fetchval(
        "SELECT merged_into FROM voting.ideas WHERE idea_id = $1 AND status = 'merged'", idea_id)
    return target


async def move_votes(conn: asyncpg.Connection, idea_id: uuid.UUID, target: uuid.UUID,
                     campaign_id: uuid.UUID, partitions: int) -> list[asyncpg.Record]:
    """Counted votes of a merged idea count for its target, once per voter; both tallies are
    recomputed and returned (see `write_judgement`). Holds every vote partition's lock."""
    await lock_partitions(conn, range(partitions))
    # a voter who voted for both ideas keeps one vote: the one on the target
    await conn.execute(
        "UPDATE voting.votes v SET state = $3 WHERE v.state = 'counted' AND v.target_id = $1"
        " AND EXISTS (SELECT 1 FROM voting.votes w WHERE w.state = 'counted'"
        " AND w.target_id = $2 AND w.voter_id = v.voter_id)",
        idea_id, target, domain.MERGED_DUPLICATE)
    await conn.execute(
        "UPDATE voting.votes SET target_id = $2 WHERE state = 'counted' AND target_id = $1",
        idea_id, target)
    return list(await conn.fetch(
        "INSERT INTO voting.tallies AS t (idea_id, campaign_id, supports, opposes,"
        " published_supports, published_opposes)"
        " SELECT id, $2, s, o, s, o FROM (SELECT x.id,"
        " count(v.event_id) FILTER (WHERE v.value > 0) AS s,"
        " count(v.event_id) FILTER (WHERE v.value < 0) AS o"
        " FROM unnest($1::uuid[]) AS x(id)"
        " LEFT JOIN voting.votes v ON v.target_id = x.id AND v.state = 'counted'"
        " GROUP BY x.id) AS counted ORDER BY id"
        " ON CONFLICT (idea_id) DO UPDATE SET supports = EXCLUDED.supports,"
        f" opposes = EXCLUDED.opposes, updated_at = now(), {_PUBLISHED_SET}"
        f" RETURNING {TALLY_CHANGE}",
        sorted([idea_id, target]), campaign_id))


async def client_key(pool: asyncpg.Pool, day: date, new_secret: bytes, destroy_before: date
                     ) -> bytes:
    """The key of `day`'s client fingerprints (`domain/clients.py`), made from `new_secret` on
    the day's first use; the keys of days before `destroy_before` are destroyed first."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM voting.client_keys WHERE day < $1", destroy_before)
        await conn.execute("INSERT INTO voting.client_keys (day, secret) VALUES ($1, $2)"
                           " ON CONFLICT (day) DO NOTHING", day, new_secret)
        key: bytes = await conn.fetchval(
            "SELECT secret FROM voting.client_keys WHERE day = $1", day)
        return key


async def destroy_client_keys(pool: asyncpg.Pool, destroy_before: date) -> int:
    """Destroy the fingerprint keys of days before `destroy_before`; returns how many."""
    status = await pool.execute("DELETE FROM voting.client_keys WHERE day < $1", destroy_before)
    return int(status.split()[-1])


async def store_what_if(conn: Any, campaign_id: uuid.UUID, votes: int, seconds: float,
                        result: dict[str, Any], read_at: datetime,
                        settled_at: datetime | None = None, event_id: uuid.UUID | None = None
                        ) -> tuple[bool, uuid.UUID | None]:
    """Keep a campaign's what-if, computed from what was recorded at `read_at` (a later one
    replaces it), with the event that announces it. Returns whether it was stored and the
    event of the one it replaced."""
    row = await conn.fetchrow(
        "WITH before AS (SELECT event_id FROM voting.what_ifs WHERE campaign_id = $1)"
        " INSERT INTO voting.what_ifs (campaign_id, votes, seconds, result, computed_at,"
        " settled_at, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (campaign_id) DO UPDATE"
        " SET votes = EXCLUDED.votes, seconds = EXCLUDED.seconds, result = EXCLUDED.result,"
        " computed_at = EXCLUDED.computed_at, settled_at = EXCLUDED.settled_at,"
        " event_id = EXCLUDED.event_id"
        " WHERE voting.what_ifs.computed_at < EXCLUDED.computed_at"
        " RETURNING (SELECT event_id FROM before) AS before",
        campaign_id, votes, seconds, result, read_at, settled_at, event_id)
    return row is not None, (row["before"] if row is not None else None)
