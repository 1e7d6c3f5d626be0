"""structlog set-up: JSON lines when not on a terminal, pretty console otherwise.

`correlation_id` and `event_id` live in context variables, bound once per HTTP request (the
gateway's middleware) and once per message (the consumers): every log line written while that
request or message is handled carries them, and every event a request publishes carries the
request's `correlation_id`.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any, Protocol

import structlog

_correlation_id: ContextVar[uuid.UUID | None] = ContextVar("correlation_id", default=None)
_event_id: ContextVar[uuid.UUID | None] = ContextVar("event_id", default=None)


class _Traced(Protocol):
    @property
    def event_id(self) -> uuid.UUID: ...

    @property
    def correlation_id(self) -> uuid.UUID: ...


def bind_request(correlation_id: uuid.UUID) -> None:
    """The request being handled: its log lines and the events it publishes carry this id."""
    _correlation_id.set(correlation_id)
    _event_id.set(None)


def bind_message(envelope: _Traced) -> None:
    """The message being handled: its log lines carry its `event_id` and `correlation_id`."""
    _event_id.set(envelope.event_id)
    _correlation_id.set(envelope.correlation_id)


def current_correlation_id() -> uuid.UUID | None:
    return _correlation_id.get()


def _add_ids(logger: Any, method: str, event_dict: MutableMapping[str, Any]
             ) -> MutableMapping[str, Any]:
    correlation, event = _correlation_id.get(), _event_id.get()
    if correlation is not None:
        event_dict.setdefault("correlation_id", str(correlation))
    if event is not None:
        event_dict.setdefault("event_id", str(event))
    return event_dict


def configure_logging(level: str = "INFO", json: bool | None = None) -> None:
    if json is None:
        json = not sys.stderr.isatty()
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _add_ids,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
