"""Official answers from the console, in Danish, in a real Chromium against the real stack: an
idea that reached its campaign's support threshold waits under "Svar, der skal gives"; an answer
without a reason comes back with the error beside the field; a moderator, who does not read the
action plan, is asked for the initiative's id, while a planner picks the initiative from the
plan; the answer given, everyone sees it on the idea's page, the initiative named by its code and
title once its plan year is approved (and not even its id before), and the campaign page states
the promise. Every page state is checked by axe-core, at 1280 and at 320 CSS pixels."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import look, look_narrow, sign_in
from tests.e2e.ideas_client import IdeasClient
from tests.e2e.test_reporting_api import TODAY, auth, new_plan, post
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
    # a draft plan with initiative F1, the idea adopted into it
    planner = token("planner", sub=f"planner-{uid}")
    year, initiative = await new_plan(http, planner)
    ini_title = "Kortlægning af innovationslandskabet"  # tests.e2e.test_reporting_api
    await eventually(lambda: http.get(f"/ideas/{idea_id}/journey", headers=auth(planner)),
                     lambda r: r.status_code == 200, timeout=60,
                     what="the published idea in the reporting service")
    adopted = await post(http, f"/plans/{year}/initiatives/{initiative}/ideas",
                         {"idea_id": idea_id, "note": "Fra idéstormen"}, planner)
    r = await http.get(f"/ideas/{idea_id}/journey", headers=auth(planner),
                       params={"wait_for": adopted["event_id"]})
    assert [i["initiative_id"] for i in r.json()["initiatives"]] == [initiative], r.text

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

    # the moderator does not read the action plan: the initiative's id is typed, with a hint
    await expect(item.get_by_label("Initiativets id")).to_have_attribute("type", "text")
    await expect(item.locator(".hint-text")).to_contain_text(
        "Handlingsplanen kan ikke vises for dig")

    # a planner picks the initiative from the plan, grouped by plan year
    plan_reader = await contexts()
    await sign_in(plan_reader, "planner", f"planner-{uid}")
    await plan_reader.goto("/staff/answers")
    item = plan_reader.locator(f"#answer-{idea_id}")
    pick = item.get_by_label("Initiativ (kun ved »Taget videre i et initiativ«)")
    label = f"F1 – {ini_title}"
    await expect(pick.locator(f"optgroup[label='Handlingsplan {year}'] option")).to_have_text(
        [label])
    await look(plan_reader, "staff-answers-initiatives")
    await look_narrow(plan_reader, "staff-answers-initiatives")
    # "taken forward into an initiative" without one: refused, said in Danish, the form kept
    await item.get_by_label("Svar", exact=True).select_option("taken_forward_into_initiative")
    await item.get_by_label("Begrundelse").fill("Natbussen indgår i trafikplanen for 2027.")
    await item.get_by_role("button", name="Giv svaret").click()
    await expect(plan_reader.locator("#error-summary")).to_contain_text(
        "Angiv det initiativ, idéen er taget videre i.")
    item = plan_reader.locator(f"#answer-{idea_id}")
    pick = item.get_by_label("Initiativ (kun ved »Taget videre i et initiativ«)")
    await expect(pick).to_have_attribute("aria-invalid", "true")
    await expect(item.locator(".field-error")).to_have_text(
        "Fejl: Angiv det initiativ, idéen er taget videre i.")
    await look(plan_reader, "staff-answers-initiative-missing")
    await expect(item.get_by_label("Begrundelse")).to_have_value(
        "Natbussen indgår i trafikplanen for 2027.")
    await pick.select_option(label=label)
    await item.get_by_role("button", name="Giv svaret").click()
    await expect(plan_reader.locator(".flash.ok")).to_contain_text("Svaret er givet")
    await expect(plan_reader.locator(f"#answer-{idea_id}")).to_have_count(0)
    await expect(plan_reader.locator("#answers_due")).to_contain_text("Ingen idé venter")

    # while the plan is a draft, anyone else is told only that it went into the plan
    anyone = await contexts()
    await anyone.goto(f"/i/{idea_id}")
    answer = anyone.locator("#official-answer")
    await expect(answer.get_by_role("heading", level=2)).to_have_text(
        "Officielt svar: Taget videre i et initiativ i handlingsplanen")
    await expect(answer).not_to_contain_text(initiative)
    await expect(answer).not_to_contain_text(ini_title)
    await expect(answer).to_contain_text("Natbussen indgår i trafikplanen for 2027.")
    await expect(answer).to_contain_text("Besvaret")
    await look(anyone, "idea-official-answer-draft-plan")

    # the plan's reader sees it named, linked to the initiative's page
    await plan_reader.goto(f"/i/{idea_id}")
    named = plan_reader.locator("#official-answer h2").get_by_role("link", name=label)
    await expect(named).to_have_attribute("href",
                                          f"/staff/plan/{year}/initiatives/{initiative}")

    # the steering group approves the plan year: everyone sees the initiative named
    approved = await post(http, f"/plans/{year}/approval",
                          {"meeting_id": str(uuid.uuid4()), "approved_on": TODAY.isoformat()},
                          planner)
    r = await http.get("/plans", params={"wait_for": approved["event_id"]},
                       headers=auth(planner))
    assert r.status_code == 200, r.text
    r = await http.get(f"/ideas/{idea_id}/journey")  # as anyone sees it
    assert r.status_code == 200 and r.json()["initiatives"][0]["shown"] is True, r.text
    await anyone.goto(f"/i/{idea_id}")
    answer = anyone.locator("#official-answer")
    await expect(answer.get_by_role("heading", level=2)).to_have_text(
        f"Officielt svar: Taget videre i initiativet {label}")
    await answer.get_by_role("link", name=label).click()
    await expect(anyone.get_by_role("heading", level=1)).to_have_text("Hvor er min idé nu?")
    await expect(anyone.locator(f"#initiative-{initiative}")).to_contain_text(ini_title)
    await anyone.goto(f"/i/{idea_id}")
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
    await expect(chosen).to_contain_text(f"Officielt svar: Taget videre i initiativet {label}")
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
