"""Write the JSON Schema of the envelope and of every event into `schemas/json/`.

Run `python -m schemas.generate` after changing a model; a test fails when the files drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from schemas import registry
from schemas.base import REGISTRY
from schemas.envelope import Envelope

OUT = Path(__file__).parent / "json"


def render() -> dict[str, str]:
    registry.load_all()
    files: dict[str, Any] = {"envelope.json": Envelope.model_json_schema()}
    for spec in REGISTRY.values():
        doc = spec.model.model_json_schema()
        doc["x-event-type"] = spec.event_type
        doc["x-version"] = spec.version
        doc["x-topic"] = spec.topic.name
        doc["x-key"] = spec.model.__key_field__
        files[f"{spec.event_type}.v{spec.version}.json"] = doc
    return {name: json.dumps(doc, indent=2, sort_keys=True) + "\n" for name, doc in files.items()}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    wanted = render()
    for stale in OUT.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (OUT / name).write_text(text)
    sys.stdout.write(f"wrote {len(wanted)} schemas to {OUT}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
