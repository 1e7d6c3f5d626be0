"""The database killed while votes flow: the gateway answers 503 with `Retry-After` (never 500),
the workers wait and resume instead of exiting, and every vote answered 202 is counted once.

The figures of the run are printed (`-s` shows them); bench/outage.py prints them on its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.integration.archive_support import Up, needs_embedded, new_home
from tests.integration.outage_support import UP_ENV, kill_database_under_load

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_a_database_killed_under_load_is_answered_503_and_loses_no_accepted_vote() -> None:
    needs_embedded()
    home = new_home("ideastorm-outage-")
    up = await asyncio.to_thread(Up(home, env=UP_ENV).start)
    try:
        run = await kill_database_under_load(up)
        sys.stdout.write(f"\ndatabase killed under load: {run.summary()}\n")
        a = run.answers

        # clients were told to come back, never that the server broke
        assert a.count(503) > 0, "no request met the outage: the test proved nothing"
        assert a.server_errors == a.count(503), dict(a.statuses)
        for status, retry_after, code in a.refused:
            assert retry_after is not None and int(retry_after) >= 1, (status, retry_after)
            assert code == "database_unavailable", code
        assert a.count(202) > 100 and not a.failed, (dict(a.statuses), dict(a.failed))

        # every worker and the gateway lived through it: none exited, none was restarted
        assert run.pids_after == run.pids_before, _why_restarted(home, run.pids_before,
                                                                run.pids_after)
        assert set(run.pids_before) == {"worker ideas", "worker voting", "worker reporting",
                                        "worker identity", "gateway --port"}
        events = [json.loads(line) for line in up.text().splitlines() if line.startswith("{")]
        assert not [e for e in events if e.get("event") == "stack.restarting"]
        waited = [json.loads(line) for name in ("voting", "reporting")
                  for line in (home / "logs" / f"{name}.log").read_text().splitlines()
                  if '"projection.waiting"' in line]
        assert waited and all(e["outage"] == "database" for e in waited)

        # each vote answered 202 counted exactly once (a vote answered 503 may have been
        # accepted before the answer was lost: counted once too, or not at all)
        assert run.result.once, run.result
        assert a.count(202) <= run.result.counted <= a.sent
        assert await asyncio.to_thread(up.terminate) == 0
    finally:
        if up.proc and up.proc.poll() is None:
            up.kill_everything()
        if not os.environ.get("IDEASTORM_KEEP_TEST_HOME"):  # keep it to read the process logs
            shutil.rmtree(home, ignore_errors=True)


def _why_restarted(home: Path, before: dict[str, int], after: dict[str, int]) -> str:
    """What each restarted process logged as an error before it exited (the test's message)."""
    out = []
    for name, pid in before.items():
        if after.get(name) != pid:
            file = name.split()[-1] if name.startswith("worker") else "gateway"
            log = home / "logs" / f"{file}.log"
            errors = [line for line in log.read_text(errors="replace").splitlines()
                      if '"level": "error"' in line or '"level": "critical"' in line]
            out.append(f"{name} (pid {pid} -> {after.get(name)}): {errors[-3:]}")
    return "\n".join(out)
