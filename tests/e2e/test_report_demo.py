"""The demo's main job over the running stack, on the small Toulouse election (2022Q4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.demo_report import main_job
from services.infra.settings import Settings
from services.infra.stack import Stack
from services.reporting.report.quarter import Quarter
from services.reporting.report.service import Generated
from tests.conftest import DATA

pytestmark = pytest.mark.e2e


async def test_main_job_writes_every_report_with_the_election_in_it(
        infra: Settings, stack: Stack, tmp_path: Path) -> None:
    gen = await main_job(infra, out=tmp_path, election_file=DATA / "france_toulouse_2022_6.pb",
                         quarter=Quarter(2022, 4),
                         adopted_on=datetime(2022, 11, 2, 10, tzinfo=UTC),
                         # other tests count the example plan's facts: add none to it here
                         # (adoption is covered by tests/integration/test_report_plan.py)
                         adopt=0)
    check_files(tmp_path, gen)


def check_files(tmp_path: Path, gen: Generated) -> None:
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"report-2022Q4-{lang}.{fmt}" for lang in ("da", "en")
                           for fmt in ("pdf", "html", "md", "json"))
    (campaign,) = gen.report.campaigns
    # the file's official figures: 436 voters, 778 votes on 10 projects
    assert (campaign.participants, campaign.votes, campaign.ideas_submitted) == (436, 778, 10)
    assert len(campaign.top_ideas) == 10
    assert campaign.adopted_ideas == ()
    data = json.loads((tmp_path / "report-2022Q4-en.json").read_text())
    assert data["report"]["content_hash"] == gen.report.content_hash
    md = (tmp_path / "report-2022Q4-da.md").read_text()
    assert "Statusrapport til styregruppen – 4. kvartal 2022" in md
    assert (tmp_path / "report-2022Q4-da.pdf").read_bytes().startswith(b"%PDF")
