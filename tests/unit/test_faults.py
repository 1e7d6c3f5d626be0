"""Which failures are an outage of the database or the broker (answered 503, waited out) and
which are not (a bug or bad data: answered 500, or the worker stops)."""

from __future__ import annotations

import asyncpg
import pytest
from aiokafka import errors as kafka_errors

from services.infra import faults

pytestmark = pytest.mark.unit


def _raised(exc: BaseException, cause: BaseException | None = None) -> BaseException:
    try:
        raise exc from cause
    except BaseException as caught:  # noqa: BLE001 - the point is to keep what was raised
        return caught


@pytest.mark.parametrize("exc", [
    ConnectionRefusedError(111, "Connection refused"),
    ConnectionResetError(104, "Connection reset by peer"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg.InterfaceError("cannot call Transaction.__aexit__(): the underlying connection is"
                           " closed"),
    asyncpg.InterfaceError("pool is closing"),
])
def test_a_lost_or_refused_database_is_an_outage_of_the_database(exc: Exception) -> None:
    assert faults.outage(exc) == faults.DATABASE


@pytest.mark.parametrize("exc", [
    kafka_errors.KafkaConnectionError("Unable to bootstrap from 127.0.0.1:9"),
    kafka_errors.NodeNotReadyError("node 0 not ready"),
    kafka_errors.KafkaTimeoutError(),
    kafka_errors.RequestTimedOutError(),
])
def test_a_broker_out_of_reach_is_an_outage_of_the_broker(exc: Exception) -> None:
    assert faults.outage(exc) == faults.BROKER


@pytest.mark.parametrize("exc", [
    ValueError("bad value"),
    KeyError("missing"),
    asyncpg.UniqueViolationError("duplicate key"),
    asyncpg.UndefinedTableError("relation does not exist"),
    asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
    FileNotFoundError(2, "No such file or directory"),
    kafka_errors.UnknownTopicOrPartitionError(),
])
def test_a_bug_or_bad_data_is_no_outage(exc: Exception) -> None:
    assert faults.outage(_raised(exc)) is None


def test_a_statement_cut_off_by_the_database_dying_is_an_outage() -> None:
    # what a COMMIT on its way meets when the server is killed: the protocol is left between
    # states (the same words a connection used twice at once would give, which the project's
    # code never does: each task holds its own connection)
    cut = asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in"
                                      " progress")
    assert faults.outage(_raised(cut)) == faults.DATABASE


def test_an_outage_is_found_behind_the_error_that_wraps_it() -> None:
    wrapped = _raised(RuntimeError("could not store"), ConnectionRefusedError(111, "refused"))
    assert faults.outage(wrapped) == faults.DATABASE
    group = ExceptionGroup("several", [ValueError("x"), kafka_errors.KafkaConnectionError()])
    assert faults.outage(group) == faults.BROKER


def test_backoff_doubles_up_to_its_ceiling_and_starts_over_after_a_reset() -> None:
    backoff = faults.Backoff(first=1.0, most=8.0)
    delays = [backoff.next() for _ in range(6)]
    for delay, ceiling in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert 0.8 * ceiling <= delay <= ceiling
    backoff.reset()
    assert backoff.next() <= 1.0
