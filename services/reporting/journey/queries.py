"""Reads for one idea's journey (`domain.journey`): its campaign with every idea's events, its
answers and adoptions, the plan years it was adopted into, the votes counted at the close by the
one formula (`queries.latest_votes`), day by day, and the campaign's latest replay under other
rules."""

from __future__ import annotations

import uuid
from datetime import datetime

from schemas.campaigns import CampaignCreated, VoteTimes
from services.reporting import queries
from services.reporting.domain.journey import JourneyInputs, Replay, VoteDay
from services.reporting.queries import Db

_JOURNEY_TYPES = [*queries.IDEA_TYPES, "moderation.decided", "idea.answered"]
_LOCAL_DAY = "(occurred_at AT TIME ZONE 'Europe/Copenhagen')::date"


async def journey_inputs(db: Db, idea_id: uuid.UUID, now: datetime) -> JourneyInputs | None:
    """What the idea's journey is assembled from; None for an idea reporting never heard of."""
    campaign = await db.fetchval(
        "SELECT payload->>'campaign_id' FROM reporting.events WHERE type = ANY($1::text[])"
        " AND payload->>'idea_id' = $2 LIMIT 1", _JOURNEY_TYPES, str(idea_id))
    if campaign is None:
        return None
    rows = list(await db.fetch(
        f"SELECT {queries.FACT_COLUMNS} FROM reporting.events"
        " WHERE payload->>'campaign_id' = $1"
        " AND (type LIKE 'campaign.%' OR type = ANY($2::text[]))", campaign, _JOURNEY_TYPES))
    for year in await db.fetch(
            "SELECT DISTINCT year FROM reporting.events WHERE type = 'progress.idea_adopted'"
            " AND payload->>'idea_id' = $1 AND year IS NOT NULL", str(idea_id)):
        rows += await db.fetch(
            f"SELECT {queries.FACT_COLUMNS} FROM reporting.events WHERE year = $1", year["year"])
    unique = {r["event_id"]: r for r in rows}
    found = tuple(queries.fact(r) for r in unique.values())
    cid = uuid.UUID(campaign)
    created = next((f.payload for f in found if isinstance(f.payload, CampaignCreated)), None)
    closes = min(created.closes_at, now) if created is not None else now
    at_close = {r["i"]: int(r["v"]) for r in await db.fetch(
        "SELECT idea_id::text AS i, sum(value)::bigint AS v FROM ("
        + queries.latest_votes("campaign_id = $1 AND occurred_at < $2") + ") AS l GROUP BY 1",
        cid, closes)}
    days: tuple[VoteDay, ...] = ()
    if created is not None and created.vote_times is VoteTimes.RECORDED:
        # the counted votes at the end of each day, by the one formula (`_latest_votes`)
        days = tuple(VoteDay(r["d"], int(r["cast"]), int(r["total"])) for r in await db.fetch(
            f"SELECT d, (SELECT count(*) FROM reporting.votes WHERE idea_id = $1"
            f"  AND value <> 0 AND occurred_at < $2 AND {_LOCAL_DAY} = d) AS cast,"
            " (SELECT coalesce(sum(value), 0) FROM ("
            + queries.latest_votes("idea_id = $1 AND occurred_at < least($2, (d + 1)::timestamp"
                            " AT TIME ZONE 'Europe/Copenhagen')") + ") AS l) AS total"
            f" FROM (SELECT DISTINCT {_LOCAL_DAY} AS d FROM reporting.votes"
            "  WHERE idea_id = $1 AND occurred_at < $2) AS days ORDER BY d", idea_id, closes))
    replay = (await queries.what_ifs_before(db, now)).get(campaign)
    return JourneyInputs(
        idea_id=idea_id, facts=found, votes_at_close=at_close, vote_days=days,
        replay=Replay(replay.event_id, replay.occurred_at, replay.what_if) if replay else None,
        now=now)
