"""`ideastorm import-plan` loads the example plan into the running system; loading it twice
changes nothing; its views answer now and as of past dates."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest

from clients.plan_import import load
from services.infra.stack import Stack

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "coi-action-plan-2014-2016.yaml"


def import_plan(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "services.cli", "import-plan", *args],
                          env=stack.env(), capture_output=True, text=True, timeout=120,
                          check=False)


async def test_the_example_plan_loads_twice_without_changing_anything(
        stack: Stack, pool: asyncpg.Pool, http: httpx.AsyncClient,
        token: Callable[..., str]) -> None:
    first = import_plan(stack, str(EXAMPLE), "--wait", "60")
    assert first.returncode == 0, first.stderr
    assert "the reporting service has processed" in first.stdout
    # other suites (the report demo) may add their own events to these plan years: count ours
    ids = [e.event_id for e in load(EXAMPLE, today=datetime.now(UTC).date())]
    count = "SELECT count(*) FROM reporting.events WHERE event_id = ANY($1)"
    all_facts = "SELECT count(*) FROM reporting.events WHERE year IN (2015, 2025)"
    # 196 plan facts, 20 spend reports, 4 risk events, 2 decision items and their 2 answers,
    # 8 exception reports, a budget change and a revision on a decision
    assert await pool.fetchval(count, ids) == len(ids) == 234
    before = await pool.fetchval(all_facts)
    rollups = await pool.fetch("SELECT * FROM reporting.rollups WHERE year = 2015 ORDER BY 1,2,3")

    again = import_plan(stack, str(EXAMPLE), "--wait", "60")
    assert again.returncode == 0, again.stderr
    assert await pool.fetchval(all_facts) == before
    assert await pool.fetch(
        "SELECT * FROM reporting.rollups WHERE year = 2015 ORDER BY 1,2,3") == rollups

    steering = {"Authorization": f"Bearer {token('steering')}"}
    now = (await http.get("/plans/2015", headers=steering)).json()
    assert now["status"] == "approved" and now["budget"]["amount_dkk"] == 9_000_000
    assert [t["code"] for t in now["tracks"]] == ["FINDE", "KVALIFICERE", "SPREDE"]
    assert sum(len(t["initiatives"]) for t in now["tracks"]) == 10
    assert len(now["meetings"]) == 4

    june = (await http.get("/plans/2015", params={"as_of": "2015-06-30"},
                           headers=steering)).json()
    march = (await http.get("/plans/2015", params={"as_of": "2015-03-31"},
                            headers=steering)).json()
    assert march["rollup"]["percent"] < june["rollup"]["percent"] < now["rollup"]["percent"]
    barometer = next(i for t in june["tracks"] for i in t["initiatives"] if i["code"] == "K1")
    # revised on 2015-06-20 from DKK 1.2 m to 1.4 m: the June view has the new budget
    assert barometer["budget_dkk"] == 1_400_000
    in_may = (await http.get(f"/plans/2015/initiatives/{barometer['initiative_id']}",
                             params={"as_of": "2015-05-31"}, headers=steering)).json()
    assert in_may["budget_dkk"] == 1_200_000 and in_may["percent"] == 15

    q2 = (await http.get("/plans/2025/changes", params={"from": "2025-04-01", "to": "2025-06-30"},
                         headers=steering)).json()
    assert sum(c["type"] == "progress.reported" for c in q2) == 10


PLAN = """
plans:
- year: {year}
  title: Plan
  drafted_on: 2020-01-02
  tracks: [{{code: FINDE, title: Finde}}]
  initiatives:
  - key: a
    track: FINDE
    title: A
    description: d
    owner: staff-1
    period: {{start: 2020-01-01, end: 2020-12-31}}
    budget_dkk: 100
    defined_on: 2020-01-10
    progress:
    - {{as_of: 2020-03-31, percent: 30, rag: green, narrative: ok}}
    - {{as_of: 2020-06-30, percent: {percent}, rag: green, narrative: ok}}
"""


async def test_a_bad_plan_file_is_refused_and_nothing_of_it_is_published(
        stack: Stack, pool: asyncpg.Pool, tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text(PLAN.format(year=2039, percent=145), encoding="utf-8")
    good.write_text(PLAN.format(year=2038, percent=45), encoding="utf-8")
    refused = import_plan(stack, str(bad))
    assert refused.returncode == 1
    assert "plans[0].initiatives[0].progress[1]: percent" in refused.stderr
    assert import_plan(stack, str(good), "--wait", "60").returncode == 0
    years = await pool.fetch("SELECT DISTINCT year FROM reporting.events"
                             " WHERE year IN (2038, 2039)")
    assert [r["year"] for r in years] == [2038]
