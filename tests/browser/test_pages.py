"""What people do on the web pages, in a real Chromium against the real stack."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.async_api import Page, expect

from schemas.envelope import Envelope
from schemas.votes import VoteCast
from services.infra.kafka import EventProducer
from services.web.pages import PAGE_SIZE
from tests.browser.conftest import look, shown_after_reload, sign_in
from tests.e2e.ideas_client import IdeasClient
from tests.e2e.test_report_http import stored_report
from tests.e2e.test_reporting_api import TODAY, auth, new_plan
from tests.helpers import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]


async def votable(http: httpx.AsyncClient, campaign_id: str, title: str) -> None:
    """The voting service has seen the approval (it learns it from the status topic)."""
    async def probe() -> list[str]:
        r = await http.get(f"/campaigns/{campaign_id}/tally")
        if r.status_code == 404:  # the voting service does not know the campaign yet
            return []
        assert r.status_code == 200, r.text
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
    await expect(page.locator(".flash.ok")).to_contain_text("Din stemme er talt med")
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
        if name == "moderation-log":
            rows = staff.locator("tr", has_text=title)
            await expect(rows.filter(has_text="Fits the campaign's question")).to_have_count(1)
            # the hide by flags is in the log too, by the system, naming the flaggers
            await expect(rows.filter(has_text="system:ideas")).to_contain_text(f"bo-{uid}")
    # the held-vote list is served now: no notice that its route is missing
    await expect(staff.locator("main")).not_to_contain_text("GET /moderation/votes")

    # the author erases their personal data: what they wrote is gone from the staff's pages too
    await page.goto("/my/data")
    await page.get_by_label("Ja, jeg vil have mine oplysninger slettet").check()
    await page.get_by_role("button", name="Slet mine oplysninger").click()
    await expect(page.locator(".flash.ok")).to_contain_text("anmodning om sletning er modtaget")
    await staff.goto(f"/staff/moderation?campaign={campaign_id}")
    await shown_after_reload(staff, staff.locator("article.queue-item"), "[slettet]")
    await expect(staff.locator("main")).not_to_contain_text(title)
    await expect(staff.locator("main")).not_to_contain_text("twice a week")


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
    await page.goto("/staff/")
    await look(page, "staff-en")
    missing = await page.goto(f"/c/{uuid.uuid4()}")
    assert missing is not None and missing.status == 404
    await expect(page.get_by_role("alert")).to_contain_text("does not exist")
    await look(page, "not-found-en")

    await page.goto("/docs")
    await expect(page.get_by_role("heading", name=re.compile("^ideastorm"))).to_be_visible()
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


async def test_a_duplicate_is_merged_after_its_revision_and_the_hint_side_by_side(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(moderation="pre")
    first_title = f"Evening opening hours at the citizen service {uid}"
    first = await ideas.submit(campaign_id, ideas.participant("ann"), first_title,
                               "Open until 20:00 twice a week.")
    await ideas.decide(first, "approve", "Fits the question")

    page = await contexts()
    await sign_in(page, "participant", f"dan-{uid}")
    await page.goto(f"/c/{campaign_id}")
    await page.get_by_label("Titel").fill(f"Evening opening hours at the citizen office {uid}")
    await page.get_by_label("Beskrivelse").fill("Keep the doors open late.")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#status")).to_contain_text("Afventer moderation")
    await page.get_by_label("Beskrivelse").fill("Keep the doors open until 21:00 on Thursdays.")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".flash.ok")).to_contain_text("rettelse er modtaget")
    await expect(page.get_by_role("heading", name="Versioner")).to_be_visible()
    duplicate_url = page.url.split("?")[0]

    staff = await contexts()
    await sign_in(staff, "moderator", f"mod-{uid}")
    await staff.goto(f"/staff/moderation?campaign={campaign_id}")
    item = staff.locator("article.queue-item", has_text="citizen office")
    await expect(item.locator(".hint")).to_contain_text("Open until 20:00 twice a week.")
    await expect(item.locator(".diff del")).to_have_text("− Keep the doors open late.")
    await expect(item.locator(".diff ins")).to_have_text(
        "+ Keep the doors open until 21:00 on Thursdays.")
    await look(staff, "moderation-duplicate")
    await item.get_by_label("Læg sammen med").select_option(first)
    await item.get_by_label("Begrundelse").fill("Same proposal as the published one")
    await item.get_by_role("button", name=re.compile("^Læg sammen")).click()
    await expect(staff.locator(".flash.ok")).to_be_visible()

    await page.goto(duplicate_url)
    await shown_after_reload(page, page.locator("#status"), "Lagt sammen")
    await expect(page.locator("#status-reason")).to_have_text("Same proposal as the published one")


async def test_a_vote_over_the_budget_is_shown_refused_with_its_reason(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(
        moderation="post", vote_rules={"mode": "support", "max_votes_per_participant": 1})
    author = ideas.participant("ann")
    titles = [f"Queue tickets by text message {uid}", f"More staff at noon {uid}"]
    ids = []
    for title in titles:
        ids.append(await ideas.submit(campaign_id, author, title))
        await votable(http, campaign_id, title)

    page = await contexts()
    await sign_in(page, "participant", f"voter-{uid}")
    await page.goto(f"/c/{campaign_id}")
    await page.locator("li.idea", has_text=titles[0]).get_by_role(
        "button", name=re.compile("^Stem på idéen")).click()
    await expect(page.locator(".flash.ok")).to_contain_text("Din stemme er talt med")
    await expect(page.locator("#budget")).to_contain_text("0 af 1")
    # with no votes left, a vote cannot succeed: its button is off and the page says why
    other = page.locator("li.idea", has_text=titles[1])
    await expect(other.get_by_role("button", name=re.compile("^Stem på idéen"))).to_be_disabled()
    await expect(page.locator("#no-votes-left")).to_contain_text("ikke flere stemmer tilbage")
    await look(page, "campaign-no-votes-left")
    # a vote sent anyway (an old page, another tab) is said to be refused, never "done"
    r = await page.request.post(f"/i/{ids[1]}/vote", form={
        "csrf": await page.locator("input[name=csrf]").first.get_attribute("value") or "",
        "value": "1"}, max_redirects=0)
    assert r.status == 303
    await page.goto(f"/c/{campaign_id}")
    await expect(page.locator(".flash")).to_contain_text("ikke talt med")
    await expect(page.locator(".flash.ok")).to_have_count(0)
    refused = page.locator(".budget li", has_text=titles[1])
    await shown_after_reload(page, refused, "Afvist")
    await expect(refused).to_contain_text("Du har ikke flere stemmer tilbage")
    # most support first; newest first; search
    await expect(page.locator("li.idea h3")).to_have_text(titles)
    await page.get_by_label("Sortér efter").select_option("newest")
    await page.get_by_role("button", name="Vis").click()
    await expect(page.locator("li.idea h3")).to_have_text(titles[::-1])
    await page.get_by_label("Søg i idéer").fill("TEXT message")
    await page.get_by_role("button", name="Vis").click()
    await expect(page.locator("li.idea h3")).to_have_text(titles[:1])


async def test_a_long_campaign_is_listed_a_page_at_a_time_newest_or_most_supported_first(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str],
        producer: EventProducer, uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(moderation="post")
    author = ideas.participant("ann")
    titles = [f"Idea {n:02} {uid}" for n in range(PAGE_SIZE + 1)]
    ids = [await ideas.submit(campaign_id, author, title) for title in titles]
    # two votes for the oldest idea, straight onto the votes topic
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=v, campaign_id=uuid.UUID(campaign_id),
                               idea_id=uuid.UUID(ids[0])), actor=v)
        for v in (f"v1-{uid}", f"v2-{uid}")])

    page = await contexts()
    await page.goto(f"/c/{campaign_id}")
    first = page.locator("li.idea h3").first
    await shown_after_reload(page, first, titles[0])  # most support first, by default
    await expect(page.locator("li.idea").first.locator("[data-tally]")).to_have_text("2")
    await expect(page.locator("li.idea")).to_have_count(PAGE_SIZE)
    await look(page, "campaign-page")
    await page.get_by_label("Sortér efter").select_option("newest")
    await page.get_by_role("button", name="Vis").click()
    await expect(page.locator("li.idea h3")).to_have_text(titles[:0:-1])
    await page.get_by_role("link", name="Flere idéer").click()
    await expect(page.locator("li.idea h3")).to_have_text(titles[:1])
    await expect(page.get_by_role("link", name="Flere idéer")).to_have_count(0)
    await page.get_by_role("link", name="Til de første idéer").click()
    await expect(page.locator("li.idea h3").first).to_have_text(titles[-1])
    await page.goto(f"/c/{campaign_id}?sort=newest&after=changed-by-hand")
    await expect(page.get_by_role("alert")).to_contain_text("Linket til næste side er ændret")


async def test_the_plan_now_and_as_of_an_earlier_date_with_its_changes(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    planner = token("planner", sub=f"planner-{uid}")
    year, iid = await new_plan(http, planner)  # a year no other test drafts a plan for
    r = await http.post(f"/plans/{year}/initiatives/{iid}/progress", headers=auth(planner), json={
        "as_of": TODAY.isoformat(), "percent": 35, "rag": "amber", "narrative": "Forsinket data."})
    assert r.status_code == 202, r.text
    await http.get(f"/plans/{year}", params={"wait_for": r.json()["event_id"]},
                   headers=auth(planner))

    page = await contexts()
    await sign_in(page, "planner", f"planner-{uid}")
    await page.goto(f"/staff/plan?year={year}")
    row = page.locator("table").first.locator("tr", has_text="Kortlægning af innovationslandskabet")
    await expect(row).to_contain_text("35 %")
    await expect(page.locator("section", has_text="Ændringer")).to_contain_text(f"planner-{uid}")
    await look(page, "plan")
    await page.get_by_label("Status pr. dato").fill((TODAY - timedelta(days=1)).isoformat())
    await page.get_by_role("button", name="Vis").first.click()
    await expect(page.locator("main")).to_contain_text("Ingen handlingsplan for året på datoen")
