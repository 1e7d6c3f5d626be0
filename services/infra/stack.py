"""Start and stop the whole system: infrastructure, one process per worker, the HTTP gateway.

Used by `ideastorm up`, the demo, and the end-to-end tests. Anything not configured through
`KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL` is started embedded under the home directory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx
import structlog

from services.infra import db
from services.infra.archive_io import restore
from services.infra.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from services.infra.home import HomeLock, attach_running, running
from services.infra.mailsink import MailSink
from services.infra.settings import Settings
from services.infra.supervise import lifeline

log = structlog.get_logger(__name__)

WORKERS = ("ideas", "voting", "reporting", "identity")


def available_workers() -> tuple[str, ...]:
    return tuple(w for w in WORKERS if importlib.util.find_spec(f"services.{w}.worker"))


class Infrastructure:
    """The broker and database: the configured ones, or embedded ones started here.

    An embedded broker starts empty (memory only): before anything else uses it, every topic is
    restored from the event archive in the database, at the same partitions and offsets, so the
    consumer offsets stored in the database stay valid. `restored` says how many events.
    """

    def __init__(self, settings: Settings, *, fresh_db: bool = False,
                 database_only: bool = False) -> None:
        self.settings = settings
        self.fresh_db = fresh_db
        self.database_only = database_only  # for commands that only read or load the archive
        self.broker: EmbeddedBroker | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.lock: HomeLock | None = None
        self.mail_sink: MailSink | None = None
        self.restored = 0

    def start(self) -> Settings:
        s = self.settings
        home = s.ideastorm_home.resolve()
        bootstrap, dsn = s.kafka_bootstrap_servers, s.database_url
        try:
            if not dsn or not (bootstrap or self.database_only):
                # one embedded pair per home: a second would share (and spoil) the same data
                self.lock = HomeLock(home)
                self.lock.acquire()
            if not bootstrap and not self.database_only:
                self.broker = EmbeddedBroker(home / "broker")
                bootstrap = self.broker.start()
            if not dsn:
                self.postgres = EmbeddedPostgres(home, fresh=self.fresh_db)
                dsn = self.postgres.start()
            if not os.environ.get("SMTP_HOST") and not self.database_only:
                self._start_mail_sink(home)
            if self.broker is not None and bootstrap:
                self.restored = _run(_restore(dsn, bootstrap, s.kafka_replication_factor))
                log.info("embedded.broker.restored", events=self.restored)
        except BaseException:
            self.stop()  # nothing half-started is left behind
            raise
        return s.model_copy(update={"kafka_bootstrap_servers": bootstrap, "database_url": dsn})

    def _start_mail_sink(self, home: Path) -> None:
        """No SMTP server configured: e-mail goes to the embedded sink, `<home>/mail/`. The
        processes started from here (and this one) learn of it from the environment."""
        self.mail_sink = MailSink(home / "mail")
        host, port = self.mail_sink.start()
        os.environ.update({"SMTP_HOST": host, "SMTP_PORT": str(port),
                           "SMTP_SINK_DIR": str(self.mail_sink.folder)})

    def stop(self) -> None:
        if self.mail_sink:
            self.mail_sink.stop()
            self.mail_sink = None
            for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_SINK_DIR"):
                os.environ.pop(name, None)
        if self.broker:
            self.broker.stop()
        if self.postgres:
            self.postgres.stop()
        if self.lock:
            self.lock.release()
            self.lock = None


async def _restore(dsn: str, bootstrap: str, replication_factor: int) -> int:
    pool = await db.create_pool(dsn, min_size=1, max_size=2)
    try:
        return await restore(pool, bootstrap, replication_factor=replication_factor)
    finally:
        await pool.close()


def _run(coro: Coroutine[Any, Any, int]) -> int:
    """Run a coroutine to completion from sync code, also when an event loop is running here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def system_settings(settings: Settings, *, database_only: bool = False,
                    ) -> tuple[Settings, Infrastructure | None]:
    """Settings of the system a command should talk to: the configured one, the one
    `ideastorm up` is serving on this home, or (returned with it, to stop) one started here."""
    if settings.database_url and (settings.kafka_bootstrap_servers or database_only):
        return settings, None
    if running(settings.ideastorm_home.resolve()) is not None:
        return attach_running(settings), None
    infra = Infrastructure(settings, database_only=database_only)
    return infra.start(), infra


class Stack:
    """Worker and gateway processes over resolved settings (broker and database known)."""

    def __init__(self, settings: Settings, *, workers: tuple[str, ...] | None = None,
                 http_port: int | None = None, log_dir: Path | None = None,
                 extra_env: dict[str, str] | None = None, die_with_parent: bool = False) -> None:
        """`die_with_parent`: the processes end when this one does, even killed (`ideastorm
        up`); only for a stack whose processes are all started from one long-lived thread."""
        assert settings.kafka_bootstrap_servers and settings.database_url
        self.settings = settings
        self.workers = workers if workers is not None else available_workers()
        self.http_port = http_port or settings.http_port or free_port()
        self.log_dir = log_dir or settings.ideastorm_home.resolve() / "logs"
        self.extra_env = extra_env or {}
        self.extra_env_for: dict[str, dict[str, str]] = {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.args: dict[str, list[str]] = {}  # how each process was started, to restart it
        self.worker_ports: dict[str, int] = {}
        self.die_with_parent = die_with_parent

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.http_host}:{self.http_port}"

    def env(self) -> dict[str, str]:
        s = self.settings
        env = dict(os.environ)
        env.update({
            "KAFKA_BOOTSTRAP_SERVERS": str(s.kafka_bootstrap_servers),
            "DATABASE_URL": str(s.database_url),
            "IDEASTORM_HOME": str(s.ideastorm_home.resolve()),
            "IDEASTORM_ENV": s.ideastorm_env,
            "JWT_SECRET": s.jwt_secret,
            "KAFKA_SESSION_TIMEOUT_MS": str(s.kafka_session_timeout_ms),
            "HTTP_HOST": s.http_host,
            "HTTP_PORT": str(self.http_port),
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**self.env(), **self.extra_env_for.get(name, {})}
        with (self.log_dir / f"{name}.log").open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "services.cli", *args], env=env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=lifeline() if self.die_with_parent else None,
            )
        self.procs[name] = proc
        self.args[name] = args
        log.info("stack.started", process=name, pid=proc.pid)
        return proc

    def restart(self, name: str) -> subprocess.Popen[bytes]:
        """Start process `name` again as it was started (after it exited)."""
        old = self.procs.get(name)
        if old is not None and old.poll() is None:
            raise RuntimeError(f"{name} is still running (pid {old.pid})")
        return self._spawn(name, self.args[name])

    def start_worker(self, name: str, instance: int = 1) -> subprocess.Popen[bytes]:
        """Start a worker of service `name`; instance 2, 3, ... join the same consumer group
        as further processes, known to this stack as `name-2`, `name-3`, ..."""
        key = name if instance == 1 else f"{name}-{instance}"
        port = self.worker_ports.setdefault(key, free_port())
        self.extra_env_for[key] = {"WORKER_WEB_PORT": str(port)}
        return self._spawn(key, ["worker", name])

    def worker_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.worker_ports[name]}"

    def start_gateway(self) -> subprocess.Popen[bytes]:
        return self._spawn("gateway", ["gateway", "--port", str(self.http_port)])

    def start(self, timeout: float = 90.0) -> None:
        for name in self.workers:
            self.start_worker(name)
        self.start_gateway()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 90.0, names: tuple[str, ...] | None = None) -> None:
        """Wait until the gateway and every worker (or just `names`) answer /readyz with 200."""
        deadline = time.monotonic() + timeout
        pending = {n: self._ready_url(n) for n in (names or tuple(self.procs))}
        last: dict[str, str] = {}
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                proc = self.procs.get(name)
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see "
                                       f"{self.log_dir / (name + '.log')}")
                try:
                    r = httpx.get(pending[name], timeout=2)
                    if r.status_code == 200:
                        del pending[name]
                        continue
                    last[name] = r.text
                except httpx.HTTPError as exc:
                    last[name] = str(exc)
            time.sleep(0.2)
        if pending:
            raise TimeoutError(f"not ready after {timeout}s: "
                               + "; ".join(f"{n}: {last.get(n, '')[:300]}" for n in pending))

    def _ready_url(self, name: str) -> str:
        base = self.base_url if name == "gateway" else self.worker_url(name)
        return f"{base}/readyz"

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        proc = self.procs.pop(name)
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        return int(proc.returncode)

    def stop(self) -> None:
        for name in list(self.procs):
            self.stop_process(name)
