"""Which failures mean the database or the broker is away, and how long to wait before retrying.

An outage is not a bug: the gateway answers it with 503 and `Retry-After`, a worker waits and
resumes from its stored offsets, and `ideastorm up` restarts a process that exited. `outage()`
tells the two apart, looking through the chain of causes, since a driver's error often reaches
the caller wrapped in another one.
"""

from __future__ import annotations

import errno
import random
import traceback
from collections.abc import Iterator

import asyncpg
from aiokafka import errors as kafka_errors

DATABASE = "database"
BROKER = "broker"

# PostgreSQL says it is shutting down, restarting or full; or the connection itself failed
_DATABASE_AWAY: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, and connections lost mid-operation
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,  # starting up, shutting down, in recovery
    asyncpg.TooManyConnectionsError,
)
# the broker cannot be reached, or did not answer in time
_BROKER_AWAY: tuple[type[Exception], ...] = (
    kafka_errors.KafkaConnectionError,
    kafka_errors.NodeNotReadyError,
    kafka_errors.NoBrokersAvailable,
    kafka_errors.KafkaTimeoutError,
    kafka_errors.RequestTimedOutError,
)
# what asyncpg says about a connection or pool that is closed under it
_CLOSED = ("connection is closed", "connection was closed", "pool is closing",
           "pool is closed")
# a socket that cannot reach its server: refused, reset, unreachable, or a socket file missing
_UNREACHABLE = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE,
                errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENOENT, errno.ETIMEDOUT}

# The exception classes whose instances may be an outage (a web framework registers one
# handler per class; `outage()` then says whether this one is).
CANDIDATES: tuple[type[Exception], ...] = (
    *_DATABASE_AWAY, asyncpg.InterfaceError, asyncpg.InternalClientError,
    kafka_errors.KafkaError, OSError)


def outage(exc: BaseException) -> str | None:
    """`DATABASE` or `BROKER` when `exc`, or an error that caused it, says that one cannot be
    reached right now; None for any other failure (a bug, bad data: those are not retried)."""
    for e in _causes(exc):
        kind = _kind(e)
        if kind is not None:
            return kind
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        todo.extend(c for c in (e.__cause__, e.__context__) if c is not None)


def _kind(e: BaseException) -> str | None:
    if isinstance(e, _DATABASE_AWAY):
        return DATABASE
    if isinstance(e, asyncpg.InterfaceError):
        return DATABASE if any(s in str(e) for s in _CLOSED) else None
    if isinstance(e, asyncpg.InternalClientError) and (
            _in_pool_release(e) or "cannot switch to state" in str(e)):
        # the server ended the connection between a query's answer and the pool's reset of it,
        # or while a statement (a COMMIT) was on its way: the protocol is left between states
        # (seen when the database server is killed); the pool drops it and connects anew
        return DATABASE
    if isinstance(e, _BROKER_AWAY):
        return BROKER
    if isinstance(e, OSError) and (isinstance(e, ConnectionError | TimeoutError)
                                   or e.errno in _UNREACHABLE):
        raised_in = _raised_in(e)
        if raised_in is not None:
            return raised_in
        # a bare socket error from neither driver: only a refused or lost connection counts
        # (a missing file, say, is a bug); the database is what the services connect to most
        return DATABASE if isinstance(e, ConnectionError | TimeoutError) else None
    return None


def _in_pool_release(e: BaseException) -> bool:
    return any(frame.f_code.co_name == "release"
               and str(frame.f_globals.get("__name__", "")) == "asyncpg.pool"
               for frame, _ in traceback.walk_tb(e.__traceback__))


def _raised_in(e: BaseException) -> str | None:
    """Which driver's code the error went through, from its traceback."""
    for frame, _ in traceback.walk_tb(e.__traceback__):
        module = str(frame.f_globals.get("__name__", ""))
        if module.startswith("asyncpg"):
            return DATABASE
        if module.startswith("aiokafka"):
            return BROKER
    return None


class Backoff:
    """Exponential delays with jitter: `first`, about twice that, ... up to `most` seconds."""

    def __init__(self, first: float = 0.5, most: float = 30.0) -> None:
        self.first, self.most = first, most
        self.attempts = 0

    def next(self) -> float:
        delay = min(self.most, self.first * 2 ** self.attempts)
        self.attempts += 1
        # a little jitter, so processes that lost the same server do not all retry at once
        return float(round(delay * random.uniform(0.8, 1.0), 2))

    def reset(self) -> None:
        self.attempts = 0
