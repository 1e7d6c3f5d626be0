"""One entry point for every format: `render(report, "pdf", "da") -> bytes`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from services.reporting.report.i18n import Lang
from services.reporting.report.model import Report
from services.reporting.report.render_html import render_html
from services.reporting.report.render_json import render_json
from services.reporting.report.render_md import render_markdown

Format = Literal["pdf", "html", "md", "json"]
FORMATS: tuple[Format, ...] = ("pdf", "html", "md", "json")
MEDIA_TYPES: dict[Format, str] = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


def _pdf(report: Report, lang: Lang) -> bytes:
    # fpdf2 and the font load only when a PDF is asked for
    from services.reporting.report.render_pdf import render_pdf

    return render_pdf(report, lang)


RENDERERS: dict[Format, Callable[[Report, Lang], bytes]] = {
    "pdf": _pdf,
    "html": render_html,
    "md": render_markdown,
    "json": render_json,
}


def render(report: Report, fmt: Format, lang: Lang) -> bytes:
    return RENDERERS[fmt](report, lang)


def parse_formats(text: str) -> tuple[Format, ...]:
    """"pdf,html" -> ("pdf", "html"); raises ValueError naming the unknown format."""
    wanted: list[Format] = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        if part == "markdown":
            part = "md"
        if part not in FORMATS:
            raise ValueError(f"unknown format {part!r}; choose from {', '.join(FORMATS)}")
        if part not in wanted:
            wanted.append(part)
    if not wanted:
        raise ValueError("no format given")
    return tuple(wanted)
