"""The OpenAPI document in the repository is the one the code serves, and never breaks its clients
without saying so in `info.version`."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from typing import Any

import pytest

from services.gateway import openapi

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return openapi.generate()


def test_the_committed_document_is_what_the_gateway_serves(generated: dict[str, Any]) -> None:
    committed = openapi.DOCUMENT.read_text()
    assert committed == openapi.render(generated), (
        "openapi.json has drifted from the code: run `python -m services.gateway.openapi` and "
        "commit it (raise info.version in services/gateway/openapi.py if it breaks clients)")


def test_every_operation_documents_its_refusals_with_one_error_schema(
    generated: dict[str, Any],
) -> None:
    assert "HTTPValidationError" not in generated["components"]["schemas"]
    for path, methods in generated["paths"].items():
        for method, op in methods.items():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            if "requestBody" in op:
                assert "example" in op["requestBody"]["content"]["application/json"], (method, path)
            if any(p["name"] == "wait_for" for p in op.get("parameters", [])):
                assert {"404", "504"} <= set(op["responses"]), (method, path)


def test_every_operation_that_needs_the_database_or_broker_says_it_may_answer_503(
    generated: dict[str, Any],
) -> None:
    for path, methods in generated["paths"].items():
        for method, op in methods.items():
            if (method, path) == ("get", "/healthz"):
                assert "503" not in op["responses"]
                continue
            assert "503" in op["responses"], (method, path)
            if path != "/readyz":  # not ready: no promise when it will be
                assert "Retry-After" in op["responses"]["503"]["headers"], (method, path)


def test_public_routes_and_renderings_are_said(generated: dict[str, Any]) -> None:
    paths = generated["paths"]
    assert paths["/campaigns/{campaign_id}/ranking"]["get"]["security"] == []
    assert paths["/ideas/{idea_id}"]["get"]["security"] == [{}, {"HTTPBearer": []}]
    assert paths["/campaigns"]["post"]["security"] == [{"HTTPBearer": []}]
    assert set(paths["/campaigns/{campaign_id}/tally"]["get"]["responses"]["200"]["content"]) == {
        "application/json", "text/csv"}
    assert set(paths["/reports/{ref}"]["get"]["responses"]["200"]["content"]) == {
        "application/pdf", "text/html", "text/markdown", "application/json"}


def _doc(version: str = "1.0.0") -> dict[str, Any]:
    return {
        "info": {"version": version},
        "paths": {
            "/things": {"get": {
                "parameters": [{"name": "kind", "in": "query",
                                "schema": {"enum": ["a", "b"], "type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Thing"}}}},
                              "404": {"content": {"application/json": {"schema": {}}}}},
            }},
            "/other": {"post": {"responses": {"202": {}}}},
        },
        "components": {"schemas": {"Thing": {"type": "object", "properties": {
            "id": {"type": "string"}, "state": {"enum": ["open", "closed"]}}}}},
    }


def test_removing_a_route_a_field_or_an_enum_value_is_breaking() -> None:
    old = _doc()
    no_route = copy.deepcopy(old)
    del no_route["paths"]["/other"]
    no_field = copy.deepcopy(old)
    del no_field["components"]["schemas"]["Thing"]["properties"]["id"]
    no_value = copy.deepcopy(old)
    no_value["components"]["schemas"]["Thing"]["properties"]["state"]["enum"] = ["open"]
    no_param_value = copy.deepcopy(old)
    no_param_value["paths"]["/things"]["get"]["parameters"][0]["schema"]["enum"] = ["a"]
    for new, what in ((no_route, "route POST /other"), (no_field, ".id"),
                      (no_value, "'closed'"), (no_param_value, "'b'")):
        problems = openapi.verdict(old, new)
        assert problems and any(what in p for p in problems), (what, problems)
        bumped = copy.deepcopy(new)
        bumped["info"]["version"] = "2.0.0"
        assert openapi.verdict(old, bumped) == []


def test_adding_is_not_breaking_nor_is_dropping_an_error_status() -> None:
    old = _doc()
    new = copy.deepcopy(old)
    new["paths"]["/more"] = {"get": {"responses": {"200": {}}}}
    new["components"]["schemas"]["Thing"]["properties"]["extra"] = {"type": "integer"}
    new["components"]["schemas"]["Thing"]["properties"]["state"]["enum"].append("archived")
    del new["paths"]["/things"]["get"]["responses"]["404"]
    assert openapi.verdict(old, new) == []


def _committed_versions() -> list[dict[str, Any]]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = openapi.ROOT
    # main's own line of commits: a merged branch's commits interleave by date otherwise
    log = subprocess.run(["git", "log", "--first-parent", "--format=%H", "--", "openapi.json"],
                         cwd=root,
                         capture_output=True, text=True)
    if log.returncode != 0:
        pytest.skip("not a git checkout")
    docs = []
    for commit in log.stdout.split():
        shown = subprocess.run(["git", "show", f"{commit}:openapi.json"], cwd=root,
                               capture_output=True, text=True, check=True)
        docs.append(json.loads(shown.stdout))
    return docs


def test_the_document_breaks_no_client_of_its_previous_version(generated: dict[str, Any]) -> None:
    """Against the last committed document (and each committed one against its predecessor): a
    removal needs a raised major version."""
    history = _committed_versions()
    chain = [generated, *history]
    for new, old in zip(chain, chain[1:], strict=False):
        assert openapi.verdict(old, new) == [], "\n".join(openapi.verdict(old, new))
