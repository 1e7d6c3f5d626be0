"""The report as Markdown (CommonMark + GitHub tables). Charts appear only in HTML and PDF."""

from __future__ import annotations

import re

from services.reporting.report.blocks import (
    Block,
    Bullets,
    Chart,
    Facts,
    Heading,
    PageBreak,
    Para,
    Table,
)
from services.reporting.report.document import build
from services.reporting.report.i18n import Lang
from services.reporting.report.model import Report

# Characters that can start markup anywhere in a line; `&`, `<`, `>` become entities so no raw
# HTML can pass through a renderer that allows it.
_INLINE = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# What makes a line a list item, a heading underline or a thematic break when it starts it.
_LINE_START = re.compile(r"^(\s*)([-=+]|\d+(?=[.)](?:\s|$)))")


def escape_md(text: str, *, line_start: bool = True) -> str:
    """Escape text so it renders as itself: no emphasis, links, HTML, lists or headings.

    `line_start=False` for text placed after other text on its line (table cells, headings),
    where list and heading markers mean nothing.
    """
    lines = []
    for line in text.split("\n"):
        line = "".join(_ENTITIES.get(ch, ch) for ch in line)
        line = _INLINE.sub(r"\\\1", line)
        match = _LINE_START.match(line) if line_start else None
        if match:
            lead, marker = match.group(1), match.group(2)
            if marker.isdigit():
                # "1. x" is a list; "1\. x" is not
                rest = line[len(lead) + len(marker):]
                line = f"{lead}{marker}\\{rest}" if rest else line
            else:
                line = f"{lead}\\{line[len(lead):]}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def _cell(text: str, line_start: bool = False) -> str:
    return escape_md(" ".join(text.split()), line_start=line_start)


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + _cell(block.text)
    if isinstance(block, Para):
        body = "  \n".join(escape_md(line) for line in block.text.strip().split("\n"))
        return f"*{body}*" if block.muted else body
    if isinstance(block, Facts):
        return "\n".join(f"- **{_cell(k)}:** {_cell(v)}" for k, v in block.pairs)
    if isinstance(block, Bullets):
        return "\n".join(f"- {_cell(item, line_start=True)}" for item in block.items)
    if isinstance(block, Table):
        head = "| " + " | ".join(_cell(h) for h in block.headers) + " |"
        rule = "|" + "|".join("---:" if a == "r" else "---" for a in block.align) + "|"
        rows = ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
        return "\n".join([head, rule, *rows])
    if isinstance(block, Chart | PageBreak):
        return ""
    raise TypeError(f"unknown block {block!r}")


def render_markdown(report: Report, lang: Lang) -> bytes:
    parts = [text for text in (_block(b) for b in build(report, lang)) if text]
    return ("\n\n".join(parts) + "\n").encode()
