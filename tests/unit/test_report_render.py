"""Renderers: every format says the same, escapes participant text, and is deterministic."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zlib
from datetime import UTC, date, datetime

import pytest

from services.reporting.report.i18n import Lang
from services.reporting.report.model import (
    AdoptedIdea,
    BudgetSection,
    CampaignSection,
    Change,
    Cover,
    DayCount,
    DecisionCount,
    DecisionItem,
    Fingerprint,
    FundingShare,
    GoalLine,
    InitiativeSection,
    MilestoneLine,
    ModerationSection,
    Narrative,
    Rag,
    RagCount,
    RankedIdea,
    Report,
    SectorCount,
    Source,
    Summary,
    TrackSection,
    fingerprint_of,
)
from services.reporting.report.render import parse_formats, render
from services.reporting.report.render_md import escape_md

pytestmark = pytest.mark.unit

EVIL = '<script>alert("x")</script> **bold** [link](http://evil) | pipe & ) Tj ( \\'


def sample_report(idea_title: str = "Fælles indkøb af velfærdsteknologi",
                  narrative: str = "Arbejdet går efter planen; æøå ÆØÅ.") -> Report:
    fp = fingerprint_of([f"e-{i}" for i in range(12)])
    ini = InitiativeSection(
        initiative_id="i-1", title="Idéstorme om innovative løsninger", percent_done=40.0,
        percent_expected=50.0, rag=Rag.AMBER, rag_previous=Rag.GREEN,
        narrative=Narrative(narrative, date(2025, 6, 20), "planner-1"),
        milestones_completed=(MilestoneLine("Første idéstorm afholdt", date(2025, 6, 15),
                                            date(2025, 6, 15)),),
        milestones_overdue=(MilestoneLine("Evaluering", date(2025, 5, 1)),),
        milestones_due_next=(MilestoneLine("Anden idéstorm", date(2025, 9, 1)),),
        goals=(GoalLine("Flere idéer", "idéer indsendt", "", 0, 100, 83, date(2025, 6, 30)),
               GoalLine("Deltagelse", "andel kommuner", "%", 10, 50, 55.5, date(2025, 6, 30))),
        adopted_ideas=(idea_title,),
    )
    ini2 = dataclasses.replace(ini, initiative_id="i-2", title="Innovationsbarometer",
                               percent_done=80.0, percent_expected=60.0, rag=Rag.GREEN,
                               rag_previous=Rag.GREEN, narrative=None, goals=(),
                               adopted_ideas=())
    campaign = CampaignSection(
        campaign_id="c-1", title="Warszawa 2026", opens_at=datetime(2025, 6, 1, tzinfo=UTC),
        closes_at=datetime(2025, 6, 15, tzinfo=UTC), participants=61668,
        participants_by_sector=(SectorCount("municipality", 12), SectorCount("unknown", 61656)),
        ideas_submitted=83, ideas_published=80, ideas_rejected=3, votes=287475,
        top_ideas=tuple(RankedIdea(r, idea_title if r == 1 else f"Projekt {r}", 10000 - r * 7,
                                   "published") for r in range(1, 11)),
        adopted_ideas=(AdoptedIdea(idea_title, ini.title, date(2025, 6, 25)),),
        votes_by_day=tuple(DayCount(date(2025, 6, d), 1000 * d % 7919) for d in range(1, 16)),
    )
    cover = Cover(plan_id="p-1", plan_title="Handlingsplan 2025", plan_year=2025,
                  quarter="2025Q2", period_start=date(2025, 4, 1), period_end=date(2025, 6, 30),
                  cutoff=datetime(2025, 7, 1, tzinfo=UTC), fingerprint=fp,
                  previous_quarter="2025Q1", previous_fingerprint=Fingerprint(3, "ab" * 32))
    report = Report(
        cover=cover,
        summary=Summary(rag=(RagCount(Rag.GREEN, 1), RagCount(Rag.AMBER, 1),
                             RagCount(Rag.RED, 0), RagCount(Rag.NONE, 0)),
                        changes=(Change("rag_changed", ini.title, "green", "amber"),)),
        tracks=(TrackSection("t-1", "FINDE", (ini,)), TrackSection("t-2", "KVALIFICERE", (ini2,))),
        campaigns=(campaign,),
        moderation=ModerationSection((DecisionCount("approve", 80), DecisionCount("reject", 3)),
                                     83, 2, 5.25),
        budget=BudgetSection(28_000_000, 9_500_000,
                             (FundingShare("state", 11_200_000, 40.0),
                              FundingShare("municipalities", 11_200_000, 40.0),
                              FundingShare("regions", 5_600_000, 20.0)), ()),
        decisions=(DecisionItem("red_initiative", ini.title, narrative, date(2025, 6, 28)),),
        appendix=(Source("progress", ini.title, ("plan.progress_reported",), fp, ("e-1", "e-2")),),
    )
    return report.with_content_hash()


def pdf_text(data: bytes) -> str:
    """The text drawing operators of a PDF, decompressed: enough to compare two PDFs' text."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    text = b"\n".join(c for c in chunks if b"Tj" in c or b"TJ" in c)
    return text.decode("latin-1")


@pytest.mark.parametrize("fmt", ["json", "md", "html", "pdf"])
@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_format_renders_the_same_bytes_twice(fmt: str, lang: Lang) -> None:
    first = render(sample_report(), fmt, lang)  # type: ignore[arg-type]
    second = render(sample_report(), fmt, lang)  # type: ignore[arg-type]
    assert first == second
    assert len(first) > 500


def test_pdf_is_a_pdf_with_the_cutoff_as_creation_date() -> None:
    data = render(sample_report(), "pdf", "da")
    assert data.startswith(b"%PDF-")
    assert b"D:20250701000000" in data  # creation date = cut-off, not the wall clock


def test_pdf_embeds_a_unicode_font_so_danish_letters_survive() -> None:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(render(sample_report(), "pdf", "da")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "æøå ÆØÅ" in text
    assert "Fælles indkøb af velfærdsteknologi" in text


def test_json_carries_every_figure() -> None:
    data = json.loads(render(sample_report(), "json", "en"))
    report = data["report"]
    assert report["campaigns"][0]["votes"] == 287475
    assert report["cover"]["cutoff"] == "2025-07-01T00:00:00Z"
    assert report["content_hash"] == sample_report().content_hash
    assert len(report["campaigns"][0]["top_ideas"]) == 10


def test_content_hash_changes_with_any_figure_and_not_with_language() -> None:
    base = sample_report()
    changed = dataclasses.replace(base, moderation=dataclasses.replace(base.moderation,
                                                                       queue_at_end=3))
    assert changed.with_content_hash().content_hash != base.content_hash
    da = json.loads(render(base, "json", "da"))["report"]
    en = json.loads(render(base, "json", "en"))["report"]
    assert da == en


def test_danish_and_english_format_numbers_and_dates_their_own_way() -> None:
    da = render(sample_report(), "md", "da").decode()
    en = render(sample_report(), "md", "en").decode()
    assert "287.475" in da and "287,475" in en
    assert "30\\. juni 2025" not in da  # dates are not escaped into noise
    assert "1. april 2025 – 30. juni 2025" in da
    assert "1 April 2025 – 30 June 2025" in en
    assert "2. kvartal 2025" in da and "Q2 2025" in en
    assert "Statusrapport til styregruppen" in da and "Steering-group status report" in en


def test_html_escapes_participant_text() -> None:
    page = render(sample_report(idea_title=EVIL, narrative=EVIL), "html", "da").decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # the only tags in the page are the ones the renderer writes
    tags = set(re.findall(r"<([a-zA-Z0-9]+)", page))
    assert tags <= {"html", "head", "meta", "title", "style", "body", "main", "section", "h1",
                    "h2", "h3", "h4", "dl", "dt", "dd", "p", "ul", "li", "table", "thead",
                    "tbody", "tr", "th", "td", "figure", "svg", "rect", "line", "text"}


def test_html_has_the_three_kinds_of_chart() -> None:
    page = render(sample_report(), "html", "en").decode()
    assert page.count("<svg") == 3
    assert "<title>Progress</title>" in page
    assert "<title>Initiatives by status</title>" in page
    assert "<title>Votes per day</title>" in page
    # in HTML an unclosed <rect> swallows the shapes after it and the chart shows one bar
    assert page.count("<rect") > 20
    assert re.search(r"<(rect|line)\b[^>]*[^/]>", page) is None


def test_markdown_escapes_participant_text() -> None:
    text = render(sample_report(idea_title=EVIL, narrative=EVIL), "md", "da").decode()
    assert "<script>" not in text
    assert "**bold**" not in text and "\\*\\*bold\\*\\*" in text
    assert "[link](http://evil)" not in text
    # a pipe in a title must not add a column to the top-ten table
    row = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    assert row.count(" | ") == 3


@pytest.mark.parametrize("raw, shown", [
    ("# not a heading", "\\# not a heading"),
    ("- not a list", "\\- not a list"),
    ("1. not a list", "1\\. not a list"),
    ("a_b*c*", "a\\_b\\*c\\*"),
    ("<b>&", "&lt;b&gt;&amp;"),
    ("line\n# two", "line\n\\# two"),
])
def test_escape_md(raw: str, shown: str) -> None:
    assert escape_md(raw) == shown


def test_pdf_shows_participant_text_as_text() -> None:
    pypdf = pytest.importorskip("pypdf")
    data = render(sample_report(idea_title=EVIL), "pdf", "en")
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "**bold** [link](http://evil)" in text
    assert len(reader.pages) >= 3


def test_parse_formats() -> None:
    assert parse_formats("pdf, html,md") == ("pdf", "html", "md")
    assert parse_formats("markdown,json,json") == ("md", "json")
    with pytest.raises(ValueError, match="docx"):
        parse_formats("pdf,docx")
