"""A moderator gives an idea its official answer from the console, in Danish, in a real
Chromium against the real stack: an idea that reached its campaign's support threshold waits
under "Svar, der skal gives"; an answer without a reason comes back with the error beside the
field; the answer given, everyone sees it on the idea's page, and the campaign page states the
promise. Every page state is checked by axe-core, at 1280 and at 320 CSS pixels."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import look, look_narrow, sign_in
from tests.e2e.ideas_client import IdeasClient
from tests.helpers import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]


async def an_idea_owed_an_answer(http: httpx.AsyncClient, ideas: IdeasClient, uid: str
                                 ) -> tuple[str, str, str]:
    """A campaign promising answers at 2 supports within 14 days, and an idea with 2 supports:
    (campaign id, idea id, idea title)."""
    campaign_id = await ideas.campaign(moderation="post",
                                       answer_threshold={"supports": 2, "days": 14})
    title = f"Natbus til Nordhavn {uid}"
    idea_id = await ideas.submit(campaign_id, ideas.participant("ann"), title)
    for voter in ("bo", "cy"):
        r = await http.post(f"/ideas/{idea_id}/votes", headers=ideas.participant(voter))
        assert r.status_code == 202, r.text

    async def owed() -> list[dict[str, Any]]:
        r = await http.get("/moderation/answers", headers=ideas.moderator,
                           params={"campaign_id": campaign_id})
        found: list[dict[str, Any]] = r.json()
        return found

    await eventually(owed, lambda r: [i["idea_id"] for i in r] == [idea_id],
                     what="the answer due")
    return campaign_id, idea_id, title


async def test_a_moderator_answers_from_the_console_and_everyone_sees_the_answer(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id, idea_id, title = await an_idea_owed_an_answer(http, ideas, uid)

    mod = await contexts()
    await sign_in(mod, "moderator", f"mod-{uid}")
    await mod.get_by_role("link", name="Officielle svar").click()
    await expect(mod.get_by_role("heading", level=1)).to_have_text("Officielle svar")
    item = mod.locator(f"#answer-{idea_id}")
    await expect(mod.locator("#answers_due").get_by_role("link", name=title)).to_be_visible()
    await expect(item).to_contain_text("Nåede 2 støtter (tærsklen er 2)")
    await expect(item).to_contain_text("Skal besvares senest")
    await look(mod, "staff-answers-due")
    await look_narrow(mod, "staff-answers-due")

    # no reason: refused, said beside the field, what was chosen kept
    await item.get_by_label("Svar", exact=True).select_option("taken_forward_into_initiative")
    await item.get_by_role("button", name="Giv svaret").click()
    await expect(mod.locator("#error-summary")).to_be_visible()
    item = mod.locator(f"#answer-{idea_id}")
    await expect(item.locator(".field-error")).to_contain_text("Begrundelse")
    await expect(item.get_by_label("Svar", exact=True)).to_have_value(
        "taken_forward_into_initiative")
    await look(mod, "staff-answers-refused")

    initiative = str(uuid.uuid4())
    await item.get_by_label("Begrundelse").fill("Natbussen indgår i trafikplanen for 2027.")
    await item.get_by_label("Initiativets id").fill(initiative)
    await item.get_by_role("button", name="Giv svaret").click()
    await expect(mod.locator(".flash.ok")).to_contain_text("Svaret er givet")
    await expect(mod.locator(f"#answer-{idea_id}")).to_have_count(0)
    await expect(mod.locator("#answers_due")).to_contain_text("Ingen idé venter")

    # everyone, signed in or not, sees the answer on the idea's page
    anyone = await contexts()
    await anyone.goto(f"/i/{idea_id}")
    answer = anyone.locator("#official-answer")
    await expect(answer.get_by_role("heading", level=2)).to_have_text(
        f"Officielt svar: Taget videre i initiativ {initiative}")
    await expect(answer).to_contain_text("Natbussen indgår i trafikplanen for 2027.")
    await expect(answer).to_contain_text("Besvaret")
    await look(anyone, "idea-official-answer")
    await look_narrow(anyone, "idea-official-answer")

    await anyone.goto(f"/c/{campaign_id}")
    await expect(anyone.locator("#rule-answer")).to_have_text(
        "Idéer med 2 støtter besvares inden for 14 dage.")
    await look(anyone, "campaign-answer-promise")

    # an administrator changes the promise on the open campaign; a year and more is refused
    admin = await contexts()
    await sign_in(admin, "admin", f"admin-{uid}")
    await admin.goto(f"/staff/campaigns/{campaign_id}/edit")
    days = admin.get_by_label("Antal dage (1–365)")
    await expect(days).to_have_value("14")
    await days.fill("400")
    await admin.get_by_role("button", name="Gem ændringerne").click()
    await expect(admin.locator("#error-summary")).to_contain_text("Antal dage")
    await expect(admin.get_by_label("Antal dage (1–365)")).to_have_value("400")
    await look(admin, "admin-campaign-answer-promise-refused")
    await admin.get_by_label("Antal dage (1–365)").fill("21")
    await admin.get_by_role("button", name="Gem ændringerne").click()
    await expect(admin.locator(".flash.ok")).to_contain_text("Kampagnen er ændret")
    await expect(admin.locator("#rule-answer")).to_have_text(
        "Idéer med 2 støtter besvares inden for 21 dage.")

    # any published idea may be answered, from its own page too: a later answer replaces it
    await mod.goto(f"/i/{idea_id}")
    await mod.get_by_role("link", name="Giv idéen et officielt svar").click()
    chosen = mod.locator("#answer-chosen")
    await expect(chosen).to_contain_text("Officielt svar: Taget videre i initiativ")
    await look(mod, "staff-answer-chosen")
    await chosen.get_by_label("Svar", exact=True).select_option("not_taken_forward")
    await chosen.get_by_label("Begrundelse").fill("Trafikplanen blev ikke vedtaget.")
    await chosen.get_by_role("button", name="Giv svaret").click()
    await expect(mod.locator(".flash.ok")).to_contain_text("Svaret er givet")
    await expect(mod.locator("#official-answer h2")).to_have_text(
        "Officielt svar: Ikke taget videre")

    # the moderation log has the answers
    await mod.goto("/staff/log")
    rows = mod.locator("tbody tr").filter(has_text=title)
    await expect(rows.nth(0)).to_contain_text("Svar: ikke taget videre")
    await expect(rows.nth(1)).to_contain_text("Svar: taget videre i et initiativ")
    await look(mod, "staff-log-answer")
