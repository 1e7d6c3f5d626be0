"""The JSON report is a contract: the checked-in schema matches the model, and what the renderer
writes keeps to the schema."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from services.reporting.report import contract
from services.reporting.report.render import render
from tests.unit.test_report_render import sample_report

pytestmark = pytest.mark.unit

TOP_LEVEL = ["executive_summary", "decisions", "initiatives", "baseline_changes", "economy",
             "risks", "goals", "campaigns", "milestones_next_quarter", "document_control",
             "appendix", "benefits", "trend", "exceptions", "data_quality"]


def test_the_report_has_fifteen_sections() -> None:
    assert len(TOP_LEVEL) == 15


def test_checked_in_report_schema_matches_the_model() -> None:
    assert contract.PATH.read_text() == contract.text(), (
        "schemas/json/report is out of date: run `python -m services.reporting.report.contract`")


def test_the_report_has_the_agreed_top_level_keys() -> None:
    props = contract.schema()["properties"]["report"]["properties"]
    assert list(props) == [*TOP_LEVEL, "content_hash"]


def _check(value: Any, node: dict[str, Any], defs: dict[str, Any], where: str) -> list[str]:
    """A small JSON Schema check (the subset the contract uses): $ref, anyOf, const, enum,
    type, properties, required, additionalProperties, items, format date/date-time."""
    if "$ref" in node:
        return _check(value, defs[node["$ref"].rsplit("/", 1)[1]], defs, where)
    if "anyOf" in node:
        if any(not _check(value, n, defs, where) for n in node["anyOf"]):
            return []
        return [f"{where}: matches none of anyOf"]
    if "const" in node and value != node["const"]:
        return [f"{where}: {value!r} is not {node['const']!r}"]
    if "enum" in node and value not in node["enum"]:
        return [f"{where}: {value!r} not in {node['enum']}"]
    kind = node.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
             "integer": int, "number": (int, float)}
    if kind is not None and (not isinstance(value, types[kind])
                             or (kind in ("integer", "number") and isinstance(value, bool))):
        return [f"{where}: {value!r} is not {kind}"]
    errors: list[str] = []
    if node.get("format") == "date" and not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        errors.append(f"{where}: {value!r} is not a date")
    if kind == "object":
        props = node.get("properties", {})
        errors += [f"{where}: missing {k}" for k in node.get("required", []) if k not in value]
        if node.get("additionalProperties") is False:
            errors += [f"{where}: unexpected {k}" for k in value if k not in props]
        for k, v in value.items():
            if k in props:
                errors += _check(v, props[k], defs, f"{where}.{k}")
    if kind == "array" and "items" in node:
        for n, v in enumerate(value):
            errors += _check(v, node["items"], defs, f"{where}[{n}]")
    if "prefixItems" in node:
        for n, (v, sub) in enumerate(zip(value, node["prefixItems"], strict=False)):
            errors += _check(v, sub, defs, f"{where}[{n}]")
    return errors


@pytest.mark.parametrize("lang", ["da", "en"])
def test_rendered_json_keeps_to_the_schema(lang: str) -> None:
    doc = contract.schema()
    data = json.loads(render(sample_report(), "json", lang))  # type: ignore[arg-type]
    assert _check(data, doc, doc["$defs"], "$") == []


def test_the_check_catches_a_broken_report() -> None:
    doc = contract.schema()
    data = json.loads(render(sample_report(), "json", "da"))
    data["report"]["tracks"] = []
    del data["report"]["risks"]
    data["report"]["decisions"]["for_next_meeting"][0]["requested_on"] = "soon"
    errors = _check(data, doc, doc["$defs"], "$")
    assert "$.report: unexpected tracks" in errors and "$.report: missing risks" in errors
    assert any("requested_on" in e for e in errors)
