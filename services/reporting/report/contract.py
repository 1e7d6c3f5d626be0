"""The JSON report's contract: a JSON Schema of `render_json`'s output, derived from the model and
checked in as `schemas/json/report/report.v3.json` (a test fails when the two drift).

Regenerate after changing `model.py`: `python -m services.reporting.report.contract`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from services.reporting.report.model import Report
from services.reporting.report.render_json import FORMAT_VERSION

PATH = (Path(__file__).resolve().parents[3] / "schemas" / "json" / "report"
        / f"report.v{FORMAT_VERSION}.json")


def _closed(node: Any) -> None:
    """Every object of the contract names all its keys: no key may appear unannounced."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = sorted(node["properties"])
        for value in node.values():
            _closed(value)
    elif isinstance(node, list):
        for value in node:
            _closed(value)


def schema() -> dict[str, Any]:
    report = TypeAdapter(Report).json_schema(mode="serialization")
    defs = report.pop("$defs", {})
    _closed(report)
    _closed(defs)
    doc: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ideastorm steering-group report",
        "description": "GET /reports/{id}.json: every figure of the quarterly report, "
                       "language-neutral; dates ISO 8601, instants with their offset.",
        "type": "object",
        "properties": {
            "format": {"const": "ideastorm.steering-report"},
            "format_version": {"const": FORMAT_VERSION},
            "lang": {"enum": ["da", "en"]},
            "report": report,
        },
        "$defs": defs,
    }
    _closed(doc)
    return doc


def text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.write_text(text())
    sys.stdout.write(f"wrote {PATH}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
