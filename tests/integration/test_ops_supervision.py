"""`ideastorm up` keeps its processes running, and a killed `up` leaves nothing behind.

- A worker and the gateway killed with SIGKILL are started again (the restart logged with the
  process's name, exit code and delay), and votes are counted again afterwards.
- `up` itself killed with SIGKILL: its workers and gateway end with it; the database server and
  broker it started (separate processes) are stopped by the next start, and after that one
  stops, no database server or broker runs for the home.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import psutil
import pytest

from services.infra.settings import Settings
from services.infra.stack import available_workers
from tests.helpers import eventually
from tests.integration.archive_support import Up, needs_embedded, new_home
from tests.integration.outage_support import (
    UP_ENV,
    VoteLoad,
    counted,
    open_campaign,
    ready,
    service_pids,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def events(up: Up, name: str) -> list[dict[str, Any]]:
    return [e for e in (json.loads(line) for line in up.text().splitlines()
                        if line.startswith("{")) if e.get("event") == name]


async def votes_counted(up: Up, ideas: Any, cid: Any, n: int = 20) -> None:
    """`n` votes POSTed and all of them counted."""
    load = VoteLoad(up.base_url, Settings(ideastorm_env="test"), ideas, senders=2)
    load.start()
    await eventually(lambda: _accepted(load), lambda k: k >= n, timeout=60, what=f"{n} votes")
    answers = await load.stop()
    assert answers.server_errors == 0 and not answers.failed, answers
    await eventually(lambda: counted(up.dsn, cid, answers.accepted),
                     lambda c: c.missing == 0, timeout=120, what="the votes counted")


async def _accepted(load: VoteLoad) -> int:
    return load.answers.count(202)


def postgres_of(home: Path) -> list[int]:
    """Every process whose command line names the home's data directory."""
    out = subprocess.run(["pgrep", "-f", str((home / "pgdata").resolve())], capture_output=True,
                         text=True, check=False)
    return [int(p) for p in out.stdout.split()]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def cleanup(home: Path, *ups: Up, strays: tuple[int, ...] = ()) -> None:
    for up in ups:
        if up.proc and up.proc.poll() is None:
            up.kill_everything()
    for pid in strays:  # processes of a killed `up`, if the code under test left them
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    for pid in postgres_of(home):  # a leftover server, if the code under test failed
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(home, ignore_errors=True)


async def test_up_restarts_a_killed_worker_and_gateway_and_processing_resumes() -> None:
    needs_embedded()
    home = new_home("ideastorm-supervise-")
    up = await asyncio.to_thread(Up(home, env=UP_ENV).start)
    try:
        cid, ideas = await open_campaign(up)
        before = service_pids(up)
        os.kill(before["worker voting"], signal.SIGKILL)
        os.kill(before["gateway --port"], signal.SIGKILL)

        after = await eventually(
            lambda: asyncio.to_thread(service_pids, up),
            lambda p: all(p.get(k) not in (None, before[k])
                          for k in ("worker voting", "gateway --port")),
            timeout=30, what="the voting worker and the gateway started again")
        assert after["worker ideas"] == before["worker ideas"]
        assert after["worker reporting"] == before["worker reporting"]
        restarts = {e["process"]: e for e in events(up, "stack.restarting")}
        assert set(restarts) == {"voting", "gateway"}
        for e in restarts.values():
            assert e["exit_code"] == -signal.SIGKILL and 0 < e["delay_s"] <= 1.0, e
        assert up.proc is not None and up.proc.poll() is None

        # processing resumes: the restarted gateway accepts votes, the restarted worker counts
        await eventually(lambda: ready(up.base_url), bool, timeout=90,
                         what="the restarted gateway ready")
        await votes_counted(up, ideas, cid)
        assert await asyncio.to_thread(up.terminate) == 0
        assert not events(up, "stack.restarting")[2:], "a process was restarted once more"
    finally:
        await asyncio.to_thread(cleanup, home, up)


async def test_a_killed_up_leaves_no_database_server_or_broker_after_the_next_start_and_stop(
) -> None:
    needs_embedded()
    home = new_home("ideastorm-killed-up-")
    first = await asyncio.to_thread(Up(home, "up-1", env=UP_ENV).start)
    second = Up(home, "up-2", env=UP_ENV)
    strays: list[int] = []
    try:
        assert first.proc is not None
        services = list(service_pids(first).values())
        assert len(services) == len(available_workers()) + 1  # the workers and the gateway
        postmaster = int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
        broker = next(p.pid for p in psutil.Process(first.proc.pid).children()
                      if any("tansu" in part for part in p.cmdline()))
        strays += [*services, broker]
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)

        # its workers and gateway end with it; the database and broker are left running
        gone, _ = await asyncio.to_thread(
            psutil.wait_procs, [psutil.Process(p) for p in services if alive(p)], 30)
        assert not [p for p in services if alive(p)], "workers outlived a killed up"
        assert alive(postmaster) and alive(broker)

        # the next start stops them and starts its own; its stop leaves nothing running
        await asyncio.to_thread(second.start)
        assert not alive(postmaster) and not alive(broker)
        cid, ideas = await open_campaign(second)
        await votes_counted(second, ideas, cid)
        ours = int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
        our_broker = int((home / "broker" / "tansu.pid").read_text().split()[0])
        assert ours != postmaster and postgres_of(home) == [ours]
        assert await asyncio.to_thread(second.terminate) == 0
        assert postgres_of(home) == [], "a database server still runs on the home's data"
        assert not alive(ours) and not alive(our_broker)
        assert not (home / "pgdata" / "postmaster.pid").exists()
        assert not (home / "broker" / "tansu.pid").exists()
    finally:
        await asyncio.to_thread(cleanup, home, first, second, strays=tuple(strays))
