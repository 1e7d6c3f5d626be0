"""The demo's main job over the running stack, on the small Toulouse election (2022Q4): it talks
to the services only through the topics and HTTP, and downloads every rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clients import pabulib
from clients.demo_report import Downloaded, main_job
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.conftest import DATA

pytestmark = pytest.mark.e2e


async def test_main_job_writes_every_report_with_the_election_in_it(
        infra: Settings, stack: Stack, tmp_path: Path) -> None:
    got = await main_job(infra, out=tmp_path, base_url=stack.base_url,
                         election_file=DATA / "france_toulouse_2022_6.pb", quarter="2022Q4",
                         adopted_on=datetime(2022, 11, 2, 10, tzinfo=UTC),
                         # other tests count the example plan's facts: add none to it here
                         # (adoption is covered by tests/integration/test_report_plan.py)
                         adopt=0)
    check_files(tmp_path, got)


def check_files(tmp_path: Path, got: Downloaded) -> None:
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"report-2022Q4-{lang}.{fmt}" for lang in ("da", "en")
                           for fmt in ("pdf", "html", "md", "json"))
    assert sorted(got.summary["files"]) == sorted(f"{lang}.{fmt}" for lang in ("da", "en")
                                                  for fmt in ("pdf", "html", "md", "json"))
    # other tests of the session may replay elections of 2022 too: find Toulouse's by its id
    toulouse = str(pabulib.campaign_id(pabulib.parse((DATA / "france_toulouse_2022_6.pb")
                                                     .read_bytes())))
    (campaign,) = [c for c in got.report["campaigns"]["items"] if c["campaign_id"] == toulouse]
    # the file's official figures: 436 voters, 778 votes on 10 projects
    assert (campaign["participants"], campaign["votes"], campaign["ideas_submitted"]) == (
        436, 778, 10)
    assert len(campaign["top_ideas"]) == 10
    assert campaign["adopted_ideas"] == []
    # Pabulib ballots carry no times: the report draws no votes per day from the spread ones
    assert campaign["vote_times"] == "synthetic" and campaign["votes_by_day"] == []
    data = json.loads((tmp_path / "report-2022Q4-en.json").read_text())
    assert data["report"]["content_hash"] == got.content_hash == got.summary["content_hash"]
    md = (tmp_path / "report-2022Q4-da.md").read_text()
    assert "Statusrapport til styregruppen – 4. kvartal 2022" in md
    assert data["lang"] == "en"  # each language's file holds that language
    assert "Steering-group status report – Q4 2022" in (tmp_path / "report-2022Q4-en.md").read_text()
    assert (tmp_path / "report-2022Q4-da.pdf").read_bytes().startswith(b"%PDF")
    # the job waited for the voting service's replay under other rules: the table is there,
    # the campaign's own count among its rows, its ideas by title
    stability = campaign["stability"]
    assert stability["status"] == "computed" and stability["votes"] == 778
    (official,) = [s for s in stability["scenarios"] if s["official"]]
    assert official["scenario"] == "greedy/baseline" and official["selected"]
    titles = {i["title"] for i in campaign["top_ideas"]}
    assert set(official["selected"]) <= titles | {d["title"] for d in stability["depends"]}
    assert "Hvem vinder under andre regler" in md
