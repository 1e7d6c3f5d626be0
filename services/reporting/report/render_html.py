"""The report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts."""

from __future__ import annotations

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
from services.reporting.report.i18n import Lang, fmt_quarter, t
from services.reporting.report.markup import Markup, el, join, void
from services.reporting.report.model import Report
from services.reporting.report.svg import to_svg

_CSS = Markup("""
body{font-family:"Open Sans",Helvetica,Arial,sans-serif;color:#222;max-width:60rem;margin:2rem auto;
padding:0 1.5rem;line-height:1.45;font-size:15px}
h1{color:#1f5fa8;font-size:1.7rem;border-bottom:3px solid #1f5fa8;padding-bottom:.3rem}
h2{color:#1f5fa8;font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ccc}
h3{font-size:1.1rem;margin-top:1.4rem}h4{font-size:.95rem;margin:1rem 0 .3rem;color:#444}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f6fa;hyphens:auto;-webkit-hyphens:auto;overflow-wrap:normal;word-break:normal}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:.5rem 0}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
p.muted{color:#666;font-style:italic}p{white-space:pre-line}
svg.chart{display:block;margin:.5rem 0 1rem;max-width:100%;height:auto}
section.appendix td{font-size:.8rem;overflow-wrap:anywhere;white-space:pre-line}
@media print{h2{break-after:avoid}section.appendix{break-before:page}}
""")


def _block(block: Block) -> Markup:
    if isinstance(block, Heading):
        return el(f"h{block.level}", block.text)
    if isinstance(block, Para):
        return el("p", block.text, class_="muted" if block.muted else None)
    if isinstance(block, Facts):
        return el("dl", [join(el("dt", k), el("dd", v)) for k, v in block.pairs])
    if isinstance(block, Bullets):
        return el("ul", [el("li", item) for item in block.items])
    if isinstance(block, Table):
        head = el("tr", [el("th", h, class_="r" if a == "r" else None)
                         for h, a in zip(block.headers, block.align, strict=True)])
        rows = [el("tr", [el("td", c, class_="r" if a == "r" else None)
                          for c, a in zip(row, block.align, strict=True)])
                for row in block.rows]
        return el("table", el("thead", head), el("tbody", rows))
    if isinstance(block, Chart):
        return el("figure", to_svg(block.drawing), style="margin:0")
    if isinstance(block, PageBreak):
        return Markup("")
    raise TypeError(f"unknown block {block!r}")


def render_html(report: Report, lang: Lang) -> bytes:
    blocks = build(report, lang)
    # the appendix (after the page break) gets its own section for print styling
    split = next((i for i, b in enumerate(blocks) if isinstance(b, PageBreak)), len(blocks))
    main = [_block(b) for b in blocks[:split]]
    appendix = [_block(b) for b in blocks[split:]]
    title = f"{t(lang, 'title')} – {fmt_quarter(report.cover.quarter, lang)}"
    page = el(
        "html",
        el("head", void("meta", charset="utf-8"),
           void("meta", name="viewport", content="width=device-width, initial-scale=1"),
           void("meta", name="content-hash", content=report.content_hash),
           el("title", title), el("style", _CSS)),
        el("body", el("main", main, el("section", appendix, class_="appendix"))),
        lang=lang,
    )
    return ("<!DOCTYPE html>\n" + page + "\n").encode()
