"""Base classes for event payloads and the registry that maps `type` strings to models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from schemas.topics import Topic

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class Payload(BaseModel):
    """An event payload: frozen, closed (`extra="forbid"`), bounded.

    Subclasses set `__event_type__` (e.g. ``"idea.submitted"``), `__topic__`, `__key_field__`
    (the payload field whose value is the Kafka message key) and `__version__`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    __event_type__: ClassVar[str]
    __topic__: ClassVar[Topic]
    __key_field__: ClassVar[str]
    __version__: ClassVar[int] = 1

    def message_key(self) -> str:
        return str(getattr(self, self.__key_field__))


@dataclass
class EventSpec:
    event_type: str
    model: type[Payload]
    topic: Topic
    version: int
    # upcasters[v] turns a version-v payload into a version-(v+1) payload
    upcasters: dict[int, Upcaster] = field(default_factory=dict)


REGISTRY: dict[str, EventSpec] = {}
BY_MODEL: dict[type[Payload], EventSpec] = {}


def event(cls: type[Payload]) -> type[Payload]:
    """Class decorator: register a payload model under its `__event_type__`."""
    if cls.__event_type__ in REGISTRY:
        raise ValueError(f"event type {cls.__event_type__!r} registered twice")
    spec = EventSpec(cls.__event_type__, cls, cls.__topic__, cls.__version__)
    REGISTRY[cls.__event_type__] = spec
    BY_MODEL[cls] = spec
    return cls


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a pure function that lifts a payload from `from_version` to the next version."""

    def register(fn: Upcaster) -> Upcaster:
        REGISTRY[event_type].upcasters[from_version] = fn
        return fn

    return register
