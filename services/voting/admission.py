"""What the HTTP edge needs to admit a vote request (the idea, the ideas it was merged into, its
campaign), kept in memory per gateway process instead of read for every request.

Kept current by the process's `StatusFeed`: every `status` event of a type in `INPUTS` drops the
entries that involve any id it names, and those ids stay unsettled until the voting service has
applied the event (its id is in `voting.applied_events`). A miss, or an entry involving an
unsettled id, reads the voting read model as before; the answer is kept only when nothing it
involves is unsettled and no such status event arrived while it was read. Without a live feed
nothing is kept. The worker judges every vote again, so the edge's check only decides between
202 and an early 4xx.
"""

from __future__ import annotations

import uuid

import asyncpg

from schemas.campaigns import CampaignChanged, CampaignCreated, VoteRulesChanged
from schemas.identity import ParticipantErased
from schemas.moderation import IdeaRevisionPublished, IdeaStatusChanged
from services.infra import db
from services.infra.feed import StatusFeed
from services.voting import domain, projections

Admission = tuple[dict[uuid.UUID, domain.Idea], domain.Campaign | None]
# The status events that change what an admission is read from (the voting service's campaigns,
# vote rules, ideas and idea statuses): the cache listens to these only. Others, such as the
# `tally.changed` the voting worker publishes with every batch while votes arrive, would empty
# the cache and keep it from filling again.
INPUTS = frozenset(payload.__event_type__ for payload in (
    CampaignCreated, CampaignChanged, VoteRulesChanged, IdeaStatusChanged, IdeaRevisionPublished,
    ParticipantErased))
LIMIT = 50_000  # entries kept at most (an entry is a few ideas and a campaign)


class AdmissionCache:
    def __init__(self, pool: asyncpg.Pool, feed: StatusFeed | None) -> None:
        self.pool = pool
        self.feed = feed
        self.entries: dict[uuid.UUID, tuple[frozenset[uuid.UUID], Admission]] = {}
        self.unsettled: dict[uuid.UUID, uuid.UUID] = {}  # id named -> the last event naming it
        self.events_seen = 0

    def status_event(self, event_id: uuid.UUID, ids: set[uuid.UUID]) -> None:
        self.events_seen += 1
        for i in ids:
            self.unsettled[i] = event_id
        for key in [k for k, (involved, _) in self.entries.items() if involved & ids]:
            del self.entries[key]

    async def admission(self, idea_id: uuid.UUID) -> Admission:
        live = self.feed is not None and self.feed.live
        hit = self.entries.get(idea_id)
        if live and hit is not None:
            return hit[1]
        seen = self.events_seen
        async with self.pool.acquire() as conn:
            ideas = await projections.load_ideas(conn, {idea_id})
            idea = ideas.get(idea_id)
            campaign = None if idea is None else (await projections.load_campaigns(
                conn, {idea.campaign_id})).get(idea.campaign_id)
        involved = frozenset({*ideas, *([idea.campaign_id] if idea else []), idea_id})
        for i in involved & self.unsettled.keys():
            event_id = self.unsettled.get(i)  # another request may have settled it meanwhile
            if event_id is None:
                continue
            if await db.event_applied(self.pool, "voting", event_id) \
                    and self.unsettled.get(i) == event_id:
                del self.unsettled[i]
        if (live and self.feed is not None and self.feed.live and seen == self.events_seen
                and not involved & self.unsettled.keys() and idea is not None
                and campaign is not None):
            if len(self.entries) >= LIMIT:
                self.entries.clear()
            self.entries[idea_id] = (involved, (ideas, campaign))
        return ideas, campaign
