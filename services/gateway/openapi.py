"""The gateway's contract: the OpenAPI document, made exact, and the check against the last one.

FastAPI's generated document is completed here once, for every route, from what the route depends
on, rather than in each service's router:

- one error schema (`Error`: code, message, the field errors) on every status a route can answer:
  422 for anything with parameters or a body, 401/403 for a role, 401 for an optional token,
  404 for a path parameter or `wait_for`, 504 for `wait_for`, 400/409/413/429 for writes,
  503 with `Retry-After` for anything that reads or writes while the database or broker is away;
- who may call it: a route without a token dependency is public (`security: []`), one with an
  optional token says so (`[{}, {"HTTPBearer": []}]`);
- the media types of the renderings a route answers (`MEDIA`), and an example on every request body.

`python -m services.gateway.openapi` writes `openapi.json` at the top of the repository;
`python -m services.gateway.openapi --check` fails when the committed document has drifted, or when
it removes a route, a field or an enum value without raising `info.version` (`breaking_changes`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from services.infra.http import WAIT_FOR_MAX_S, optional_principal

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "openapi.json"

# The contract's version: raise it (semver) with any change that removes or narrows something.
VERSION = "2.0.0"

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Every refusal: a machine-readable code, a sentence saying what was wrong and,"
                   " for an invalid request, each field and its problem.",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid_request"]},
                "message": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["where", "problem"],
                        "properties": {
                            "where": {"type": "string", "examples": ["body.opens_at"]},
                            "problem": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}

DESCRIPTIONS = {
    400: "The request body could not be read (not UTF-8 JSON)",
    401: "No valid bearer token (or `wait_for` without one)",
    403: "The token's roles, or the caller's relation to the resource, do not allow this",
    404: "Something named in the path, or the `wait_for` event, does not exist",
    406: "None of the media types in `Accept` can be answered",
    409: "The request conflicts with the current state (e.g. the campaign is not open) or with"
         " an earlier request of the same `Idempotency-Key`: a different one"
         " (`idempotency_key_reused`), or an identical one whose event is still being published"
         " (`idempotency_key_in_use`; `Retry-After` says when to ask again for its answer)",
    413: "The request body is too large",
    422: "A parameter or the body is not valid; `errors` names each field and why. Beyond"
         " this document: a window or period must end after it starts (a campaign opens"
         " within a year before and five years after today, for at most two years), funders'"
         " shares add up to the amount, a plan fact is not dated after today, and a profile's"
         " name and organisation are not blank and hold no control characters and its e-mail"
         " looks like name@example.org, and a list's"
         " `after` is a cursor that list made (`invalid_cursor`)",
    429: "Too many writes; `Retry-After` says when to try again",
    503: "The database or the broker cannot be reached right now (`database_unavailable`,"
         " `broker_unavailable`); `Retry-After` says when to try again. A write may or may not"
         " have been accepted: repeat it with the same `Idempotency-Key` to have it done once",
    504: f"The `wait_for` event was not processed within {WAIT_FOR_MAX_S:g} s; retry later",
}

# Routes whose success is not (only) JSON: the media types each rendering is served as.
MEDIA: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("GET", "/campaigns/{campaign_id}/tally"): {
        "application/json": {"schema": {"type": "object"}},
        "text/csv": {"schema": {"type": "string"}},
    },
    ("GET", "/reports/{ref}"): {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "text/html": {"schema": {"type": "string"}},
        "text/markdown": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "object"}},
    },
}
# Statuses only some routes answer, which their dependencies do not show.
EXTRA: dict[tuple[str, str], set[int]] = {
    ("GET", "/reports/{ref}"): {406},
    ("GET", "/me/votes"): {404},  # the campaign named in the query
    ("GET", "/me/receipts"): {404},  # the campaign named in the query
    ("GET", "/me/profile"): {404},  # none kept (erased)
    ("GET", "/log/consistency"): {404},  # no signed head of a size asked for
}
PUBLIC_WITHOUT_INPUT = {("GET", "/healthz"), ("GET", "/readyz")}
# Routes that answer without the database or broker (every other one may answer 503).
WITHOUT_BACKING = {("GET", "/healthz")}
# Routes whose own 503 is all they answer with it (`/readyz` says why it is not ready).
OWN_503_ONLY = {("GET", "/readyz")}
# The headers a refusal carries, by status.
HEADERS: dict[int, dict[str, Any]] = {
    503: {"Retry-After": {"description": "Seconds to wait before trying again",
                          "schema": {"type": "integer", "minimum": 1}}},
}


def _calls(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _calls(sub)


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in _calls(dependant):
        names |= {p.alias for p in sub.query_params}
    return names


def _auth(route: APIRoute) -> str:
    """'required', 'optional' or 'none': what the route does with a bearer token."""
    calls: list[Callable[..., Any] | None] = [d.call for d in _calls(route.dependant)]
    if any(getattr(c, "requires_token", False) for c in calls):
        return "required"
    if any(c is optional_principal for c in calls):
        return "optional"
    return "none"


def _statuses(route: APIRoute, method: str, auth: str) -> set[int]:
    found: set[int] = set()
    dependant = route.dependant
    has_input = bool(dependant.path_params or dependant.query_params or dependant.body_params
                     or dependant.header_params or any(
                         s.query_params or s.header_params for s in _calls(dependant)))
    if has_input:
        found.add(422)
    if auth == "required":
        found |= {401, 403}
    elif auth == "optional":
        found.add(401)
    if dependant.path_params or method in WRITE_METHODS:
        found.add(404)  # something the request names does not exist
    if "wait_for" in _query_names(dependant):
        found |= {401, 404, 504}
    if method in WRITE_METHODS:
        found |= {409, 413, 429}
        if dependant.body_params:
            found.add(400)
    return found


LATER = ("closes_at", "end", "to")  # a window's end: after its start in the example too


def _example(schema: dict[str, Any], components: dict[str, Any], depth: int = 0,
             name: str = "") -> Any:
    """A value the schema accepts, from its examples, defaults and types."""
    if depth > 8:
        return None
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components, depth + 1, name)
    if "examples" in schema and schema["examples"]:
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _example(options[0], components, depth + 1, name)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {prop: _example(props[prop], components, depth + 1, prop)
                for prop in schema.get("required", [])}
    if kind == "array":
        n = max(schema.get("minItems", 1), 1)
        return [_example(schema.get("items", {}), components, depth + 1) for _ in range(n)]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), int(schema.get("exclusiveMinimum", 0)) + 1)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        if fmt == "date-time":
            return "2027-03-31T16:00:00+01:00" if name in LATER else "2027-03-01T09:00:00+01:00"
        if fmt == "date":
            return "2027-03-31" if name in LATER else "2026-11-02"
        return "x" * max(int(schema.get("minLength", 1)), 1)
    return None


def complete(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's document made exact (see the module's docstring)."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Error"] = ERROR_SCHEMA
    error_ref = {"$ref": "#/components/schemas/Error"}
    routes = {(m, rc.path_format): rc.original_route for rc in iter_route_contexts(app.routes)
              if isinstance(rc.original_route, APIRoute) for m in rc.methods or ()}
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            key = (method.upper(), path)
            route = routes.get(key)
            if route is None:
                continue
            auth = _auth(route)
            if auth == "none":
                op["security"] = []
            elif auth == "optional":
                op["security"] = [{}, {"HTTPBearer": []}]
            responses = op.setdefault("responses", {})
            statuses = _statuses(route, key[0], auth) | EXTRA.get(key, set())
            if key in PUBLIC_WITHOUT_INPUT:
                statuses.discard(422)
            if key not in WITHOUT_BACKING:
                statuses.add(503)
            declared = {str(c) for c in route.responses}
            for code in sorted(statuses):
                if str(code) in declared:
                    if code == 503 and key not in OWN_503_ONLY:
                        # the route's own reason, and the database or broker being away
                        own = responses[str(code)]
                        outage = DESCRIPTIONS[503]
                        own["description"] = (f"{own['description'].rstrip('.')}. Or:"
                                              f" {outage[0].lower()}{outage[1:]}")
                        own["headers"] = HEADERS[503]
                    continue  # the route says what this status means for it
                responses[str(code)] = {
                    "description": DESCRIPTIONS.get(code, "Refused"),
                    "content": {"application/json": {"schema": error_ref}},
                    **({"headers": HEADERS[code]} if code in HEADERS else {}),
                }
            for code, response in responses.items():
                # a refusal a route declares itself (with its own description) has the one shape
                if code.startswith(("4", "5")):
                    response["content"] = {"application/json": {"schema": error_ref}}
            if key in MEDIA:
                ok = next(c for c in responses if c.startswith("2"))
                responses[ok]["content"] = MEDIA[key]
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "example" not in body and "examples" not in body:
                body["example"] = _example(body["schema"], schemas)
    document["info"]["version"] = VERSION
    return document


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=VERSION, routes=app.routes,
                                   description=app.description)
            app.openapi_schema = complete(app, document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# ---- the committed document and breaking changes ----------------------------------------------

def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _resolve(schema: Any, components: dict[str, Any], seen: frozenset[str] = frozenset()) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[1]
            if name in seen:
                return {}
            return _resolve(components.get(name, {}), components, seen | {name})
        return {k: _resolve(v, components, seen) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolve(v, components, seen) for v in schema]
    return schema


def _walk(schema: Any, where: str) -> Iterator[tuple[str, str, Any]]:
    """(where, 'field' | 'enum', value) for every property and enum value in a schema."""
    if isinstance(schema, dict):
        for value in schema.get("enum", []):
            yield where, "enum", value
        for name, sub in schema.get("properties", {}).items():
            yield where, "field", name
            yield from _walk(sub, f"{where}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                yield from _walk(schema[key], f"{where}[]")
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                yield from _walk(sub, where)


def _surface(document: dict[str, Any]) -> set[str]:
    """Everything a client may rely on: routes, parameters, fields (in and out), enum values."""
    components = document.get("components", {}).get("schemas", {})
    found: set[str] = set()
    for path, operations in document.get("paths", {}).items():
        for method, op in operations.items():
            route = f"{method.upper()} {path}"
            found.add(f"route {route}")
            for p in op.get("parameters", []):
                found.add(f"parameter {route} {p['in']}:{p['name']}")
                for where, kind, value in _walk(_resolve(p.get("schema", {}), components), ""):
                    found.add(f"{kind} {route} {p['name']}{where}: {value!r}")
            body = op.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                schema = _resolve(content.get("schema", {}), components)
                for where, kind, value in _walk(schema, "body"):
                    if kind == "enum":
                        found.add(f"enum {route} {media} {where}: {value!r}")
            for status, response in op.get("responses", {}).items():
                if not status.startswith("2"):
                    continue  # a client relies on what it gets, not on how it is refused
                for media, content in response.get("content", {}).items():
                    schema = _resolve(content.get("schema", {}), components)
                    found.add(f"media {route} {status} {media}")
                    for where, kind, value in _walk(schema, f"{status}"):
                        if kind == "field":
                            found.add(f"field {route} {media} {where}.{value}")
                        else:
                            found.add(f"enum {route} {media} {where}: {value!r}")
    return found


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What `old` offered that `new` no longer does: a removed route, parameter, response field,
    media type or enum value. An empty list: clients of `old` keep working."""
    return sorted(_surface(old) - _surface(new))


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def verdict(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why `new` may not replace `old`: breaking changes without a raised major version."""
    broken = breaking_changes(old, new)
    old_v, new_v = _version(old["info"]["version"]), _version(new["info"]["version"])
    if broken and new_v[:1] <= old_v[:1]:
        return [f"info.version {new['info']['version']} must raise the major version of "
                f"{old['info']['version']} for these breaking changes:", *broken]
    return []


def generate() -> dict[str, Any]:
    from services.gateway.app import create_app
    from services.infra.settings import Settings

    return create_app(Settings(ideastorm_env="test")).openapi()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if openapi.json is not what the code generates")
    args = parser.parse_args(argv)
    document = generate()
    text = render(document)
    committed = json.loads(DOCUMENT.read_text()) if DOCUMENT.exists() else None
    if committed is not None:
        problems = verdict(committed, document)
        if problems:
            sys.stderr.write("\n".join(problems) + "\n")
            return 1
    if args.check:
        if committed is None or render(committed) != text:
            sys.stderr.write(f"{DOCUMENT.name} is out of date: "
                             "run python -m services.gateway.openapi\n")
            return 1
        return 0
    DOCUMENT.write_text(text)
    sys.stdout.write(f"wrote {DOCUMENT} (version {document['info']['version']})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
