"""What the ideas worker does on a clock: open and close campaigns, give up on parked submissions,
say when a promised answer was not given in time.

Campaign transitions carry ids derived from the campaign id and the time of the transition, so a
restart or a second worker that announces the same transition again publishes a duplicate that
every consumer ignores, while a transition moved by a change of the campaign (`campaign.changed`)
is a new one.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import structlog

from schemas.campaigns import CampaignClosed, CampaignOpened
from schemas.envelope import Envelope, derived_id
from schemas.participation import IdeaAnswerOverdue
from services.ideas import queries
from services.ideas.answers import overdue_id
from services.ideas.domain import answer_overdue
from services.ideas.handlers import SYSTEM_ACTOR
from services.infra.kafka import EventProducer

log = structlog.get_logger(__name__)

CONSUMER = "ideas"


def transition_id(campaign_id: uuid.UUID, what: str, at: datetime) -> uuid.UUID:
    """The id of a campaign's opening or closing at `at`."""
    return derived_id(campaign_id, what, at.isoformat())


async def announce_campaign_transitions(pool: asyncpg.Pool, producer: EventProducer,
                                        now: datetime, announced: set[uuid.UUID] | None = None
                                        ) -> int:
    """Publish `CampaignOpened` / `CampaignClosed` for every transition due and not yet seen.

    `announced` remembers what this process already published, so a projection that lags
    behind does not make the clock publish the same transition every tick.
    """
    opening, closing = await queries.due_transitions(pool, now)
    envs = [
        Envelope.wrap(CampaignOpened(campaign_id=r["campaign_id"]), actor=SYSTEM_ACTOR,
                      occurred_at=r["opens_at"],
                      event_id=transition_id(r["campaign_id"], "opened", r["opens_at"]))
        for r in opening
    ] + [
        Envelope.wrap(CampaignClosed(campaign_id=r["campaign_id"]), actor=SYSTEM_ACTOR,
                      occurred_at=r["closes_at"],
                      event_id=transition_id(r["campaign_id"], "closed", r["closes_at"]))
        for r in closing
    ]
    if announced is not None:
        envs = [e for e in envs if e.event_id not in announced]
    if envs:
        await producer.publish_many(envs)
        log.info("campaigns.transitions", published=len(envs))
        if announced is not None:
            announced.update(e.event_id for e in envs)
    return len(envs)


async def expire_parked_submissions(pool: asyncpg.Pool, producer: EventProducer,
                                    now: datetime, *, schema: str = "ideas") -> int:
    """Dead-letter submissions whose campaign did not arrive before their deadline."""
    outbox = producer.outbox()
    async with pool.acquire() as conn, conn.transaction():
        rows = await queries.take_expired_parked(conn, now, schema)
        if rows:
            outbox.dead_letter_many([
                {"topic": r["topic"], "partition": r["partition"], "offset": r["offset"],
                 "key": r["key"], "value": r["raw"], "reason": "unknown_campaign",
                 "detail": f"campaign {r['campaign_id']} did not appear before {r['deadline']}",
                 "consumer": CONSUMER}
                for r in rows
            ])
        await outbox.stage(conn)
    await outbox.deliver()
    return len(rows)


async def announce_overdue_answers(pool: asyncpg.Pool, producer: EventProducer, now: datetime,
                                   announced: set[uuid.UUID] | None = None) -> int:
    """Publish `IdeaAnswerOverdue` once for each due answer not given by its date (`occurred_at`
    is the due date; the id is derived from the idea and the date, so a restart or a second
    worker publishes a duplicate that consumers ignore). `announced` as above."""
    envs = [
        Envelope.wrap(IdeaAnswerOverdue(idea_id=r["idea_id"], campaign_id=r["campaign_id"],
                                        due=r["due"]),
                      actor=SYSTEM_ACTOR, occurred_at=r["due"],
                      event_id=overdue_id(r["idea_id"], r["due"].isoformat()),
                      correlation_id=r["event_id"])
        for r in await queries.passed_due(pool, now)
        if answer_overdue(r["due"], r["answered_at"], now)
    ]
    if announced is not None:
        envs = [e for e in envs if e.event_id not in announced]
    if envs:
        await producer.publish_many(envs)
        log.info("answers.overdue", published=len(envs))
        if announced is not None:
            announced.update(e.event_id for e in envs)
    return len(envs)
