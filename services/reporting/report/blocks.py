"""The neutral blocks a report is laid out in (`document.py`), for the renderers to turn into
their format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.reporting.report import charts

Align = Literal["l", "r"]


@dataclass(frozen=True)
class Heading:
    level: int  # 1 title, 2 section, 3 subsection, 4 minor
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    muted: bool = False


@dataclass(frozen=True)
class Facts:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[Align, ...]
    widths: tuple[float, ...]  # relative column widths (PDF)
    small: bool = False  # reference material in a smaller type (PDF)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Chart:
    drawing: charts.Drawing


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Para | Facts | Table | Bullets | Chart | PageBreak
