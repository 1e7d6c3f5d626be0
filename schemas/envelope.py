"""The envelope every message travels in, and decoding with validation and upcasting."""

from __future__ import annotations

import functools
import hashlib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    create_model,
)

from schemas import registry
from schemas.base import BY_MODEL, REGISTRY, Payload

# Namespace for ids derived from other ids (idempotency keys, events caused by events).
IDEASTORM_NS = uuid.UUID("5b1f6f0e-8a43-4c1e-9d1a-2f0c0de1dea5")
_NS_BYTES = IDEASTORM_NS.bytes

ActorId = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def derived_id(*parts: object) -> uuid.UUID:
    """A stable UUID for something determined by `parts` (replays and retries give the same id)."""
    # uuid.uuid5, without its per-call conversions (the importer derives one per vote)
    digest = hashlib.sha1(_NS_BYTES + "/".join(map(str, parts)).encode(), usedforsecurity=False)
    return uuid.UUID(bytes=digest.digest()[:16], version=5)


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
        spec = REGISTRY[self.type]
        if self.version == spec.version:
            # an id or a name: its JSON form is the text the typed model's key would give, so
            # publishing needs no second validation of every payload
            value = self.payload.get(spec.model.__key_field__)
            if isinstance(value, str):
                return value.encode()
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
    """Parse, upcast and validate one message. Raises `RefusedMessage` with a reason code.

    A message of a known type at its current version, with no NUL escape in its bytes, is read
    in one validation straight from the JSON bytes (`_one_pass`). Anything else (refusals, older
    versions to upcast, a possible NUL) takes the step-by-step path, which says why it refuses,
    so the reasons stay the same whichever path a message takes.
    """
    # JSON can only carry NUL as the escape `\u0000` (a raw NUL byte is not JSON at all), so
    # bytes without it hold no NUL anywhere; with it (even as an escaped backslash followed by
    # the text u0000) the step-by-step path decides exactly.
    if raw is not None and b"\\u0000" not in raw:
        try:
            typed = _one_pass().validate_json(raw)
        except ValidationError:
            pass
        else:
            return _plain_envelope(typed)
    registry.load_all()
    return _decode_in_steps(raw)


@functools.cache
def _one_pass() -> TypeAdapter[Any]:
    """A union of one envelope model per event type, whose `payload` is that type's model.

    The union is tagged by `type`; each member accepts only the current `version`, so an older
    message (to upcast) fails here and goes step by step. The payload is validated from the dict
    parsed in the same pass, exactly as `model_validate` did after the envelope, and both are
    kept: the dict becomes `Envelope.payload` (as it arrived), the model is what decode returns.
    """
    registry.load_all()
    members = []
    for spec in REGISTRY.values():
        this_type: Any = Literal[spec.event_type]
        this_version: Any = Literal[spec.version]
        payload: Any = Annotated[spec.model, WrapValidator(_with_dict)]
        model = create_model(
            f"{spec.model.__name__}Envelope",
            __base__=Envelope,
            type=(this_type, ...),
            version=(this_version, ...),
            payload=(payload, ...),
        )
        members.append(Annotated[model, Tag(spec.event_type)])
    union: Any = Annotated[Union[tuple(members)], Discriminator("type")]  # noqa: UP007
    return TypeAdapter(union)


def _with_dict(
    value: Any, validate: ValidatorFunctionWrapHandler
) -> tuple[dict[str, Any], Payload]:
    return value, validate(value)


def _plain_envelope(typed: Envelope) -> tuple[Envelope, Payload]:
    """`typed` as a plain `Envelope` holding the payload dict as it arrived, and the model.

    The per-type models only narrow `type`, `version` and `payload`, so an instance has exactly
    an `Envelope`'s fields; changing its class in place costs well under a microsecond, where
    building a new `Envelope` (even with `model_construct`) costs as much as half the validation.
    """
    payload, model = typed.__dict__["payload"]
    typed.__dict__["payload"] = payload
    object.__setattr__(typed, "__class__", Envelope)
    return typed, model


def _decode_in_steps(raw: bytes | None) -> tuple[Envelope, Payload]:
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


def json_time(value: datetime) -> str:
    """An aware time as the envelope's JSON writes it (ISO 8601, `Z` for UTC)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def field_values(model: type[BaseModel], name: str, values: list[Any]) -> list[Any]:
    """`values` validated, all in one call, with the constraints (and the model's settings) of
    `model`'s field `name`: what the model would keep of each. Raises `ValidationError`."""
    info = model.model_fields[name]
    kind: Any = Annotated[(info.annotation, *info.metadata)]
    checked: list[Any] = TypeAdapter(list[kind], config=model.model_config).validate_python(values)
    return checked


class Template:
    """Envelopes that differ only in some fields, encoded without a model per envelope.

    The envelope model encodes one example whose varying fields hold markers (`slots`: a name
    for each marker's text, as it appears in the example's JSON); `fill` writes an envelope's
    values where the markers were. Each value must be the JSON text the model would write for
    that field (`str(uuid)`, `json_time`, or a string that needs no escaping), validated with
    the field's constraints (`field_values`): then `fill` gives the bytes `to_bytes` would.
    """

    def __init__(self, example: Envelope, slots: dict[str, str]) -> None:
        text = example.model_dump_json()
        found: list[tuple[int, str, str]] = []
        for name, mark in slots.items():
            at = text.find(mark)
            if at < 0:
                raise ValueError(f"the marker of {name!r} is not in the example")
            while at >= 0:
                found.append((at, name, mark))
                at = text.find(mark, at + len(mark))
        parts, end = [], 0
        for at, name, mark in sorted(found):
            if at < end:
                raise ValueError(f"the marker of {name!r} overlaps another")
            parts += [text[end:at].replace("%", "%%"), f"%({name})s"]
            end = at + len(mark)
        parts.append(text[end:].replace("%", "%%"))
        self._format = "".join(parts)

    def fill(self, values: dict[str, str]) -> bytes:
        return (self._format % values).encode()
