"""A minimal reader for Pabulib `.pb` files (pabulib.org): the META and PROJECTS sections only.

Enough to turn a participatory-budgeting election into a campaign and its ideas; the ballots in
`VOTES` are read elsewhere.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PbProject:
    project_id: str
    name: str
    cost: int | None
    votes: int | None
    category: str | None


@dataclass(frozen=True)
class PbFile:
    meta: dict[str, str]
    projects: list[PbProject]


def read_projects(path: Path) -> PbFile:
    """Read META and PROJECTS from a `.pb` file (semicolon-separated sections)."""
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    with path.open(encoding="utf-8", newline="") as fh:
        for line in fh:
            stripped = line.strip()
            if stripped in ("META", "PROJECTS", "VOTES"):
                current = stripped
                sections[current] = []
                if current == "VOTES":
                    break  # the ballots are not needed here
                continue
            if current is not None and stripped:
                sections[current].append(next(csv.reader(io.StringIO(stripped), delimiter=";")))
    meta_rows = sections.get("META", [])[1:]  # first row is the header `key;value`
    meta = {row[0]: row[1] if len(row) > 1 else "" for row in meta_rows}
    rows = sections.get("PROJECTS", [])
    if not rows:
        raise ValueError(f"{path} has no PROJECTS section")
    header = [h.strip() for h in rows[0]]
    projects = []
    for row in rows[1:]:
        record = dict(zip(header, row, strict=False))
        projects.append(PbProject(
            project_id=record["project_id"],
            name=(record.get("name") or f"Project {record['project_id']}").strip(),
            cost=_int(record.get("cost")),
            votes=_int(record.get("votes")),
            category=(record.get("category") or "").strip() or None,
        ))
    return PbFile(meta, projects)


def _int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    return int(float(value))
