"""`ideastorm up` keeps its processes running: one that exits is started again after a backoff.

A worker or gateway that exits while `up` serves (a crash, an out-of-memory kill, a start that
failed because the database was still coming back) is restarted after 1 s, then 2 s, 4 s, ... up
to `RESTART_BACKOFF_MAX_S`; a process that then runs for `STEADY_S` starts from 1 s again. Each
restart is logged with the process's name, exit code and delay. The processes `up` starts also
end when `up` itself is killed (`lifeline`), so a killed `up` leaves no worker behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog

from services.infra.faults import Backoff

if TYPE_CHECKING:
    from services.infra.stack import Stack

log = structlog.get_logger(__name__)

STEADY_S = 60.0
_PR_SET_PDEATHSIG = 1


class Supervisor:
    """Restarts the exited processes of `stack`; call `check()` every fraction of a second."""

    def __init__(self, stack: Stack, *, first_s: float = 1.0, most_s: float = 60.0,
                 steady_s: float = STEADY_S) -> None:
        self.stack = stack
        self.first_s, self.most_s, self.steady_s = first_s, most_s, steady_s
        now = time.monotonic()
        self.started_at = {name: now for name in stack.procs}
        self.backoff: dict[str, Backoff] = {}
        self.due: dict[str, float] = {}  # name -> when it is started again
        self.restarts: dict[str, int] = {}

    def check(self) -> None:
        now = time.monotonic()
        for name, proc in list(self.stack.procs.items()):
            if name in self.due or proc.poll() is None:
                continue
            backoff = self.backoff.setdefault(name, Backoff(self.first_s, self.most_s))
            if now - self.started_at.get(name, now) >= self.steady_s:
                backoff.reset()  # it ran fine for a while: a new failure, not a crash loop
            delay = backoff.next()
            self.due[name] = now + delay
            log.warning("stack.restarting", process=name, pid=proc.pid,
                        exit_code=proc.returncode, delay_s=delay,
                        restarts=self.restarts.get(name, 0))
        for name, at in list(self.due.items()):
            if at <= now:
                del self.due[name]
                self.stack.restart(name)
                self.started_at[name] = time.monotonic()
                self.restarts[name] = self.restarts.get(name, 0) + 1


def lifeline() -> Callable[[], None] | None:
    """A function for `subprocess.Popen(preexec_fn=...)`: the child gets SIGTERM when the process
    (strictly: the thread) that started it ends, however it ends. None where the system cannot."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: a forked child should not load it
    parent = os.getpid()

    def in_child() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return in_child
