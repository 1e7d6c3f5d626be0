"""Inline SVG for a `charts.Drawing`; text is escaped by the markup builder."""

from __future__ import annotations

from services.reporting.report.charts import Drawing, Line, Rect, Text
from services.reporting.report.markup import Markup, el, void


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def to_svg(drawing: Drawing) -> Markup:
    shapes: list[Markup] = []
    for s in drawing.shapes:
        if isinstance(s, Rect):
            shapes.append(void("rect", self_closing=True, x=_n(s.x), y=_n(s.y), width=_n(s.w), height=_n(s.h),
                               fill=s.fill))
        elif isinstance(s, Line):
            shapes.append(void("line", self_closing=True, x1=_n(s.x1), y1=_n(s.y1), x2=_n(s.x2), y2=_n(s.y2),
                               stroke=s.stroke, stroke_width=_n(s.width)))
        elif isinstance(s, Text):
            shapes.append(el("text", s.text, x=_n(s.x), y=_n(s.y), font_size=_n(s.size),
                             fill=s.fill, text_anchor=s.anchor,
                             font_weight="bold" if s.bold else None))
    return el("svg", el("title", drawing.title), *shapes, xmlns="http://www.w3.org/2000/svg",
              # drawn in points; shown a little larger on screen
              width=_n(drawing.width * 1.4), height=_n(drawing.height * 1.4), role="img",
              viewBox=f"0 0 {_n(drawing.width)} {_n(drawing.height)}",
              font_family="Open Sans, Helvetica, Arial, sans-serif", class_="chart")
