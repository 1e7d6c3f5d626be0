"""HTTP plumbing shared by every service router: context, auth, errors, accepted writes.

Services define their routers with these dependencies; the gateway composes them into one app.
The edge helpers live here once: role aliases (`Participant`, `Moderator`, `Planner`, ...),
`OptionalPrincipal`, the `WaitFor` / `Limit` / `Offset` query parameters, `build()` for request
payloads, `new_id()` for ids repeatable through `Idempotency-Key`, and `wait_for_event()`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Protocol, TypeVar

import asyncpg
import structlog
from fastapi import Depends, Header, HTTPException, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, BeforeValidator, PrivateAttr, ValidationError, model_validator

from schemas.base import Payload
from schemas.envelope import Envelope, contains_nul, derived_id
from services.infra import db, vault
from services.infra.archive import Logged
from services.infra.auth import AuthError, Principal, Role, TokenVerifier
from services.infra.feed import StatusFeed
from services.infra.kafka import EventProducer
from services.infra.limits import WRITE_METHODS, WriteLimits
from services.infra.logging import current_correlation_id
from services.infra.settings import Settings

log = structlog.get_logger(__name__)


PENDING = "pending"
PUBLISHED = "published"


@dataclass(frozen=True)
class Claim:
    """Where an `Idempotency-Key` stands: the event it stands for, the fingerprint of the request
    that claimed it, and whether that event is `PENDING` or `PUBLISHED`. `token` is set only when
    the asking request holds the claim itself (it is the one to publish the event)."""

    event_id: uuid.UUID
    fingerprint: str
    state: str
    token: uuid.UUID | None = None


class IdempotencyStore(Protocol):
    """Where the gateway claims an `Idempotency-Key` for one request, and remembers which event
    the key stands for once that request has published it."""

    async def lookup(self, actor: str, key: str) -> tuple[uuid.UUID, str] | None:
        """The event and request fingerprint of a key whose event is published (a key still
        pending is not: its request may yet fail, and a repeat must then pass every check)."""
        ...

    async def claim(self, actor: str, key: str, event_id: uuid.UUID, fingerprint: str, *,
                    stale_after_s: float) -> Claim:
        """Claim the key for a request, atomically: a key nobody holds, or a `PENDING` claim of
        the same fingerprint held longer than `stale_after_s`, becomes this request's (`token`
        set, `PENDING`); otherwise the claim as it stands, held by another request."""
        ...

    async def published(self, actor: str, key: str) -> None:
        """The key's event is durably published: later requests get it as their answer."""
        ...

    async def release(self, actor: str, key: str, token: uuid.UUID) -> None:
        """Give up a `PENDING` claim this request holds (its event was not published), so that
        a retry can claim the key; a claim taken over since, or published, is left alone."""
        ...

    async def record(self, event_id: uuid.UUID, actor: str,
                     logged: Logged | None = None) -> None:
        """This event was accepted (so `wait_for` may wait for it), at `logged` in the log."""
        ...

    async def record_many(self, event_ids: Sequence[uuid.UUID], actor: str) -> None:
        """These events, published together, were accepted."""
        ...

    async def position(self, event_id: uuid.UUID) -> tuple[str, int, int] | None:
        """(topic, partition, offset) where an accepted event was logged, if it is known."""
        ...

    async def accepted(self, event_id: uuid.UUID) -> bool:
        """Was this event accepted by the gateway?"""
        ...


class NameDirectory(Protocol):
    """Display names for participant ids, for pages that credit authors by name."""

    async def shown_names(self, participant_ids: set[str]) -> dict[str, str]:
        """The names of those among `participant_ids` who agreed to be shown by name."""
        ...


# (ctx, caller) -> what one service holds about the caller, as JSON-ready data (`GET /me/data`)
PersonalData = Callable[["HttpContext", Principal], Awaitable[Any]]


@dataclass
class HttpContext:
    """What every route receives. The last three are wired by the gateway at start-up from
    the services that provide them, so that no service imports another: `principal_seen` is
    called with every verified caller (the identity service keeps its registry with it),
    `names` resolves display names, and `personal_data` holds each service's part of a
    person's data."""

    settings: Settings
    pool: asyncpg.Pool
    producer: EventProducer
    verifier: TokenVerifier
    idempotency: IdempotencyStore
    # this process's read of `status`, and the caches it keeps current (by service)
    status_feed: StatusFeed | None = None
    caches: dict[str, Any] = field(default_factory=dict)
    principal_seen: Callable[[Principal], Awaitable[None]] | None = None
    names: NameDirectory | None = None
    personal_data: dict[str, PersonalData] = field(default_factory=dict)

    async def shown_names(self, participant_ids: set[str]) -> dict[str, str]:
        """Names to show beside these participants' contributions ({} without a directory)."""
        if self.names is None or not participant_ids:
            return {}
        return await self.names.shown_names(participant_ids)


async def get_context(request: Request) -> HttpContext:
    # a coroutine: FastAPI runs a plain function dependency in a worker thread, a hop per request
    ctx: HttpContext = request.app.state.ctx
    return ctx


Context = Annotated[HttpContext, Depends(get_context)]


class ApiError(HTTPException):
    """A 4xx with a machine-readable code and a sentence saying what was wrong."""

    def __init__(self, status_code: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status_code, detail={"code": code, "message": message},
                         headers=headers)


def not_found(what: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident} does not exist")


_bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthenticated(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED,
                         detail={"code": "unauthenticated", "message": message},
                         headers={"WWW-Authenticate": "Bearer"})


async def _verify(ctx: HttpContext, creds: HTTPAuthorizationCredentials) -> Principal:
    try:
        # awaits the identity provider's keys when a token names a new one: never blocks the loop
        principal = await ctx.verifier.verify_async(creds.credentials)
    except AuthError as exc:
        raise _unauthenticated(str(exc)) from exc
    structlog.contextvars.bind_contextvars(actor=principal.sub)
    if ctx.principal_seen is not None:
        await ctx.principal_seen(principal)
    return principal


async def _limit_writes(request: Request, principal: Principal) -> None:
    """A signed-in caller's writes beyond the per-participant rate limit are a 429."""
    limits: WriteLimits | None = getattr(request.app.state, "write_limits", None)
    if limits is None or request.method not in WRITE_METHODS:
        return
    refusal = await limits.participant(principal.sub)
    if refusal is not None:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            detail={"code": "rate_limited", "message": refusal.message},
                            headers={"Retry-After": str(refusal.retry_after_s)})


async def optional_principal(request: Request, ctx: Context, creds: Credentials
                             ) -> Principal | None:
    """The caller when a token is sent (an invalid one is a 401), otherwise None."""
    if creds is None:
        return None
    principal = await _verify(ctx, creds)
    await _limit_writes(request, principal)
    return principal


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: a valid bearer token with one of `roles` (admin passes every check)."""
    wanted = set(roles)

    async def dependency(request: Request, ctx: Context, creds: Credentials) -> Principal:
        if creds is None:
            raise _unauthenticated("a bearer token is required")
        principal = await _verify(ctx, creds)
        if wanted and not principal.has_any(wanted):
            raise ApiError(403, "forbidden",
                           f"this needs one of the roles {sorted(r.value for r in wanted)}")
        await _limit_writes(request, principal)
        return principal

    dependency.requires_token = True  # type: ignore[attr-defined]  # read by the OpenAPI document
    return dependency


# Who may call a route, said once (admin passes every check).
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
Participant = Annotated[Principal, Depends(require(Role.PARTICIPANT))]
Moderator = Annotated[Principal, Depends(require(Role.MODERATOR))]
Planner = Annotated[Principal, Depends(require(Role.PLANNER))]
Steering = Annotated[Principal, Depends(require(Role.STEERING))]
PlanReader = Annotated[Principal, Depends(require(Role.PLANNER, Role.STEERING))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]

# `wait_for` holds a request at most this long; the settings may only shorten it.
WAIT_FOR_MAX_S = 5.0


async def _wait_for(
    principal: OptionalPrincipal,
    wait_for: Annotated[uuid.UUID | None, Query(description=(
        f"an event_id from a 202 (needs a bearer token): wait at most {WAIT_FOR_MAX_S:g} s until "
        "it is visible here; 404 when the event is unknown, 504 when it is not visible in time"
    ))] = None,
) -> uuid.UUID | None:
    """Only a signed-in caller may hold a connection open waiting for an event."""
    if wait_for is not None and principal is None:
        raise _unauthenticated("wait_for needs a bearer token (the caller who made the write)")
    return wait_for


WaitFor = Annotated[uuid.UUID | None, Depends(_wait_for)]
def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a date must be written YYYY-MM-DD")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A day in a query: only YYYY-MM-DD (pydantic alone would read "0" as 1970-01-01).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]

P = TypeVar("P", bound=BaseModel)


def build(model: type[P], **fields: Any) -> P:
    """The event payload for a request; a rule the request model could not check is a 422
    naming the field and the problem (e.g. shares not adding up)."""
    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5])
        raise ApiError(422, "invalid_request", f"the request is not valid: {problems}") from exc


def new_id(kind: str, principal: Principal, idempotency_key: str | None) -> uuid.UUID:
    """A fresh id, or the same id again when a request is repeated with its Idempotency-Key."""
    if idempotency_key is None:
        return uuid.uuid4()
    return derived_id(kind, principal.sub, idempotency_key)


IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200,
           description="Repeat a write with the same key to get the same event_id and no new event"),
]


class StrictBody(BaseModel):
    """Base of every request body: each JSON value must already have the type the document
    declares, so "3" is not a number, `true` is not 1 and 1 is not `true` (pydantic would
    coerce them); dates, datetimes and UUIDs come as the strings the document says."""

    @model_validator(mode="before")
    @classmethod
    def _json_types_as_declared(cls, data: Any) -> Any:
        schema = _validation_schema(cls)
        problems = list(_type_mismatches(data, schema, schema.get("$defs", {}), ""))
        if problems:
            raise ValueError("; ".join(problems[:5]))
        return data


    @model_validator(mode="wrap")
    @classmethod
    def _lengths_as_sent(cls, data: Any, handler: Any) -> Any:
        # the document's length limits are on the text as sent; the models strip whitespace
        # before they count, so a body they accept is held to the limits once more as it came
        model = handler(data)
        schema = _validation_schema(cls)
        problems = list(_too_long(data, schema, schema.get("$defs", {}), ""))
        if problems:
            raise ValueError("; ".join(problems[:5]))
        return model


def _too_long(value: Any, schema: dict[str, Any], defs: dict[str, Any], where: str
              ) -> Iterator[str]:
    options = [schema] + [o for k in ("anyOf", "oneOf") for o in schema.get(k, [])]
    for option in options:
        while "$ref" in option:
            option = defs.get(option["$ref"].rsplit("/", 1)[1], {})
        limit = option.get("maxLength")
        if isinstance(value, str) and limit is not None and len(value) > limit:
            yield f"{where or 'body'}: at most {limit} characters, got {len(value)}"
            return
        if isinstance(value, dict) and "properties" in option:
            for name, sub in option["properties"].items():
                if name in value:
                    yield from _too_long(value[name], sub, defs, f"{where}.{name}" if where else name)
            return
        if isinstance(value, list) and isinstance(option.get("items"), dict):
            for i, item in enumerate(value):
                yield from _too_long(item, option["items"], defs, f"{where}[{i}]")
            return


@functools.cache
def _validation_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


_JSON_TYPES = {bool: "boolean", str: "string", int: "integer", float: "number"}


def _allowed(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> set[str] | None:
    """The JSON types a schema admits, or None when it does not say."""
    if depth > 20:
        return None
    if "$ref" in schema:
        return _allowed(defs.get(schema["$ref"].rsplit("/", 1)[1], {}), defs, depth + 1)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            found: set[str] = set()
            for option in schema[key]:
                sub = _allowed(option, defs, depth + 1)
                if sub is None:
                    return None
                found |= sub
            return found
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return set(kind)
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if values is not None:
        return {_JSON_TYPES.get(type(v), "other") for v in values}
    return None


def _type_mismatches(value: Any, schema: dict[str, Any], defs: dict[str, Any],
                     where: str) -> Iterator[str]:
    while "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[1], {})
    allowed = _allowed(schema, defs)
    kind = _JSON_TYPES.get(type(value))
    if allowed is not None and kind is not None:
        ok = (kind in allowed or (kind == "integer" and "number" in allowed)
              or (kind == "number" and "integer" in allowed and float(value).is_integer()))
        if not ok:
            yield (f"{where or 'body'}: expected {' or '.join(sorted(allowed))}, "
                   f"got the {kind} {value!r}")
            return
    options = [schema] + [o for k in ("anyOf", "oneOf") for o in schema.get(k, [])]
    for option in options:
        while "$ref" in option:
            option = defs.get(option["$ref"].rsplit("/", 1)[1], {})
        if isinstance(value, dict) and "properties" in option:
            for name, sub in option["properties"].items():
                if name in value:
                    yield from _type_mismatches(value[name], sub, defs,
                                                f"{where}.{name}" if where else name)
            return
        if isinstance(value, list) and isinstance(option.get("items"), dict):
            for i, item in enumerate(value):
                yield from _type_mismatches(item, option["items"], defs, f"{where}[{i}]")
            return


class Accepted(BaseModel):
    """A write was accepted; the event is durably on its topic and will be applied."""

    event_id: uuid.UUID
    status: str = "accepted"
    # where the event was logged, when this request published it (not on a repeat)
    _logged: Logged | None = PrivateAttr(default=None)

    @property
    def logged(self) -> Logged | None:
        return self._logged


async def accept(
    ctx: HttpContext,
    principal: Principal,
    payload: Payload,
    *,
    idempotency_key: str | None,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
    plain: Payload | None = None,
) -> Accepted:
    """Produce one event for a write request, honouring `Idempotency-Key`. For a payload whose
    text is sealed (`services.infra.vault`), `plain` is the same request before sealing: the
    checks and the request's fingerprint are of it (sealing twice never gives the same bytes),
    and the fingerprint is keyed with the writer's vault key, so it outlives no erasure.
    `event_id` fixes the id of an event that is the same event however often it is asked for
    (without a key): once it was accepted, asking again produces nothing new. A key is claimed
    before anything is published: of requests sent together with one key, one publishes, each
    identical one is answered its event once that is durable, and any other gets a 409."""
    request = plain if plain is not None else payload
    dumped = request.model_dump(mode="json")
    if contains_nul(dumped):
        # every consumer would refuse it (PostgreSQL text cannot hold NUL): say so now, not 202
        raise ApiError(422, "invalid_request", "the request's text contains a NUL character")
    if event_id is not None and idempotency_key is None \
            and await ctx.idempotency.accepted(event_id):
        return Accepted(event_id=event_id)
    claim: Claim | None = None
    if idempotency_key is not None:  # only a request with a key has its fingerprint kept
        canonical = json.dumps([type(request).__name__, dumped], sort_keys=True).encode()
        if plain is None:
            fingerprint = hashlib.sha256(canonical).hexdigest()
        else:
            try:
                async with ctx.pool.acquire() as conn:
                    fingerprint = await vault.keyed_digest(conn, principal.sub, canonical)
            except vault.Erased as exc:
                raise ApiError(403, "participant_erased", str(exc)) from exc
        event_id = derived_id("idempotency", principal.sub, idempotency_key)
        claim = await _claim(ctx, principal.sub, idempotency_key, event_id, fingerprint)
        if claim.token is None:  # an identical request published it: its answer is ours
            return Accepted(event_id=claim.event_id)
    env = Envelope.wrap(payload, actor=principal.sub, occurred_at=occurred_at, event_id=event_id,
                        correlation_id=current_correlation_id())
    try:
        logged = await ctx.producer.publish(env)
        await ctx.idempotency.record(env.event_id, principal.sub, logged)
    except BaseException:
        if claim is not None and claim.token is not None and idempotency_key is not None:
            # nothing was answered: free the key so that this request can be retried
            await _release(ctx, principal.sub, idempotency_key, claim.token)
        raise
    if idempotency_key is not None:
        await ctx.idempotency.published(principal.sub, idempotency_key)
    log.info("write.accepted", type=env.type, event_id=str(env.event_id))
    answer = Accepted(event_id=env.event_id)
    answer._logged = logged  # noqa: SLF001 - set once, by its maker
    return answer


# A claim still pending after this long was left by a request that died between claiming its key
# and publishing (its process crashed or was killed): an identical request may take it over and
# publish the event again, under the same event_id (derived from the key), which every consumer
# applies once. Publishing takes well under a second here; a live request slower than this can
# only lead to the same event being published twice, never to two different events.
CLAIM_STALE_S = 30.0
# How long a repeated request waits for the request holding its key to publish before it is
# answered 409 `idempotency_key_in_use` (retry later: the holder publishes, or its claim goes
# stale and the retry takes it over).
CLAIM_WAIT_S = 10.0
CLAIM_RETRY_AFTER_S = 2


async def _claim(ctx: HttpContext, actor: str, key: str, event_id: uuid.UUID,
                 fingerprint: str) -> Claim:
    """The claim on `key` this request holds, or the published claim of an identical request.
    While an identical request holds the key unpublished, wait (bounded) for it: answering 202
    before its event is durable would promise what may never happen. If it fails and releases
    the key, or its claim goes stale, this request takes the key over."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CLAIM_WAIT_S
    delay = 0.01
    while True:
        claim = await ctx.idempotency.claim(actor, key, event_id, fingerprint,
                                            stale_after_s=CLAIM_STALE_S)
        if claim.token is not None:
            return claim
        if claim.fingerprint != fingerprint:
            # the request itself is valid; it conflicts with the earlier one of that key
            raise ApiError(409, "idempotency_key_reused",
                           "this Idempotency-Key was already used for a different request")
        if claim.state == PUBLISHED:
            return claim
        if loop.time() > deadline:
            raise ApiError(409, "idempotency_key_in_use",
                           "an identical request with this Idempotency-Key is still being "
                           "published; retry later for its answer",
                           headers={"Retry-After": str(CLAIM_RETRY_AFTER_S)})
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.1)


async def _release(ctx: HttpContext, actor: str, key: str, token: uuid.UUID) -> None:
    try:
        await ctx.idempotency.release(actor, key, token)
    except Exception:  # the publish error is the one to report; the claim goes stale instead
        log.exception("idempotency.release_failed", actor=actor)


async def wait_for_event(ctx: HttpContext, schema: str, event_id: uuid.UUID | None) -> None:
    """Wait (bounded) until the service owning `schema` has processed `event_id`."""
    if event_id is None:
        return
    if await db.event_applied(ctx.pool, schema, event_id):
        return
    if not await ctx.idempotency.accepted(event_id):
        raise ApiError(404, "unknown_event",
                       f"wait_for: event {event_id} is unknown: no write here was accepted as "
                       "it and no service has processed it")
    limit = min(ctx.settings.wait_for_timeout_s, WAIT_FOR_MAX_S)
    deadline = asyncio.get_running_loop().time() + limit
    delay = 0.01
    while not await db.event_applied(ctx.pool, schema, event_id):
        if asyncio.get_running_loop().time() > deadline:
            raise ApiError(504, "wait_for_timeout",
                           f"event {event_id} was not processed within {limit:g} s; retry later")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"detail": {"code": code, "message": message, **extra}}
