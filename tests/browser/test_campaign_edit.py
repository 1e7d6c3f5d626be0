"""An administrator changes campaigns through the pages alone, in Danish, in a real Chromium
against the real stack: a campaign not yet open changes in every setting, an open one only in
its text and close (the rest shown read-only with the reason), a refusal comes back in the error
summary with what was typed kept, and everyone sees the change on the public campaign page.
Every page state is checked by axe-core, at 1280 and at 320 CSS pixels."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from services.web.i18n import when
from tests.browser.conftest import look, look_narrow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]
LOCAL = ZoneInfo("Europe/Copenhagen")


def field_time(at: datetime) -> str:
    """How a person types a time into a `datetime-local` field (Danish time, to the minute)."""
    return at.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


async def create(admin: Page, title: str, opens: datetime | None = None) -> None:
    await admin.goto("/staff/campaigns/new")
    await admin.get_by_label("Titel").fill(title)
    await admin.get_by_label("Spørgsmål").fill("Hvad skal biblioteket kunne om fem år?")
    if opens is not None:
        await admin.get_by_label("Åbner (dato og tid)").fill(field_time(opens))
        await admin.get_by_label("Lukker (dato og tid)").fill(field_time(opens + timedelta(days=14)))
    await admin.get_by_role("button", name="Opret").click()
    await expect(admin.locator(".flash.ok")).to_contain_text("Kampagnen er oprettet")
    await expect(admin.get_by_role("heading", level=1)).to_have_text(title)


async def test_an_administrator_changes_campaigns_and_everyone_sees_the_change(
        contexts: NewPage, uid: str) -> None:
    admin = await contexts()
    await sign_in(admin, "admin", f"admin-{uid}")

    # not open yet: everything may change, the audience and the budget too
    now = datetime.now(LOCAL).replace(second=0, microsecond=0)
    await create(admin, f"Biblioteket {uid}", opens=now + timedelta(days=2))
    await admin.get_by_role("link", name="Ret kampagnen").click()
    await expect(admin.get_by_role("heading", level=1)).to_have_text("Ret kampagnen")
    await expect(admin.locator("#edit-now")).to_contain_text("ikke åbnet endnu")
    await expect(admin.locator("#fixed")).to_have_count(0)
    await expect(admin.get_by_label("Titel")).to_have_value(f"Biblioteket {uid}")
    await expect(admin.get_by_label("Borger")).to_be_checked()
    await admin.get_by_label("Titel").fill(f"Fremtidens bibliotek {uid}")
    await admin.get_by_label("Borger").uncheck()
    await admin.get_by_label("Privat").uncheck()
    await admin.get_by_label("Budget i kr. (valgfrit)").fill("250.000")
    await admin.get_by_label("Begrundelse for ændringen (valgfri)").fill("Kun offentligt ansatte")
    await look(admin, "admin-campaign-edit-scheduled")
    await admin.get_by_role("button", name="Gem ændringerne").click()
    await expect(admin.locator(".flash.ok")).to_contain_text("Kampagnen er ændret")
    await expect(admin.get_by_role("heading", level=1)).to_have_text(f"Fremtidens bibliotek {uid}")
    await expect(admin.locator("#audience")).to_contain_text("Stat, Kommune, Region")
    await admin.get_by_role("link", name="Ret kampagnen").click()
    await expect(admin.get_by_label("Budget i kr. (valgfrit)")).to_have_value("250000")
    await expect(admin.get_by_label("Borger")).not_to_be_checked()

    # saving without changing anything says so, and changes nothing
    await admin.get_by_role("button", name="Gem ændringerne").click()
    await expect(admin.locator("#error-summary")).to_contain_text("Du har ikke ændret noget")
    await expect(admin.get_by_label("Titel")).to_have_value(f"Fremtidens bibliotek {uid}")

    # open: the text and the close may change; who takes part and how votes count may not
    title = f"Idéer til biblioteket {uid}"
    await create(admin, title)
    campaign_url = admin.url.split("?")[0]
    await admin.get_by_role("link", name="Ret kampagnen").click()
    await expect(admin.locator("#edit-now")).to_contain_text("Kampagnen er åben")
    fixed = admin.locator("#fixed")
    await expect(fixed).to_contain_text("kan ikke længere ændres")
    await expect(fixed.locator("#fixed-audience")).to_contain_text("Stat, Kommune, Region, Privat, Borger")
    await expect(fixed.locator("#fixed-vote_rules")).to_contain_text("Kun for")
    await expect(admin.get_by_label("Borger")).to_have_count(0)
    await expect(admin.get_by_label("Budget i kr. (valgfrit)")).to_have_count(0)
    await look(admin, "admin-campaign-edit")
    await look_narrow(admin, "admin-campaign-edit")

    # a close already passed is refused, in words, beside the field; what was typed stays
    corrected = f"Idéer til fremtidens bibliotek {uid}"
    await admin.get_by_label("Titel").fill(corrected)
    closes = admin.get_by_label("Lukker (dato og tid)")
    await closes.fill(field_time(now - timedelta(hours=1)))
    await admin.get_by_role("button", name="Gem ændringerne").click()
    summary = admin.locator("#error-summary")
    await expect(summary).to_contain_text("Det nye lukketidspunkt er passeret")
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#closes_at")
    await expect(admin.get_by_label("Titel")).to_have_value(corrected)
    await expect(admin.locator("#closes_at-error")).to_contain_text("passeret")
    await look(admin, "admin-campaign-edit-error")
    await look_narrow(admin, "admin-campaign-edit-error")

    later = now + timedelta(days=45)
    await closes.fill(field_time(later))
    await admin.get_by_role("button", name="Gem ændringerne").click()
    await expect(admin.locator(".flash.ok")).to_contain_text("Kampagnen er ændret")

    # anyone, signed in or not, sees the campaign as changed
    visitor = await contexts()
    await visitor.goto(campaign_url)
    await expect(visitor.get_by_role("heading", level=1)).to_have_text(corrected)
    await expect(visitor.locator("main")).to_contain_text(when(later, "da"))
    await expect(visitor.get_by_role("link", name="Ret kampagnen")).to_have_count(0)
    await look(visitor, "campaign-changed")
