"""One running system per home directory: a lock file, and the settings the running one uses.

`ideastorm up` (and any command that has to start the embedded pair itself) holds an exclusive
`flock` on `<home>/ideastorm.lock`, which names its pid; a second one on the same home is
refused. While it serves, `<home>/running.json` holds the broker, database and API it printed,
so other commands use that system instead of starting a second pair on the same data.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from services.infra.settings import Settings

LOCK = "ideastorm.lock"
RUNNING = "running.json"


class HomeInUse(RuntimeError):
    def __init__(self, home: Path, pid: str) -> None:
        self.home, self.pid = home, pid
        super().__init__(f"another ideastorm (pid {pid or 'unknown'}) is already running on "
                         f"{home}; stop it first, or use a different IDEASTORM_HOME")


class HomeLock:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / LOCK
        self._fd: int | None = None

    def acquire(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise HomeInUse(self.home, pid) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                (self.home / RUNNING).unlink(missing_ok=True)
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def held(home: Path) -> bool:
    """True while some process holds the home's lock."""
    path = home / LOCK
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def write_running(home: Path, info: dict[str, Any]) -> None:
    tmp = home / f".{RUNNING}.tmp"
    tmp.write_text(json.dumps(info, indent=2) + "\n")
    tmp.replace(home / RUNNING)


def attach_running(settings: Settings) -> Settings:
    """`settings` pointed at the system `ideastorm up` serves on their home, where they name
    no broker or database of their own."""
    if settings.kafka_bootstrap_servers and settings.database_url:
        return settings
    info = running(settings.ideastorm_home.resolve())
    if info is None:
        return settings
    api = urlsplit(str(info.get("api", "")))
    update: dict[str, Any] = {"kafka_bootstrap_servers": info["broker"],
                              "database_url": info["database"]}
    if api.hostname and api.port:
        # clients reach the gateway `up` started, not the default port
        update |= {"http_host": api.hostname, "http_port": api.port}
    return settings.model_copy(update=update)


def running(home: Path) -> dict[str, Any] | None:
    """What the `ideastorm up` serving this home printed, or None if none is serving."""
    path = home / RUNNING
    if not path.exists() or not held(home):
        return None
    info: dict[str, Any] = json.loads(path.read_text())
    return info
