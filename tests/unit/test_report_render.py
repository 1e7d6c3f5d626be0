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
    BaselineChange,
    BudgetLine,
    BudgetSection,
    Campaigns,
    CampaignSection,
    Change,
    Cover,
    DayCount,
    DecisionCount,
    DecisionItem,
    DecisionOptionLine,
    Decisions,
    FieldChange,
    Fingerprint,
    FundingShare,
    GoalLine,
    InitiativeSection,
    KeyMessage,
    MilestoneLine,
    ModerationSection,
    Narrative,
    Rag,
    RagCount,
    RankedIdea,
    Report,
    RiskLine,
    SectorCount,
    Source,
    Summary,
    Tolerances,
    fingerprint_of,
)
from services.reporting.report.quarter import LOCAL
from services.reporting.report.render import parse_formats, render
from services.reporting.report.render_md import escape_md

pytestmark = pytest.mark.unit

EVIL = '<script>alert("x")</script> **bold** [link](http://evil) | pipe & ) Tj ( \\'


def sample_report(idea_title: str = "Fælles indkøb af velfærdsteknologi",
                  narrative: str = "Arbejdet går efter planen; æøå ÆØÅ.",
                  vote_times: str = "recorded") -> Report:
    fp = fingerprint_of([f"e-{i}" for i in range(12)])
    ini = InitiativeSection(
        initiative_id="i-1", title="Idéstorme om innovative løsninger", track_id="t-1",
        track_title="FINDE", owner="coi-konsulent-1", budget=2_000_000,
        schedule_deviation=0.2, cost_deviation=0.05, rag_computed=Rag.AMBER, percent_done=40.0,
        percent_expected=50.0, rag=Rag.GREEN, rag_previous=Rag.GREEN,
        narrative=Narrative(narrative, date(2025, 6, 20), "planner-1"),
        milestones_completed=(MilestoneLine("Første idéstorm afholdt", date(2025, 6, 15),
                                            date(2025, 6, 15)),),
        milestones_overdue=(MilestoneLine("Evaluering", date(2025, 5, 1)),),
        milestones_due_next=(MilestoneLine("Anden idéstorm", date(2025, 9, 1)),),
        adopted_ideas=(idea_title,),
    )
    ini2 = dataclasses.replace(ini, initiative_id="i-2", title="Innovationsbarometer",
                               track_id="t-2", track_title="KVALIFICERE",
                               schedule_deviation=0.0, cost_deviation=None,
                               rag_computed=Rag.GREEN, percent_done=80.0, percent_expected=60.0,
                               rag=Rag.GREEN, rag_previous=Rag.GREEN, narrative=None,
                               adopted_ideas=())
    goals = (GoalLine("Flere idéer", "idéer indsendt", "", 0, 100, 83, date(2025, 6, 30),
                      ini.title, date(2025, 12, 31), "system:ideas_submitted", True, 50.0, True),
             GoalLine("Deltagelse", "andel kommuner", "%", 10, 50, 15.5, date(2025, 6, 30),
                      ini.title, date(2025, 12, 31), "KL", False, 30.0, False))
    campaign = CampaignSection(
        campaign_id="c-1", title="Warszawa 2026", opens_at=datetime(2025, 6, 1, tzinfo=UTC),
        closes_at=datetime(2025, 6, 15, 22, tzinfo=UTC), participants=61668,
        participants_by_sector=(SectorCount("municipality", 12), SectorCount("unknown", 61656)),
        ideas_submitted=83, ideas_published=80, ideas_rejected=3, votes=287475,
        top_ideas=tuple(RankedIdea(r, idea_title if r == 1 else f"Projekt {r}", 10000 - r * 7,
                                   "published") for r in range(1, 11)),
        adopted_ideas=(AdoptedIdea(idea_title, ini.title, date(2025, 6, 25)),),
        votes_by_day=(tuple(DayCount(date(2025, 6, d), 1000 * d % 7919) for d in range(1, 16))
                      if vote_times == "recorded" else ()),
        first_day=date(2025, 6, 1), last_day=date(2025, 6, 15), vote_times=vote_times,
    )
    cover = Cover(plan_id="p-1", plan_title="Handlingsplan 2025", plan_year=2025, plan_version=2,
                  quarter="2025Q2", period_start=date(2025, 4, 1), period_end=date(2025, 6, 30),
                  cutoff=datetime(2025, 7, 1, tzinfo=LOCAL), timezone="Europe/Copenhagen",
                  fingerprint=fp, previous_quarter="2025Q1",
                  previous_fingerprint=Fingerprint(1, "ab" * 32),
                  generated_by="ideastorm reporting, report.v2", events_in_quarter=11)
    options = (DecisionOptionLine("Rekruttér nu", "Netværket starter i oktober; 0,1 mio. kr."),
               DecisionOptionLine("Udskyd til 2026", "Ingen udgift i 2025; et halvt år tabt."))
    decisions = Decisions(
        (DecisionItem("d-1", "Rekruttering til politikernetværket",
                      "Skal rekrutteringen begynde nu?", "Rekruttér nu.", options,
                      date(2025, 6, 20), date(2025, 9, 24), "open"),),
        (DecisionItem("d-0", "Stikprøve for innovationsbarometeret", "Udvides stikprøven?",
                      "Udvid.", options, date(2025, 5, 1), date(2025, 6, 18), "taken",
                      "Rekruttér nu", date(2025, 6, 18), narrative),))
    report = Report(
        executive_summary=Summary(
            overall=Rag.AMBER, overall_basis="overall_basis.worst", nothing_to_report=False,
            messages=(KeyMessage("decisions_for_meeting", "2025-09-24", 1),
                      KeyMessage("goals_off_track", "Deltagelse", 1)),
            rag=(RagCount(Rag.GREEN, 2), RagCount(Rag.AMBER, 0), RagCount(Rag.RED, 0),
                 RagCount(Rag.NONE, 0)),
            changes=(Change("rag_changed", ini.title, "green", "amber"),),
            tolerances=Tolerances(0.1, 0.25, "tolerance_source.default"),
            rag_differs=(ini.title,)),
        decisions=decisions,
        initiatives=(ini, ini2),
        baseline_changes=(BaselineChange(ini.title, date(2025, 5, 2), "coi-leder", "Ny ejer",
                                         (FieldChange("budget_dkk", "2000000", "2200000"),),
                                         "e-9"),),
        economy=BudgetSection(28_000_000, 9_500_000,
                              (FundingShare("state", 11_200_000, 40.0),
                               FundingShare("municipalities", 11_200_000, 40.0),
                               FundingShare("regions", 5_600_000, 20.0)),
                              (BudgetLine(ini.title, 2_200_000, 900_000, 1_000_000, 2_300_000,
                                          2_000_000),),
                              phased=13_000_000, forecast=27_000_000,
                              spent_by_party=(FundingShare("state", 3_800_000, 40.0),
                                              FundingShare("municipalities", 3_800_000, 40.0),
                                              FundingShare("regions", 1_900_000, 20.0))),
        risks=(RiskLine("r-1", ini.title, "For få kommuner deltager", "coi-leder", 3, 4,
                        "Personlig invitation via KL", date(2025, 4, 10), "open"),),
        goals=goals,
        campaigns=Campaigns((campaign,), ModerationSection(
            (DecisionCount("approve", 80), DecisionCount("reject", 3)), 83, 2, 5.25)),
        milestones_next_quarter=(MilestoneLine("Anden idéstorm", date(2025, 9, 1), None,
                                               date(2025, 7, 1), ini.title, ini.owner),),
        document_control=cover,
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
    assert report["campaigns"]["items"][0]["votes"] == 287475
    assert report["document_control"]["cutoff"] == "2025-07-01T00:00:00+02:00"
    assert report["content_hash"] == sample_report().content_hash
    assert len(report["campaigns"]["items"][0]["top_ideas"]) == 10


def test_content_hash_changes_with_any_figure_and_not_with_language() -> None:
    base = sample_report()
    changed = dataclasses.replace(base, campaigns=dataclasses.replace(
        base.campaigns, moderation=dataclasses.replace(base.campaigns.moderation,
                                                       queue_at_end=3)))
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


def test_html_has_the_progress_and_votes_per_day_charts() -> None:
    page = render(sample_report(), "html", "en").decode()
    assert page.count("<svg") == 2
    assert "<title>Done and expected per initiative (colour: computed status)</title>" in page
    assert "<title>Votes per day</title>" in page
    # in HTML an unclosed <rect> swallows the shapes after it and the chart shows one bar
    assert page.count("<rect") > 15
    assert re.search(r"<(rect|line)\b[^>]*[^/]>", page) is None


def test_votes_imported_without_times_draw_no_timing_and_say_so() -> None:
    page = render(sample_report(vote_times="synthetic"), "html", "da").decode()
    assert "Stemmer pr. dag" not in page
    assert "uden tidspunkter for den enkelte stemme" in page


def test_page_one_is_the_summary_with_each_decision_its_recommendation_and_options() -> None:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(render(sample_report(), "pdf", "da")))
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Resumé og indstilling" in first
    assert "Samlet status Gul" in first or "Samlet status: Gul" in first or "Gul" in first
    assert "Rekruttering til politikernetværket (til mødet 24. september 2025)" in first
    assert "Indstilling: Rekruttér nu." in first
    assert "Udskyd til 2026" in first and "et halvt år tabt" in first
    assert "Opfølgning: besluttet i kvartalet" in first
    assert "Fremdrift" not in first  # the detail starts on page two


def test_counts_take_the_right_plural_and_hashes_are_whole() -> None:
    da = render(sample_report(), "md", "da").decode()
    assert "1 registrering ·" in da and not re.search(r"\b1 registreringer", da)
    assert "sha256:" + "ab" * 32 in da
    assert "sha256sum" in da  # the recipe for recomputing them


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


def test_the_progress_chart_has_a_title_a_legend_an_axis_and_the_computed_colours() -> None:
    from services.reporting.report import charts
    from services.reporting.report.model import Rag

    report = sample_report()
    drawing = charts.progress_bars(report.initiatives, "da")
    texts = [s.text for s in drawing.shapes if isinstance(s, charts.Text)]
    assert texts[0] == "Færdig og forventet pr. indsats (farve: beregnet status)"
    assert {"0 %", "50 %", "100 %"} <= set(texts)
    assert {"færdig: grøn", "færdig: gul", "færdig: rød", "forventet"} <= set(texts)
    bars = [s.fill for s in drawing.shapes if isinstance(s, charts.Rect) and s.x == 190.0
            and s.fill != charts.TRACK]
    # the first initiative's owner says green, the computed status is amber: the bar is amber
    assert report.initiatives[0].rag is Rag.GREEN
    assert bars == [charts.RAG_COLOURS[Rag.AMBER], charts.RAG_COLOURS[Rag.GREEN]]
