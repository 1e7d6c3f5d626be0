"""The envelope every message travels in, and decoding with validation and upcasting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from schemas import registry
from schemas.base import BY_MODEL, REGISTRY, Payload

# Namespace for ids derived from other ids (idempotency keys, events caused by events).
IDEASTORM_NS = uuid.UUID("5b1f6f0e-8a43-4c1e-9d1a-2f0c0de1dea5")

ActorId = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def derived_id(*parts: object) -> uuid.UUID:
    """A stable UUID for something determined by `parts` (replays and retries give the same id)."""
    return uuid.uuid5(IDEASTORM_NS, "/".join(str(p) for p in parts))


class Envelope(BaseModel):
    """One message on a topic. `event_id` is the idempotency key; `actor` is never anonymous."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    type: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1, le=100)
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    actor: str = ActorId
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        payload: Payload,
        *,
        actor: str,
        occurred_at: datetime | None = None,
        event_id: uuid.UUID | None = None,
        correlation_id: uuid.UUID | None = None,
        cause: Envelope | None = None,
    ) -> Envelope:
        """Put a payload in an envelope. With `cause`, the event id is derived from the cause."""
        spec = BY_MODEL[type(payload)]
        now = utcnow()
        if event_id is None:
            event_id = derived_id(cause.event_id, spec.event_type) if cause else uuid.uuid4()
        if correlation_id is None:
            correlation_id = cause.correlation_id if cause else event_id
        return cls(
            event_id=event_id,
            type=spec.event_type,
            version=spec.version,
            occurred_at=occurred_at or now,
            recorded_at=now,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=cause.event_id if cause else None,
            payload=payload.model_dump(mode="json"),
        )

    @property
    def topic(self) -> str:
        return REGISTRY[self.type].topic.name

    def key(self) -> bytes:
        return self.model().message_key().encode()

    def model(self) -> Payload:
        """The payload as its typed model (the envelope must already be at the current version)."""
        model: Payload = REGISTRY[self.type].model.model_validate(self.payload)
        return model

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


class RefusedMessage(Exception):
    """A message a consumer cannot accept. `reason` is a short code for the dead-letter topic."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def decode(raw: bytes | None) -> tuple[Envelope, Payload]:
    """Parse, upcast and validate one message. Raises `RefusedMessage` with a reason code."""
    registry.load_all()
    if raw is None:
        raise RefusedMessage("malformed", "empty message")
    try:
        env = Envelope.model_validate_json(raw)
    except ValidationError as exc:
        raise RefusedMessage("malformed", _short(exc)) from exc
    spec = REGISTRY.get(env.type)
    if spec is None:
        raise RefusedMessage("unknown_type", f"no event type {env.type!r}")
    if env.version > spec.version:
        raise RefusedMessage(
            "unknown_version", f"{env.type} version {env.version} is newer than {spec.version}"
        )
    if contains_nul(env.payload):
        # PostgreSQL text cannot hold NUL; no consumer could store such an event
        raise RefusedMessage("malformed", "text contains a NUL character")
    payload = env.payload
    for v in range(env.version, spec.version):
        step = spec.upcasters.get(v)
        if step is None:
            raise RefusedMessage("unknown_version", f"no upcaster for {env.type} v{v}")
        payload = step(payload)
    try:
        model = spec.model.model_validate(payload)
    except ValidationError as exc:
        raise RefusedMessage("malformed", _short(exc)) from exc
    if payload is not env.payload:
        env = env.model_copy(update={"payload": model.model_dump(mode="json"), "version": spec.version})
    return env, model


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


def _short(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)
