"""What people do on the web pages, in a real Chromium against the real stack."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.async_api import Page, expect

from services.infra.kafka import EventProducer
from tests.browser.conftest import look, shown_after_reload, sign_in
from tests.e2e.ideas_client import IdeasClient
from tests.e2e.test_report_http import stored_report
from tests.helpers import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]


async def votable(http: httpx.AsyncClient, campaign_id: str, title: str) -> None:
    """The voting service has seen the approval (it learns it from the status topic)."""
    async def probe() -> list[str]:
        r = await http.get(f"/campaigns/{campaign_id}/tally")
        return [i["status"] for i in r.json()["ideas"] if i["title"] == title]
    await eventually(probe, lambda s: s == ["published"], what="idea votable")


async def test_idea_from_submission_to_vote_to_hidden_by_flags(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(moderation="pre", flag_threshold=2)
    campaign = f"Shorter waiting times {uid}"
    title = f"Evening opening hours {uid}"

    page = await contexts()
    await page.goto("/signin")
    await look(page, "signin")
    await sign_in(page, "participant", f"anna-{uid}", sector="municipality")
    (session,) = [c for c in await page.context.cookies() if c["name"] == "ideastorm_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    await look(page, "campaigns")
    await page.get_by_role("link", name=campaign).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(campaign)
    await page.get_by_label("Titel").fill(title)
    await page.get_by_label("Beskrivelse").fill("Open the citizen service until 20:00 twice a week.")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#status")).to_contain_text("Afventer moderation")
    await look(page, "idea-pending")

    staff = await contexts()
    await sign_in(staff, "moderator", f"mod-{uid}")
    await staff.goto(f"/staff/moderation?campaign={campaign_id}")
    item = staff.locator("article.queue-item", has_text=title)
    await expect(item).to_be_visible()
    await look(staff, "moderation")
    await item.get_by_label("Begrundelse").fill("Fits the campaign's question")
    await item.get_by_role("button", name=re.compile("^Godkend")).click()
    await expect(staff.locator(".flash.ok")).to_be_visible()
    await expect(staff.locator("article.queue-item", has_text=title)).to_have_count(0)

    await votable(http, campaign_id, title)
    await page.goto(f"/c/{campaign_id}")
    card = page.locator("li.idea", has_text=title)
    tally = card.locator("[data-tally]")
    await expect(tally).to_have_text("0")
    await card.get_by_role("button", name=re.compile("^Stem på idéen")).click()
    await expect(page.locator(".flash.ok")).to_contain_text("stemme er modtaget")
    await expect(tally).to_have_text("1", timeout=30_000)  # the live tally, without a reload
    await shown_after_reload(page, page.locator("#budget"), "2 af 3")
    await expect(card.get_by_role("button", name=re.compile("^Træk stemmen tilbage"))).to_be_visible()
    await look(page, "campaign")

    idea_url = await card.get_by_role("link", name=title).get_attribute("href")
    assert idea_url
    for name in ("bo", "cai"):
        flagger = await contexts()
        await sign_in(flagger, "participant", f"{name}-{uid}")
        await flagger.goto(idea_url)
        await flagger.get_by_label("Hvorfor?").select_option("off_topic")
        await flagger.get_by_label("Bemærkning (valgfri)").fill("Not about queues")
        if name == "bo":
            await look(flagger, "idea-flag")
        await flagger.get_by_role("button", name="Anmeld idéen").click()
        await expect(flagger.locator(".flash.ok")).to_contain_text("anmeldelse er modtaget")

    await page.goto("/my")
    await shown_after_reload(page, page.locator("tr", has_text=title), "Skjult")
    await look(page, "my")
    await page.goto(f"/c/{campaign_id}")
    await expect(page.locator("li.idea", has_text=title)).to_have_count(0)

    await staff.goto(f"/staff/moderation?campaign={campaign_id}")
    hidden = staff.locator("article.queue-item", has_text=title)
    await expect(hidden).to_contain_text("Uden for emnet: 2")
    await look(staff, "moderation-flagged")
    for path, name in (("/staff/log", "moderation-log"), ("/staff/votes", "held-votes")):
        await staff.goto(path)
        await look(staff, name)
    await expect(staff.locator("main")).to_contain_text("GET /moderation/votes")


async def test_steering_downloads_the_danish_pdf_report(
        contexts: NewPage, pool: asyncpg.Pool, producer: EventProducer, uid: str,
        tmp_path: Path) -> None:
    gen = await stored_report(pool, producer)
    page = await contexts()
    await sign_in(page, "steering", f"chair-{uid}")
    await page.goto("/staff/reports")
    await look(page, "reports")
    link = page.get_by_role("link", name=f"PDF (dansk) {gen.report.cover.quarter}")
    async with page.expect_download() as info:
        await link.click()
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert saved.name.endswith("-da.pdf")
    assert saved.read_bytes() == gen.files[("da", "pdf")]

    await page.goto("/staff/plan")
    await look(page, "plan")


async def test_pages_in_english_and_the_api_docs(contexts: NewPage, uid: str) -> None:
    page = await contexts()
    await sign_in(page, "planner", f"plan-{uid}")
    await page.goto("/")
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Open campaigns")
    await look(page, "campaigns-en")
    await page.goto("/staff/plan")
    await look(page, "plan-en")

    await page.goto("/docs")
    await expect(page.get_by_role("heading", name=re.compile("^ideastorm .*OAS 3"))).to_be_visible()
    await expect(page.get_by_role("link", name="/campaigns/{campaign_id}/ideas", exact=True).first
                 ).to_be_visible()
    await look(page, "api-docs", axe=False)  # Swagger UI's own markup, not ours


async def test_a_form_without_its_token_changes_nothing(
        http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign()
    me = token("participant", sub=f"eve-{uid}")
    cookies = {"ideastorm_session": me, "ideastorm_csrf": "x" * 43}
    for sent in ({}, {"csrf": "not-the-token"}):
        r = await http.post(f"/c/{campaign_id}/ideas", cookies=cookies,
                            data={"title": "Forged", "body": "Posted by another site", **sent})
        assert r.status_code == 403 and "security token" in r.json()["detail"]["message"]
    other_site = await http.post("/signin", headers={"Origin": "https://evil.example"},
                                 data={"role": "admin", "sub": "mallory"})
    assert other_site.status_code == 403 and "ideastorm_session" not in other_site.cookies
    mine = await http.get("/me/ideas", headers={"Authorization": f"Bearer {me}"})
    assert mine.json() == []
