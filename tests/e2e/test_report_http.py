"""Stored reports over HTTP: listing, format by extension or Accept, language, roles, errors."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import timedelta

import asyncpg
import httpx
import pytest

from schemas.envelope import Envelope
from schemas.plan import ActionPlanDrafted
from schemas.reports import ReportTrigger
from services.infra import db
from services.infra.kafka import EventProducer
from services.reporting.handlers import Generated, publish
from services.reporting.report.quarter import Quarter
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


# this file's years (no other test stores reports for them), each drawn once: two tests of one
# run that drew the same year listed each other's report for its quarter
_YEARS = random.sample(range(2040, 2100), 60)


async def stored_report(pool: asyncpg.Pool, producer: EventProducer) -> Generated:
    await db.migrate(pool, "reporting")
    return await publish(pool, producer, Quarter(_YEARS.pop(), 2),
                         trigger=ReportTrigger.COMMAND)


async def test_steering_lists_and_downloads_reports(
        http: httpx.AsyncClient, token: Callable[..., str], pool: asyncpg.Pool,
        producer: EventProducer) -> None:
    gen = await stored_report(pool, producer)
    auth = {"Authorization": f"Bearer {token('steering')}"}
    quarter = gen.report.cover.quarter

    listed = await http.get("/reports", params={"quarter": quarter}, headers=auth)
    assert listed.status_code == 200
    (entry,) = listed.json()["reports"]
    assert entry["report_id"] == str(gen.report_id)
    assert entry["content_hash"] == gen.report.content_hash
    assert "en.pdf" in entry["files"] and "da.md" in entry["files"]

    pdf = await http.get(f"/reports/{gen.report_id}.pdf", headers=auth)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == gen.files[("da", "pdf")]

    md = await http.get(f"/reports/{gen.report_id}", params={"lang": "en"},
                        headers={**auth, "Accept": "text/markdown"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Steering-group status report")

    html = await http.get(f"/reports/{gen.report_id}",
                          headers={**auth, "Accept": "text/html,application/xhtml+xml"})
    assert html.status_code == 200 and "<!DOCTYPE html>" in html.text
    assert 'lang="da"' in html.text

    data = await http.get(f"/reports/{gen.report_id}.json", headers=auth)
    assert data.json()["report"]["content_hash"] == gen.report.content_hash


async def test_reports_refuse_with_a_reason(
        http: httpx.AsyncClient, token: Callable[..., str], pool: asyncpg.Pool,
        producer: EventProducer) -> None:
    gen = await stored_report(pool, producer)
    steering = {"Authorization": f"Bearer {token('steering')}"}

    assert (await http.get("/reports")).status_code == 401
    forbidden = await http.get("/reports", headers={
        "Authorization": f"Bearer {token('participant')}"})
    assert forbidden.status_code == 403
    assert (await http.get("/reports", headers={
        "Authorization": f"Bearer {token('admin')}"})).status_code == 200

    missing = await http.get(f"/reports/{uuid.uuid4()}.pdf", headers=steering)
    assert missing.status_code == 404 and missing.json()["detail"]["code"] == "not_found"
    docx = await http.get(f"/reports/{gen.report_id}.docx", headers=steering)
    assert docx.status_code == 404 and "pdf" in docx.json()["detail"]["message"]
    garbage = await http.get("/reports/not-an-id", headers=steering)
    assert garbage.status_code == 404
    french = await http.get(f"/reports/{gen.report_id}.md", params={"lang": "fr"},
                            headers=steering)
    assert french.status_code == 422
    image = await http.get(f"/reports/{gen.report_id}", headers={**steering,
                                                                 "Accept": "image/png"})
    assert image.status_code == 406
    bad_quarter = await http.get("/reports", params={"quarter": "2025Q9"}, headers=steering)
    assert bad_quarter.status_code == 422


async def test_planners_make_a_quarters_report_on_demand_and_read_it(
        http: httpx.AsyncClient, token: Callable[..., str], producer: EventProducer) -> None:
    planner = {"Authorization": f"Bearer {token('planner')}"}
    q = Quarter(_YEARS.pop(), 3)
    quarter = str(q)
    # a quarter in which nothing was recorded is refused: its report would read as an all-clear
    empty = await http.post("/reports", json={"quarter": quarter}, headers=planner)
    assert empty.status_code == 409, empty.text
    assert empty.json()["detail"]["code"] == "empty_quarter"
    assert "nothing to report" in empty.json()["detail"]["message"]
    # one event inside the quarter (Danish time) makes it reportable
    env = Envelope.wrap(ActionPlanDrafted(year=q.year, title=f"Plan {uuid.uuid4()}",
                                          tracks=[{"code": "A", "title": "A"}]),
                        actor="planner-1", occurred_at=q.start + timedelta(hours=1))
    await producer.publish(env)
    # published straight to the topic, not through the gateway: `wait_for` knows the event only
    # once the reporting service has processed it (404 unknown_event until then)
    seen = await eventually(
        lambda: http.get("/plans", params={"wait_for": str(env.event_id)}, headers=planner),
        lambda r: r.status_code == 200, timeout=60, what="the plan event processed")
    assert seen.status_code == 200, seen.text

    # the quarter has not ended: only a marked draft ("foreløbig") can be made of it
    early = await http.post("/reports", json={"quarter": quarter}, headers=planner)
    assert early.status_code == 409, early.text
    assert early.json()["detail"]["code"] == "quarter_not_ended"
    assert "draft" in early.json()["detail"]["message"]
    requestable = (await http.get("/reports/requestable", headers=planner)).json()["quarters"]
    assert {"quarter": quarter, "kind": "draft"}.items() <= next(
        r for r in requestable if r["quarter"] == quarter).items()
    made = await http.post("/reports", json={"quarter": quarter, "draft": True},
                           headers=planner)
    assert made.status_code == 201, made.text
    summary = made.json()
    assert summary["quarter"] == quarter and summary["trigger"] == "command"
    assert summary["draft"] is True and summary["requested_by"] is not None
    assert sorted(summary["files"]) == sorted(f"{lang}.{fmt}" for lang in ("da", "en")
                                              for fmt in ("pdf", "html", "md", "json"))
    listed = (await http.get("/reports", params={"quarter": quarter},
                             headers=planner)).json()["reports"]
    assert summary in listed  # the same summary GET /reports gives
    data = await http.get(summary["files"]["en.json"], headers=planner)
    assert data.status_code == 200
    assert data.json()["report"]["document_control"]["quarter"] == quarter
    assert data.json()["report"]["document_control"]["draft"] is True
    assert data.json()["report"]["document_control"]["version"] == "0.1"
    page = (await http.get(summary["files"]["da.md"], headers=planner)).text
    assert "FORELØBIG" in page
    assert data.json()["report"]["content_hash"] == summary["content_hash"]

    # nothing recorded for that quarter changed: the same report, not a second one
    again = await http.post("/reports", json={"quarter": quarter, "draft": True},
                            headers=planner)
    assert again.status_code == 201 and again.json()["report_id"] == summary["report_id"]


async def test_making_a_report_refuses_with_a_reason(
        http: httpx.AsyncClient, token: Callable[..., str]) -> None:
    steering = {"Authorization": f"Bearer {token('steering')}"}
    assert (await http.post("/reports", json={"quarter": "2041Q1"})).status_code == 401
    participant = await http.post("/reports", json={"quarter": "2041Q1"}, headers={
        "Authorization": f"Bearer {token('participant')}"})
    assert participant.status_code == 403
    bad = await http.post("/reports", json={"quarter": "2041Q5"}, headers=steering)
    assert bad.status_code == 422 and bad.json()["detail"]["errors"][0]["where"] == "body.quarter"
    extra = await http.post("/reports", json={"quarter": "2041Q1", "lang": "fr"},
                            headers=steering)
    assert extra.status_code == 422
