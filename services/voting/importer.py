"""Replay a Pabulib election through Kafka, and check the tallies against the official counts."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import asyncpg

from schemas.envelope import Envelope
from services.infra import archive, db
from services.infra.kafka import EventProducer
from services.voting import pabulib, queries

Say = Callable[[str], None]


@dataclass
class CheckResult:
    matching: int = 0
    compared: int = 0
    differences: list[str] = field(default_factory=list)
    complete: bool = True  # every published vote was decided

    @property
    def ok(self) -> bool:
        return self.complete and self.compared > 0 and self.matching == self.compared


def _chunks(events: Iterator[Envelope], size: int) -> Iterator[list[Envelope]]:
    while chunk := list(islice(events, size)):
        yield chunk


async def publish_election(producer: EventProducer, pool: asyncpg.Pool,
                           election: pabulib.Election, *, actor: str, say: Say,
                           ideas_timeout: float = 60.0) -> int:
    """Publish the campaign, its ideas, then every vote. Returns the number of votes."""
    await producer.publish_many(pabulib.campaign_events(election, actor))
    say(f"published the campaign and {len(election.projects)} ideas")
    # The ideas service publishes each idea's status; votes that overtake it are parked by the
    # voting service and still count, but waiting here keeps the parking lot small.
    ids = [pabulib.idea_id(election, p) for p in election.projects]
    deadline = time.monotonic() + ideas_timeout
    known = 0
    while time.monotonic() < deadline:
        known = await queries.known_ideas(pool, ids)
        if known == len(ids):
            break
        await asyncio.sleep(0.2)
    if known < len(ids):
        say(f"the voting service knows {known}/{len(ids)} ideas after {ideas_timeout:g}s (is the"
            " ideas worker running?); publishing the votes anyway: they wait for their ideas")
    sent = 0
    for chunk in _chunks(pabulib.vote_events(election), 20_000):
        await producer.publish_many(chunk)
        sent += len(chunk)
    say(f"published {sent} votes")
    return sent


async def wait_for_tallies(pool: asyncpg.Pool, campaign_id: uuid.UUID, expected: int, *,
                           timeout: float, say: Say) -> int:
    """Wait until `expected` vote events of the campaign are decided; returns how many are."""
    deadline = time.monotonic() + timeout
    decided, last_report = 0, 0.0
    while time.monotonic() < deadline:
        states = await queries.decided_votes(pool, campaign_id)
        decided = sum(n for s, n in states.items() if s != "parked")
        if decided >= expected:
            break
        if time.monotonic() - last_report > 10:
            say(f"waiting for tallies: {decided}/{expected} votes decided,"
                f" {states.get('parked', 0)} waiting for their idea")
            last_report = time.monotonic()
        await asyncio.sleep(0.25)
    return decided


async def compare(pool: asyncpg.Pool, election: pabulib.Election) -> CheckResult:
    ids = {pid: pabulib.idea_id(election, pid) for pid in election.projects}
    supports = await queries.supports_by_idea(pool, list(ids.values()))
    result = CheckResult()
    for pid, project in election.projects.items():
        if project.votes is None:
            result.differences.append(f"project {pid}: the file has no official count")
            continue
        result.compared += 1
        got = supports.get(ids[pid], 0)
        if got == project.votes:
            result.matching += 1
        else:
            result.differences.append(
                f"project {pid} ({project.name[:40]}): tally {got}, official {project.votes}")
    return result


async def import_election(bootstrap: str, dsn: str, election: pabulib.Election, *,
                          check: bool, actor: str = "pabulib-import", timeout: float = 900.0,
                          say: Say = lambda _: None) -> CheckResult | None:
    pool = await db.create_pool(dsn, min_size=1, max_size=3)
    try:
        await db.migrate(pool, "voting")
        await archive.setup(pool)
        async with EventProducer(bootstrap, archive=pool, linger_ms=20) as producer:
            sent = await publish_election(producer, pool, election, actor=actor, say=say)
        if not check:
            return None
        cid = pabulib.campaign_id(election)
        decided = await wait_for_tallies(pool, cid, sent, timeout=timeout, say=say)
        result = await compare(pool, election)
        if decided < sent:
            result.differences.append(f"only {decided}/{sent} votes decided within {timeout:g}s")
            result.complete = False
        return result
    finally:
        await pool.close()
