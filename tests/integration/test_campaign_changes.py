"""A campaign's close moved by a change that crossed the clock's announcement of the old close:
the campaign closes at its new time, not at the old one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from schemas.campaigns import CHANGEABLE, CampaignChanged, CampaignClosed, CampaignCreated
from schemas.envelope import Envelope
from services.ideas.timers import SYSTEM_ACTOR, transition_id
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from tests.helpers import eventually
from tests.integration.ideas_support import campaign

pytestmark = pytest.mark.integration


async def test_a_close_announced_before_a_change_moved_it_later_does_not_close_the_campaign(
    stack: Stack, pool: asyncpg.Pool, producer: EventProducer,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    old_close, new_close = now - timedelta(seconds=1), now + timedelta(seconds=3)
    created_env = campaign(opens=now - timedelta(hours=1), closes=old_close)
    created = created_env.model()
    assert isinstance(created, CampaignCreated)
    cid = created.campaign_id
    changed = Envelope.wrap(CampaignChanged(
        **{**created.model_dump(include=set(CHANGEABLE)), "closes_at": new_close},
        campaign_id=cid, changed=["closes_at"]), actor="admin-1", occurred_at=now - timedelta(
            seconds=2))
    # what the clock announces when it reads the old close before the change is applied: forced
    # here (published after the change, as it would be), whatever the live clock does
    crossed = Envelope.wrap(CampaignClosed(campaign_id=cid), actor=SYSTEM_ACTOR,
                            occurred_at=old_close,
                            event_id=transition_id(cid, "closed", old_close))
    await producer.publish_many([created_env, changed, crossed])

    async def closed() -> tuple[datetime | None, datetime | None, bool]:
        row = await pool.fetchrow("SELECT closes_at, closed_at FROM ideas.campaigns"
                                  " WHERE campaign_id = $1", cid)
        applied = await pool.fetchval("SELECT count(*) FROM ideas.applied_events"
                                      " WHERE event_id = $1", crossed.event_id)
        return (row["closes_at"] if row else None, row["closed_at"] if row else None,
                bool(applied))

    closes_at, closed_at, _ = await eventually(
        closed, lambda r: r[2] and r[1] is not None, what="the campaign closed")
    assert (closes_at, closed_at) == (new_close, new_close)
