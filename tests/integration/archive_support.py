"""`ideastorm up` as a real process on its own home, stopped politely or killed outright, and
a digest of every read-model table to compare two installations."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import psutil
import pytest

from services.infra.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ("ideas", "voting", "reporting", "gateway")
# Bookkeeping of the consumers, not read-model content: offsets differ when a run re-published
# an import (same event ids, later offsets), and migration times are when a process started.
# And which events a consumer applied: the voting service announces its figures (`tally.changed`)
# once per batch it applies (and at a start, any it never published), so a run that was stopped,
# restarted or rebuilt applies other such events than one that never stopped; what they carry is
# compared in `ideas.tallies` and `ideas.ideas`, and every vote's fate in `voting.votes`.
# And the client fingerprint keys (`voting.client_keys`): random per installation and day, made
# by the edge, not from events (the fingerprints the events carry are compared in `voting.votes`).
# `what_ifs` is worked out from the other voting tables on a timer once a campaign's votes are
# quiet, not applied from the log: it follows the tables compared here, some seconds later (and
# a run stopped mid-import may replay a campaign on part of its votes first). So does reporting's
# `what_ifs`, which records what that timer announces. And `voting.selections`: stored answers
# worked out by the worker from those tables when a campaign closes or someone asks, with when and
# for whom (derived data, recomputed after a replay, never applied from the log).
SKIP_TABLES = {"consumer_offsets", "schema_migrations", "applied_events", "client_keys",
               "what_ifs", "selections"}
# When a process applied or received something, not what happened: wall-clock columns, and the
# raw bytes of parked messages (they carry the envelope's `recorded_at`). And `seq`, a serial
# arrival number: a batch rolled back by a kill has used numbers up (sequences are not
# transactional), so the values shift while their order within an aggregate stays the same.
# And which vault key a text was sealed under (`title_key`, `text_key`): keys are made per
# installation, so two installations name different keys for the same text. And when a
# request claimed its Idempotency-Key (`claimed_at`).
SKIP_COLUMNS = {"applied_at", "updated_at", "recorded_at", "created_at", "decided_at",
                "parked_at", "generated_at", "raw", "seq", "title_key", "text_key",
                "claimed_at"}


def needs_embedded() -> None:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("DATABASE_URL"):
        pytest.skip("restarting the embedded broker and database: they are configured instead")


def new_home(prefix: str) -> Path:
    # not under pytest's tmp folder: the database server must reach it (see tests/conftest.py)
    home = Path(tempfile.mkdtemp(prefix=prefix))
    home.chmod(0o755)
    return home


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "HTTP_PORT")}
    env.update({"IDEASTORM_HOME": str(home), "IDEASTORM_ENV": "test", "LOG_LEVEL": "WARNING",
                "LOG_JSON": "true", "KAFKA_SESSION_TIMEOUT_MS": "6000", "PYTHONUNBUFFERED": "1",
                # the quarter timer publishes a report when the wall clock says a quarter is due:
                # two runs compared table by table must not depend on when each one ran
                "REPORTING_REPORT_TIMER_S": "86400"})
    return env


def ideastorm(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "services.cli", *args], cwd=ROOT,
                          env=env_for(home), capture_output=True, text=True, timeout=timeout,
                          check=False)


class Up:
    """`ideastorm up` on `home`."""

    def __init__(self, home: Path, name: str = "up", env: dict[str, str] | None = None) -> None:
        self.home = home
        self.env = {**env_for(home), **(env or {})}
        self.port = free_port()
        self.out = home / f"{name}.out"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180) -> Up:
        with self.out.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "up", "--port", str(self.port)], cwd=ROOT,
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while "ideastorm is up" not in self.text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                if self.proc.poll() is None:
                    self.kill_everything()
                raise AssertionError(f"ideastorm up did not come up:\n{self.text()[-3000:]}")
            time.sleep(0.2)
        return self

    def text(self) -> str:
        return self.out.read_text(errors="replace")

    @property
    def restored(self) -> int:
        m = re.search(r"restored (\d+) events", self.text())
        assert m, self.text()[-2000:]
        return int(m.group(1))

    @property
    def dsn(self) -> str:
        m = re.search(r"database\s+(\S+)", self.text())
        assert m, self.text()[-2000:]
        return m.group(1)

    @property
    def broker(self) -> str:
        m = re.search(r"^\s+broker\s+(\S+)", self.text(), re.MULTILINE)
        assert m, self.text()[-2000:]
        return m.group(1)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def terminate(self, timeout: float = 90) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill_everything(self, also: list[subprocess.Popen[bytes]] | None = None) -> int:
        """SIGKILL `ideastorm up`, every process it started (workers, gateway, broker), the
        database server and its backends, and `also`, all at once; returns how many."""
        assert self.proc is not None
        procs = [psutil.Process(self.proc.pid)]
        procs += procs[0].children(recursive=True)
        pidfile = self.home / "pgdata" / "postmaster.pid"
        if pidfile.exists():
            postmaster = psutil.Process(int(pidfile.read_text().split()[0]))
            procs += [postmaster, *postmaster.children(recursive=True)]
        for p in also or []:
            procs.append(psutil.Process(p.pid))
        for p in procs:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(procs, timeout=15)
        self.proc.wait(5)
        for p in also or []:
            p.wait(5)
        return len(procs)


async def caught_up(dsn: str) -> bool:
    """Every consumer has stored, for each partition of every topic it reads, the end of the
    archived log: all events produced so far are applied (nothing may still be in flight)."""
    conn = await asyncpg.connect(dsn)
    try:
        behind = 0
        for schema in SCHEMAS:
            behind += int(await conn.fetchval(
                f"SELECT count(*) FROM (SELECT DISTINCT consumer, topic"
                f" FROM {schema}.consumer_offsets) c"
                " JOIN archive.heads h ON h.topic = c.topic AND h.next_offset > 0"
                f" LEFT JOIN {schema}.consumer_offsets o ON o.consumer = c.consumer"
                "  AND o.topic = h.topic AND o.partition = h.partition"
                " WHERE o.next_offset IS DISTINCT FROM h.next_offset"))
        return behind == 0
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await conn.close()


async def table_digest(dsn: str) -> dict[str, tuple[int, str]]:
    """Each read-model table: (rows, SHA-256 of its rows in a stable order)."""
    conn = await asyncpg.connect(dsn)
    try:
        cols = await conn.fetch(
            "SELECT table_schema, table_name, array_agg(column_name::text ORDER BY column_name)"
            " AS cols FROM information_schema.columns WHERE table_schema = ANY($1::text[])"
            " GROUP BY 1, 2 ORDER BY 1, 2", list(SCHEMAS))
        out: dict[str, tuple[int, str]] = {}
        for r in cols:
            if r["table_name"] in SKIP_TABLES:
                continue
            names = [c for c in r["cols"] if c not in SKIP_COLUMNS]
            select = ", ".join(f'"{c}"::text' for c in names)
            rows = await conn.fetch(
                f'SELECT {select} FROM "{r["table_schema"]}"."{r["table_name"]}"'
                f" ORDER BY {', '.join(str(i + 1) for i in range(len(names)))}")
            h = hashlib.sha256()
            for row in rows:
                h.update(repr(tuple(row)).encode())
            out[f"{r['table_schema']}.{r['table_name']}"] = (len(rows), h.hexdigest())
        return out
    finally:
        await conn.close()
