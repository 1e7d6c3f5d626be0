"""The report as PDF with fpdf2 (pure Python) and the Open Sans font from the `ttf-opensans` wheel.

Text is only ever placed as text (no markup parsing is enabled), so participant text cannot change
the layout or inject PDF operators. Metadata is fixed (creation date = the report's cut-off), so a
report regenerated later has identical text and, with the same fpdf2 version, identical bytes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import ttf_opensans
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

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
from services.reporting.report.charts import Drawing, Line, Rect, Text
from services.reporting.report.document import build
from services.reporting.report.i18n import Lang, fmt_quarter, t
from services.reporting.report.model import Report

FONT_DIR = Path(ttf_opensans.__file__).parent / "ttf"
FONT = "OpenSans"
BLUE = (31, 95, 168)
GREY = (102, 102, 102)
MARGIN = 50.0
_SUBSTITUTES = {"→": "->", "✓": "+", "\u00a0": " "}


@functools.cache
def _glyphs() -> frozenset[int]:
    cmap = TTFont(FONT_DIR / "OpenSans-Regular.ttf").getBestCmap()
    return frozenset(cmap)


def pdf_text(text: str) -> str:
    """Text the font can draw: known substitutes, then `?` for any other missing glyph."""
    glyphs = _glyphs()
    out = []
    for ch in text:
        if ord(ch) in glyphs or ch in "\n\t\u00ad":  # a soft hyphen: a place to break
            out.append(ch)
        else:
            out.append(_SUBSTITUTES.get(ch, "?"))
    return "".join(out)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


class _ReportPdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-32)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 10, pdf_text(self.footer_text), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 10, f"{self.page_no()}", align="R")
        self.set_text_color(0, 0, 0)


def _new_pdf(report: Report, lang: Lang) -> _ReportPdf:
    pdf = _ReportPdf(orientation="P", unit="pt", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=50)
    pdf.add_font(FONT, "", str(FONT_DIR / "OpenSans-Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "OpenSans-Bold.ttf"))
    pdf.add_font(FONT, "I", str(FONT_DIR / "OpenSans-Italic.ttf"))
    title = f"{t(lang, 'title')} – {fmt_quarter(report.cover.quarter, lang)}"
    pdf.set_title(pdf_text(title))
    pdf.set_subject(pdf_text(report.cover.plan_title))
    pdf.set_author("ideastorm")
    pdf.set_creator("ideastorm")
    pdf.set_keywords(f"sha256:{report.content_hash}")
    pdf.set_lang(lang)
    pdf.set_creation_date(report.cover.cutoff)
    # the first 16 hex digits, named as such: the whole hash is in the document control
    pdf.footer_text = f"{title} · {t(lang, 'content_hash')} {report.content_hash[:16]}…"
    return pdf


def _heading(pdf: FPDF, block: Heading, keep: float = 0.0) -> None:
    size = {1: 18.0, 2: 14.0, 3: 11.5, 4: 10.0}[block.level]
    gap = {1: 0.0, 2: 14.0, 3: 8.0, 4: 5.0}[block.level]
    # keep a heading with at least a few lines of what follows it (or with a whole chart)
    if pdf.get_y() + max(size * 4, size * 2 + keep) > pdf.h - pdf.b_margin:
        pdf.add_page()
    elif gap:
        pdf.ln(gap)
    pdf.set_font(FONT, "B", size)
    if block.level <= 2:
        pdf.set_text_color(*BLUE)
    pdf.multi_cell(0, size * 1.3, pdf_text(block.text), new_x="LMARGIN", new_y="NEXT",
                   align="L")
    pdf.set_text_color(0, 0, 0)
    if block.level <= 2:
        pdf.set_draw_color(*BLUE)
        pdf.set_line_width(1.5 if block.level == 1 else 0.5)
        pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
        pdf.ln(5)
    pdf.set_font(FONT, "", 9.5)


def _table(pdf: FPDF, headers: tuple[str, ...] | None, rows: tuple[tuple[str, ...], ...],
           align: tuple[str, ...], widths: tuple[float, ...], size: float = 8.5) -> None:
    pdf.set_font(FONT, "", size)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(190, 190, 190)
    pdf.set_line_width(0.5)
    aligns = tuple("RIGHT" if a == "r" else "LEFT" for a in align)
    heading = FontFace(emphasis="BOLD", fill_color=(243, 246, 250))
    with pdf.table(col_widths=widths, text_align=aligns, first_row_as_headings=headers is not None,
                   headings_style=heading, line_height=size * 1.35, padding=(2, 4, 2, 4),
                   borders_layout="HORIZONTAL_LINES", cell_fill_mode="NONE",
                   width=pdf.epw) as table:
        for row in ((headers,) if headers else ()) + rows:
            cells = table.row()
            for cell in row:
                cells.cell(pdf_text(cell))
    pdf.ln(4)
    pdf.set_font(FONT, "", 9.5)


def _chart(pdf: FPDF, drawing: Drawing) -> None:
    scale = min(1.0, pdf.epw / drawing.width)
    height = drawing.height * scale
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    x0, y0 = pdf.l_margin, pdf.get_y() + 4
    for s in drawing.shapes:
        if isinstance(s, Rect):
            pdf.set_fill_color(*_rgb(s.fill))
            pdf.rect(x0 + s.x * scale, y0 + s.y * scale, s.w * scale, s.h * scale, style="F")
        elif isinstance(s, Line):
            pdf.set_draw_color(*_rgb(s.stroke))
            pdf.set_line_width(s.width * scale)
            pdf.line(x0 + s.x1 * scale, y0 + s.y1 * scale, x0 + s.x2 * scale, y0 + s.y2 * scale)
        elif isinstance(s, Text):
            pdf.set_font(FONT, "B" if s.bold else "", s.size * scale)
            pdf.set_text_color(*_rgb(s.fill))
            text = pdf_text(s.text)
            width = pdf.get_string_width(text)
            dx = {"start": 0.0, "middle": width / 2, "end": width}[s.anchor]
            pdf.text(x0 + s.x * scale - dx, y0 + s.y * scale, text)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(y0 + height + 6)
    pdf.set_font(FONT, "", 9.5)


def _block(pdf: _ReportPdf, block: Block, following: Block | None) -> None:
    if isinstance(block, Heading):
        keep = 0.0
        if isinstance(following, Chart):
            keep = following.drawing.height * min(1.0, pdf.epw / following.drawing.width) + 12
        elif isinstance(following, Table | Facts | Para | Bullets):
            keep = 48.0  # a header row and a line or two
        _heading(pdf, block, keep)
    elif isinstance(block, Para):
        pdf.set_font(FONT, "I" if block.muted else "", 9.5)
        if block.muted:
            pdf.set_text_color(*GREY)
        pdf.multi_cell(0, 13, pdf_text(block.text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)
    elif isinstance(block, Facts):
        _table(pdf, None, block.pairs, ("l", "l"), (1.2, 3.0), size=8.5)
    elif isinstance(block, Bullets):
        pdf.set_font(FONT, "", 9.5)
        for item in block.items:
            pdf.cell(12, 13, "•")  # hanging indent: wrapped lines align with the text
            pdf.multi_cell(0, 13, pdf_text(item), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(3)
    elif isinstance(block, Table):
        _table(pdf, block.headers, block.rows, block.align, block.widths,
               size=7.0 if block.small else 8.5)
    elif isinstance(block, Chart):
        _chart(pdf, block.drawing)
    elif isinstance(block, PageBreak):
        pdf.add_page()


def render_pdf(report: Report, lang: Lang) -> bytes:
    pdf = _new_pdf(report, lang)
    pdf.add_page()
    blocks = build(report, lang)
    for block, following in zip(blocks, [*blocks[1:], None], strict=True):
        _block(pdf, block, following)
    return bytes(pdf.output())
