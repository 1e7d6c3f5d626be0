"""Following and the inbox on the web pages, in Danish, in a real Chromium against the real stack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from playwright.async_api import Page, expect

from services.identity.domain import unsubscribe_token
from services.identity.notifications.sender import unsubscribe_secret
from services.infra.settings import Settings
from tests.browser.conftest import look, shown_after_reload, sign_in
from tests.e2e.ideas_client import IdeasClient
from tests.e2e.test_reporting_api import auth, new_plan, reporting_knows
from tests.helpers import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]


async def test_follow_an_idea_and_hear_of_it_in_the_inbox(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(moderation="post")
    title = f"Shade trees on the square {uid}"
    r = await http.post(f"/campaigns/{campaign_id}/ideas", headers=ideas.participant("author"),
                        json={"title": title, "body": "Plant lime trees along the south side."})
    assert r.status_code == 202, r.text
    idea_id, submitted = r.json()["idea_id"], r.json()["event_id"]

    # the follower has an address and wants e-mail at once (chosen through the API)
    fan = {"Authorization": f"Bearer {token('participant', sub=f'fan-{uid}')}"}
    r = await http.put("/me/profile", headers=fan,
                       json={"display_name": "Fan", "email": f"fan.{uid}@example.org"})
    assert r.status_code == 200, r.text
    r = await http.put("/me/notification-preferences", headers=fan,
                       json={"email": "immediately", "language": "da"})
    assert r.status_code == 202, r.text

    page = await contexts()
    await sign_in(page, "participant", f"fan-{uid}")
    header = page.locator("#unread-count")
    await expect(header).to_have_text("0 ulæste")
    await page.goto(f"/i/{idea_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)
    await page.get_by_role("button", name="Følg").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Du følger den nu.")
    await expect(page.locator("#follow-state")).to_have_text("Du følger denne.")
    await expect(page.get_by_role("button", name="Stop med at følge")).to_be_visible()
    await look(page, "idea-followed")

    # a planner takes the idea into an initiative of the action plan
    planner = token("planner", sub=f"planner-{uid}")
    year, initiative = await new_plan(http, planner)
    await reporting_knows(http, planner, submitted)
    r = await http.post(f"/plans/{year}/initiatives/{initiative}/ideas",
                        json={"idea_id": idea_id}, headers=auth(planner))
    assert r.status_code == 202, r.text

    # the header shows the number; the word is there for those who hear the page
    inbox_link = page.get_by_role("link", name="Notifikationer 1 ulæste")
    await shown_after_reload(page, inbox_link, "1")
    await expect(header).to_have_text("1 ulæste")
    await inbox_link.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Notifikationer")
    item = page.locator("#notifications li").first
    await expect(item).to_contain_text(
        f"En idé, du følger, er taget med i handlingsplanen: {title}")
    await expect(item.locator(".badge")).to_have_text("Ny")
    await look(page, "notifications-inbox")
    await item.get_by_role("link").click()  # to the idea it is about
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)

    await page.goto("/my/notifications")
    await page.get_by_role("button", name="Markér alle som læst").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Markeret som læst.")
    await expect(page.locator("#unread-count")).to_have_text("0 ulæste")
    await expect(page.locator("#notifications li.read")).to_have_count(1)

    # staff see the e-mail the embedded SMTP sink received
    staff = await contexts()
    await sign_in(staff, "moderator", f"mod-{uid}")
    await staff.goto("/staff/mail")
    subject = f"En idé, du følger, er taget med i handlingsplanen: {title}"
    await shown_after_reload(staff, staff.locator("main table"), subject)
    await look(staff, "staff-mail")
    await staff.get_by_role("link", name=subject).click()
    await expect(staff.locator("main dl")).to_contain_text("List-Unsubscribe=One-Click")
    await expect(staff.locator("pre.mail-text")).to_contain_text(f"/i/{idea_id}")

    # the author (following their own idea) hears of it as theirs, in the same inbox row batch
    own = await contexts()
    await sign_in(own, "participant", f"author-{uid}")
    await own.goto("/my/notifications")
    await expect(own.locator("#notifications li").first).to_contain_text(
        f"Din idé er taget med i handlingsplanen: {title}")

    # how e-mail comes, on the profile page
    await page.goto("/my/profile")
    await expect(page.get_by_label("Med det samme")).to_be_checked()
    await page.get_by_label("En samlet e-mail om ugen").check()
    await page.get_by_role("button", name="Gem e-mail-valget").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Dit valg er gemt.")
    await expect(page.get_by_label("En samlet e-mail om ugen")).to_be_checked()
    await look(page, "profile-notifications")

    # and stop following
    await page.goto(f"/i/{idea_id}")
    await page.get_by_role("button", name="Stop med at følge").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Du følger den ikke længere.")
    await expect(page.get_by_role("button", name="Følg")).to_be_visible()


async def test_an_emails_unsubscribe_link_asks_before_it_stops_email(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], infra: Settings,
        uid: str) -> None:
    sub = f"reader-{uid}"
    bearer = {"Authorization": f"Bearer {token('participant', sub=sub)}"}
    r = await http.get("/me/notification-preferences", headers=bearer)
    assert r.json()["email"] == "daily"
    link = f"/unsubscribe?token={unsubscribe_token(unsubscribe_secret(infra), sub)}"

    page = await contexts()  # not signed in: the link is all it takes
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Stop e-mails")
    await look(page, "unsubscribe")
    # opening the link changed nothing
    r = await http.get("/me/notification-preferences", headers=bearer)
    assert r.json()["email"] == "daily"
    await page.get_by_role("button", name="Ja, stop e-mails").click()
    await expect(page.locator("#unsubscribed")).to_contain_text("Du får ikke flere e-mails.")
    await look(page, "unsubscribed")

    async def choice() -> str:
        got = await http.get("/me/notification-preferences", headers=bearer)
        return str(got.json()["email"])

    await eventually(choice, lambda c: c == "never", what="e-mail stopped")
