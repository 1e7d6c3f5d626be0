"""Who may call what: every route of the OpenAPI document against every role and no token.

The table below is the authorisation policy, written once. A route added without a row here
fails `test_every_route_has_a_row`. Path parameters are filled with random valid values and
writes are sent with an empty body, so the only thing that can refuse with 401/403 is auth;
an allowed caller gets whatever the route answers (404, 422, 200 ...), never 401/403 or a 5xx.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

CALLERS = ("anonymous", "participant", "moderator", "planner", "steering", "admin")
ALLOWED = "allowed"  # not 401, not 403, not 5xx
Row = dict[str, int | str]


def public() -> Row:
    return {c: ALLOWED for c in CALLERS}


def only(*roles: str) -> Row:
    """A bearer token with one of `roles` (admin passes every role check)."""
    return {c: 401 if c == "anonymous" else ALLOWED if c in roles or c == "admin" else 403
            for c in CALLERS}


def signed_in() -> Row:
    """Anyone with a valid bearer token, whatever the role."""
    return only(*CALLERS[1:])


def optional_token() -> Row:
    """Anyone; a token, when sent, must be valid (what the caller sees may depend on it)."""
    return public()


MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/healthz"): public(),
    ("GET", "/readyz"): public(),
    # campaigns and ideas
    ("POST", "/campaigns"): only("admin"),
    ("PATCH", "/campaigns/{campaign_id}"): only("admin"),
    ("GET", "/campaigns"): public(),
    ("GET", "/campaigns/{campaign_id}"): public(),
    ("GET", "/campaigns/{campaign_id}/ideas"): public(),
    ("POST", "/campaigns/{campaign_id}/ideas"): only("participant"),
    ("GET", "/ideas/{idea_id}"): optional_token(),
    ("GET", "/me/ideas"): only("participant"),
    ("POST", "/ideas/{idea_id}/revisions"): only("participant"),
    ("GET", "/ideas/{idea_id}/history"): optional_token(),
    ("GET", "/ideas/{idea_id}/journey"): optional_token(),
    ("POST", "/ideas/{idea_id}/flags"): only("participant"),
    ("POST", "/ideas/{idea_id}/withdrawal"): only("participant"),
    # official answers
    ("POST", "/ideas/{idea_id}/answers"): only("moderator", "planner"),
    ("GET", "/moderation/answers"): only("moderator", "planner"),
    # moderation
    ("GET", "/moderation/queue"): only("moderator"),
    ("POST", "/moderation/decisions"): only("moderator"),
    ("GET", "/moderation/log"): only("moderator"),
    ("GET", "/moderation/votes"): only("moderator"),
    ("POST", "/moderation/votes/decisions"): only("moderator"),
    ("POST", "/moderation/votes/decisions/bulk"): only("moderator"),
    # following and notifications (the identity service)
    ("PUT", "/ideas/{idea_id}/follow"): only("participant"),
    ("DELETE", "/ideas/{idea_id}/follow"): only("participant"),
    ("PUT", "/campaigns/{campaign_id}/follow"): only("participant"),
    ("DELETE", "/campaigns/{campaign_id}/follow"): only("participant"),
    ("GET", "/me/follows"): only("participant"),
    ("GET", "/me/notifications"): only("participant"),
    ("POST", "/me/notifications/read"): only("participant"),
    ("GET", "/me/notification-preferences"): only("participant"),
    ("PUT", "/me/notification-preferences"): only("participant"),
    # the one-click unsubscribe: no session, the signed token in the link is the credential
    ("POST", "/unsubscribe"): public(),
    ("GET", "/unsubscribe"): public(),
    # comments
    ("POST", "/ideas/{idea_id}/comments"): only("participant"),
    ("GET", "/ideas/{idea_id}/comments"): optional_token(),
    ("POST", "/comments/{comment_id}/flags"): only("participant"),
    ("DELETE", "/comments/{comment_id}"): only("participant"),
    ("GET", "/moderation/comments"): only("moderator"),
    ("POST", "/moderation/comments/{comment_id}/decisions"): only("moderator"),
    ("GET", "/moderation/comments/log"): only("moderator"),
    # voting
    ("POST", "/ideas/{idea_id}/votes"): only("participant"),
    ("DELETE", "/ideas/{idea_id}/votes"): only("participant"),
    ("GET", "/campaigns/{campaign_id}/tally"): optional_token(),
    ("GET", "/campaigns/{campaign_id}/ranking"): public(),
    ("GET", "/campaigns/{campaign_id}/participation"): public(),
    ("GET", "/campaigns/{campaign_id}/selection"): public(),  # published ideas only
    ("GET", "/campaigns/{campaign_id}/what-if"): public(),  # a closed campaign's, stored
    ("POST", "/receipts/verify"): public(),  # whoever holds a receipt
    ("GET", "/log/heads"): public(),
    ("GET", "/log/consistency"): public(),
    ("GET", "/me/receipts"): only("participant"),
    ("GET", "/campaigns/{campaign_id}/export.pb"): only("moderator"),  # every ballot
    ("GET", "/me/votes"): only("participant"),
    # the action plan: planners write, planners and the steering group read
    ("GET", "/plans"): only("planner", "steering"),
    ("POST", "/plans"): only("planner"),
    ("GET", "/plans/{year}"): only("planner", "steering"),
    ("GET", "/plans/{year}/initiatives/{initiative_id}"): only("planner", "steering"),
    ("GET", "/plans/{year}/changes"): only("planner", "steering"),
    ("GET", "/plans/{year}/rollups"): only("planner", "steering"),
    ("POST", "/plans/{year}/approval"): only("planner"),
    ("POST", "/plans/{year}/budget"): only("planner"),
    ("POST", "/plans/{year}/initiatives"): only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/revisions"): only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/closure"): only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/progress"): only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/milestones/{milestone_id}/completion"):
        only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/goals/{goal_id}/measurements"):
        only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/ideas"): only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/exceptions"): only("planner"),
    ("POST", "/steering-meetings"): only("planner"),
    ("POST", "/plans/{year}/decisions"): only("planner"),
    ("GET", "/plans/{year}/decisions"): only("planner", "steering"),
    ("POST", "/decisions/{decision_id}/answer"): only("planner", "steering"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/spend"): only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/risks"): only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/risks/{risk_id}/assessments"):
        only("planner"),
    ("POST", "/plans/{year}/initiatives/{initiative_id}/risks/{risk_id}/closure"):
        only("planner"),
    # identity: profiles, the right of access, erasure (DELETE /me erases the caller's own
    # random participant; the admin's erasure request has no reason here, so it is a 422)
    ("GET", "/me/profile"): signed_in(),
    ("PUT", "/me/profile"): signed_in(),
    ("GET", "/me/data"): signed_in(),
    ("DELETE", "/me"): only("participant"),
    ("POST", "/participants/{participant_id}/erasure"): only("admin"),
    ("GET", "/participants/erasures"): only("admin"),
    # quarterly reports
    ("GET", "/reports"): only("planner", "steering"),
    ("GET", "/reports/{ref}"): only("planner", "steering"),
    ("GET", "/reports/inputs"): only("planner", "steering"),
    ("POST", "/reports"): only("planner", "steering"),
    ("GET", "/reports/requestable"): only("planner", "steering"),
}


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, methods in spec["paths"].items()
            for method, op in methods.items()}


def _fill(path: str, op: dict[str, Any]) -> str:
    """The path with each parameter replaced by a random value its schema accepts."""
    schemas = {p["name"]: p.get("schema", {}) for p in op.get("parameters", [])
               if p["in"] == "path"}

    def value(match: re.Match[str]) -> str:
        schema = schemas.get(match.group(1), {})
        if schema.get("type") == "integer":
            return str(schema.get("minimum", 2027))
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        return f"x{uuid.uuid4().hex[:8]}"

    return re.sub(r"\{([^}]+)\}", value, path)


@pytest.fixture(scope="module")
async def spec(http: httpx.AsyncClient) -> dict[str, Any]:
    r = await http.get("/openapi.json")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


async def test_every_route_has_a_row(spec: dict[str, Any]) -> None:
    routes = set(_operations(spec))
    missing = sorted(routes - set(MATRIX))
    assert not missing, f"write down who may call these routes in MATRIX: {missing}"
    gone = sorted(set(MATRIX) - routes)
    assert not gone, f"MATRIX names routes the gateway no longer serves: {gone}"
    for row in MATRIX.values():
        assert set(row) == set(CALLERS)


async def test_every_route_answers_every_caller_as_the_table_says(
    http: httpx.AsyncClient, spec: dict[str, Any], token: Callable[..., str],
) -> None:
    headers = {c: {} if c == "anonymous" else {"Authorization": f"Bearer {token(c)}"}
               for c in CALLERS}
    wrong: list[str] = []
    calls = 0
    for (method, path), op in sorted(_operations(spec).items()):
        row = MATRIX[(method, path)]
        url = _fill(path, op)
        for caller in CALLERS:
            body = {"json": {}} if "requestBody" in op else {}
            r = await http.request(method, url, headers=headers[caller], **body)
            calls += 1
            expected = row[caller]
            ok = (r.status_code not in (401, 403) and r.status_code < 500
                  if expected == ALLOWED else r.status_code == expected)
            if not ok:
                wrong.append(f"{method} {url} as {caller}: {r.status_code}, expected {expected}"
                             f" ({r.text[:120]})")
            elif r.status_code in (401, 403):
                assert r.json()["detail"]["code"] in ("unauthenticated", "forbidden")
    assert not wrong, "\n".join(wrong)
    assert calls == len(MATRIX) * len(CALLERS)


async def test_a_bad_token_is_a_401_even_where_no_token_is_needed(
    http: httpx.AsyncClient, spec: dict[str, Any],
) -> None:
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}
    for (method, path), op in sorted(_operations(spec).items()):
        if not op.get("security"):
            continue  # a route that never reads a token
        r = await http.request(method, _fill(path, op), headers=forged)
        assert r.status_code == 401, f"{method} {path}: {r.status_code}"
        assert r.json()["detail"]["code"] == "unauthenticated"
