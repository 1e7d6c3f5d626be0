"""Charts as lists of primitive shapes, drawn by both the HTML (inline SVG) and the PDF renderer.

Coordinates are in points from the top-left corner. Text in a chart is plain text: each renderer
escapes it for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from services.reporting.report.i18n import Lang, fmt_number, fmt_percent, fmt_short_date, t
from services.reporting.report.model import RAG_ORDER, DayCount, InitiativeSection, Rag, RagCount

RAG_COLOURS: dict[Rag, str] = {
    Rag.GREEN: "#2e7d32",
    Rag.AMBER: "#f2a900",
    Rag.RED: "#c62828",
    Rag.NONE: "#9e9e9e",
}
TEXT = "#222222"
MUTED = "#666666"
TRACK = "#e6e6e6"
ACCENT = "#1f5fa8"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 9.0
    fill: str = TEXT
    anchor: Literal["start", "middle", "end"] = "start"
    bold: bool = False


@dataclass
class Drawing:
    width: float
    height: float
    title: str
    shapes: list[Rect | Line | Text] = field(default_factory=list)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def progress_bars(initiatives: tuple[InitiativeSection, ...], lang: Lang) -> Drawing:
    """One bar per initiative: percent done, coloured by the computed status (the one status of
    the report), a marker at percent expected; a title, a 0-100 % axis and a legend."""
    label_w, bar_w, row_h, top = 190.0, 230.0, 22.0, 22.0
    rows = len(initiatives)
    d = Drawing(label_w + bar_w + 90, top + row_h * rows + 62, t(lang, "chart_title"))
    d.shapes.append(Text(0, 12, t(lang, "chart_title"), 9.5, TEXT, bold=True))
    base = top + rows * row_h
    for pct in (0, 25, 50, 75, 100):
        x = label_w + bar_w * pct / 100
        d.shapes.append(Line(x, top, x, base + 3, TRACK if pct else MUTED, 0.6))
        d.shapes.append(Text(x, base + 13, fmt_percent(pct, lang, 0), 7.5, MUTED, "middle"))
    for i, ini in enumerate(initiatives):
        y = top + i * row_h
        d.shapes.append(Text(0, y + 12, clip(ini.title, 34), 8.5))
        d.shapes.append(Rect(label_w, y + 3, bar_w, 12, TRACK))
        done = max(0.0, min(100.0, ini.percent_done or 0.0))
        if done:
            d.shapes.append(Rect(label_w, y + 3, bar_w * done / 100, 12,
                                 RAG_COLOURS[ini.rag_computed]))
        if ini.percent_expected is not None:
            x = label_w + bar_w * max(0.0, min(100.0, ini.percent_expected)) / 100
            d.shapes.append(Line(x, y, x, y + 18, TEXT, 1.5))
        d.shapes.append(Text(label_w + bar_w + 6, y + 12,
                             f"{fmt_percent(ini.percent_done, lang)} / "
                             f"{fmt_percent(ini.percent_expected, lang)}", 8, MUTED))
    legend_y = base + 32
    x = 0.0
    for rag in (Rag.GREEN, Rag.AMBER, Rag.RED):
        d.shapes.append(Rect(x, legend_y - 8, 10, 10, RAG_COLOURS[rag]))
        label = f"{t(lang, 'legend.done')}: {t(lang, f'rag.{rag.value}').lower()}"
        d.shapes.append(Text(x + 14, legend_y, label, 8, MUTED))
        x += 105
    d.shapes.append(Line(x + 4, legend_y - 10, x + 4, legend_y + 2, TEXT, 1.5))
    d.shapes.append(Text(x + 10, legend_y, t(lang, "legend.expected"), 8, MUTED))
    d.shapes.append(Text(0, legend_y + 16, t(lang, "chart_note"), 7.5, MUTED))
    return d


def rag_distribution(counts: tuple[RagCount, ...], lang: Lang) -> Drawing:
    """Horizontal bars: how many initiatives are green, amber, red, not rated."""
    by_rag = {c.rag: c.count for c in counts}
    biggest = max([1, *by_rag.values()])
    label_w, bar_w, row_h = 90.0, 260.0, 20.0
    d = Drawing(label_w + bar_w + 40, row_h * len(RAG_ORDER) + 8, t(lang, "rag_distribution"))
    for i, rag in enumerate(RAG_ORDER):
        y = 4 + i * row_h
        n = by_rag.get(rag, 0)
        d.shapes.append(Text(0, y + 12, t(lang, f"rag.{rag.value}"), 9))
        if n:
            d.shapes.append(Rect(label_w, y + 2, bar_w * n / biggest, 14, RAG_COLOURS[rag]))
        d.shapes.append(Text(label_w + bar_w * n / biggest + 5, y + 13, fmt_number(n, lang), 9,
                             bold=True))
    return d


def votes_over_time(days: tuple[DayCount, ...], lang: Lang) -> Drawing:
    """Vertical bars, one per day with votes, with the peak value and dates on the axis."""
    axis_x, plot_w, plot_h, top = 56.0, 400.0, 120.0, 12.0
    d = Drawing(axis_x + plot_w + 10, top + plot_h + 30, t(lang, "votes_over_time"))
    if not days:
        return d
    peak = max(c.count for c in days) or 1
    step = plot_w / len(days)
    bar = max(1.0, step * 0.75)
    base = top + plot_h
    d.shapes.append(Line(axis_x, top, axis_x, base, MUTED, 0.8))
    d.shapes.append(Line(axis_x, base, axis_x + plot_w, base, MUTED, 0.8))
    d.shapes.append(Text(axis_x - 4, top + 4, fmt_number(peak, lang), 8, MUTED, "end"))
    d.shapes.append(Text(axis_x - 4, base, "0", 8, MUTED, "end"))
    label_every = max(1, len(days) // 6)
    for i, c in enumerate(days):
        h = plot_h * c.count / peak
        x = axis_x + i * step + (step - bar) / 2
        if h:
            d.shapes.append(Rect(x, base - h, bar, h, ACCENT))
        if i % label_every == 0 or i == len(days) - 1:
            d.shapes.append(Text(x + bar / 2, base + 14, fmt_short_date(c.day, lang), 7.5, MUTED,
                                 "middle"))
    return d
