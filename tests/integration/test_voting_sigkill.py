"""Killing the voting worker with SIGKILL during the Warsaw import loses and doubles nothing."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import asyncpg
import pytest

from clients import pabulib
from clients.election_import import import_election
from services.infra import db
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.voting import queries
from tests.conftest import DATA
from tests.helpers import eventually
from tests.integration.test_voting_import import stand_in_for_the_ideas_service

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_sigkill_during_the_warsaw_import_still_ends_with_83_of_83(
    stack: Stack, infra: Settings, pool: asyncpg.Pool, producer: EventProducer,
    token: Callable[..., str]
) -> None:
    assert infra.kafka_bootstrap_servers and infra.database_url
    election = pabulib.parse((DATA / "poland_warszawa_2026.pb").read_bytes())
    cid = pabulib.campaign_id(election)
    total = election.vote_count
    assert total == 287_475
    await db.migrate(pool, "voting")  # the worker may still be starting

    importing = asyncio.create_task(import_election(
        infra.kafka_bootstrap_servers, stack.base_url, token("admin"), election, check=True,
        database_url=infra.database_url,
        timeout=170))
    await stand_in_for_the_ideas_service(producer, stack, election)

    async def decided() -> int:
        states = await queries.decided_votes(pool, cid)
        return sum(n for s, n in states.items() if s != "parked")

    kills: list[int] = []
    for threshold in (1, total // 4, total // 2):
        at = await eventually(decided, lambda n, t=threshold: n >= t or importing.done(),
                              timeout=170, what=f"{threshold} votes decided")
        if importing.done() or at >= total:
            break
        await asyncio.to_thread(stack.stop_process, "voting", signal.SIGKILL)
        kills.append(at)
        await asyncio.to_thread(stack.start_worker, "voting")

    result = await importing
    assert len(kills) == 3 and all(k < total for k in kills), kills
    assert result is not None
    assert result.ok, result.differences
    assert result.matching == 83
    # every vote decided exactly once: none lost, none applied twice
    assert await queries.decided_votes(pool, cid) == {"counted": total, "parked": 0}
