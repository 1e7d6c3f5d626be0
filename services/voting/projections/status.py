"""`status` -> what the voting service knows of campaigns, vote rules and idea statuses.

The voting service never reads the ideas service's tables: it follows `CampaignCreated`,
`VoteRulesChanged` and `IdeaStatusChanged`. A merge moves the counted votes of the merged idea to
its target, once per voter, under every vote partition's lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg
import structlog

from schemas import topics
from schemas.campaigns import CampaignCreated, VoteRulesChanged
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.infra.consumer import Message, Outcome
from services.voting.domain import MERGED_DUPLICATE
from services.voting.projections.votes import lock_partitions

log = structlog.get_logger(__name__)


class StatusProjection:
    name = "voting.status"
    schema = "voting"
    topics: Sequence[str] = (topics.STATUS.name,)
    dedupe = True

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        for m in messages:
            p, env = m.payload, m.envelope
            if isinstance(p, CampaignCreated):
                await conn.execute(
                    "INSERT INTO voting.campaigns (campaign_id, title, opens_at, closes_at,"
                    " created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    p.campaign_id, p.title, p.opens_at, p.closes_at, env.occurred_at)
                await self._rules(conn, p.campaign_id, env.event_id, None, p.vote_rules.mode,
                                  p.vote_rules.max_votes_per_participant)
            elif isinstance(p, VoteRulesChanged):
                await self._rules(conn, p.campaign_id, env.event_id, p.effective_from,
                                  p.vote_rules.mode, p.vote_rules.max_votes_per_participant)
            elif isinstance(p, IdeaStatusChanged):
                await self._idea_status(conn, m, p)
        return Outcome()  # other events on `status` are for other services

    async def _rules(self, conn: asyncpg.Connection, campaign_id: uuid.UUID,
                     event_id: uuid.UUID, effective_from: object, mode: str,
                     max_votes: int) -> None:
        await conn.execute(
            "INSERT INTO voting.vote_rules (campaign_id, event_id, effective_from, mode,"
            " max_votes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            campaign_id, event_id, effective_from, str(mode), max_votes)

    async def _idea_status(self, conn: asyncpg.Connection, m: Message,
                           p: IdeaStatusChanged) -> None:
        at = m.envelope.occurred_at
        merged_into = p.merged_into if p.status is IdeaStatus.MERGED else None
        await conn.execute(
            "INSERT INTO voting.idea_status (idea_id, event_id, occurred_at, status, merged_into)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            p.idea_id, m.envelope.event_id, at, p.status.value, merged_into)
        newest = await conn.fetchval(
            "INSERT INTO voting.ideas AS i (idea_id, campaign_id, title, status, merged_into,"
            " status_at) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (idea_id) DO UPDATE SET status = EXCLUDED.status,"
            " merged_into = EXCLUDED.merged_into, status_at = EXCLUDED.status_at,"
            " title = coalesce(EXCLUDED.title, i.title)"
            " WHERE i.status_at <= EXCLUDED.status_at RETURNING true",
            p.idea_id, p.campaign_id, p.title, p.status.value, merged_into, at)
        if newest and merged_into is not None:
            await self._merge(conn, p.idea_id, p.campaign_id)

    async def _merge(self, conn: asyncpg.Connection, idea_id: uuid.UUID,
                     campaign_id: uuid.UUID) -> None:
        target = idea_id
        seen = {idea_id}
        while True:
            nxt = await conn.fetchval(
                "SELECT merged_into FROM voting.ideas WHERE idea_id = $1 AND status = 'merged'",
                target)
            if nxt is None or nxt in seen:
                break
            seen.add(nxt)
            target = nxt
        if target == idea_id:
            return
        await lock_partitions(conn, range(topics.VOTES.partitions))
        # a voter who voted for both ideas keeps one vote: the one on the target
        await conn.execute(
            "UPDATE voting.votes v SET state = $3 WHERE v.state = 'counted' AND v.target_id = $1"
            " AND EXISTS (SELECT 1 FROM voting.votes w WHERE w.state = 'counted'"
            " AND w.target_id = $2 AND w.voter_id = v.voter_id)",
            idea_id, target, MERGED_DUPLICATE)
        await conn.execute(
            "UPDATE voting.votes SET target_id = $2 WHERE state = 'counted' AND target_id = $1",
            idea_id, target)
        await conn.execute(
            "INSERT INTO voting.tallies AS t (idea_id, campaign_id, supports, opposes)"
            " SELECT x.id, $2, count(v.event_id) FILTER (WHERE v.value > 0),"
            " count(v.event_id) FILTER (WHERE v.value < 0)"
            " FROM unnest($1::uuid[]) AS x(id)"
            " LEFT JOIN voting.votes v ON v.target_id = x.id AND v.state = 'counted'"
            " GROUP BY x.id ON CONFLICT (idea_id) DO UPDATE SET supports = EXCLUDED.supports,"
            " opposes = EXCLUDED.opposes, updated_at = now()",
            sorted([idea_id, target]), campaign_id)
        log.info("votes.moved_by_merge", idea=str(idea_id), target=str(target))
