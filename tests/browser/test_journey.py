""""Hvor er min idé nu?" in a real Chromium, in Danish: the author finds the journey from "Mit
overblik", anyone from the idea page, and a rejected idea's journey is not shown to others."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
from playwright.async_api import Page, expect

from services.infra.kafka import EventProducer
from tests.browser.conftest import look, look_narrow, sign_in
from tests.e2e.test_journey import travelled
from tests.e2e.test_reporting_api import TODAY, auth, post
from tests.helpers import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]


async def test_the_journey_page_in_danish_from_my_overview_and_the_idea_page(
        contexts: NewPage, http: httpx.AsyncClient, producer: EventProducer,
        token: Callable[..., str], uid: str) -> None:
    t = await travelled(http, producer, token, uid)
    approved = await post(http, f"/plans/{t.year}/approval",
                          {"meeting_id": str(uuid.uuid4()), "approved_on": TODAY.isoformat()},
                          t.planner)
    await eventually(
        lambda: http.get(f"/ideas/{t.a}/journey", params={"wait_for": approved["event_id"]},
                         headers=auth(t.planner)),
        lambda r: r.status_code == 200 and r.json()["selection"] is not None
        and "progress_reported" in [s["kind"] for s in r.json()["steps"]],
        timeout=60, what="the journey with the selection and the progress")

    # the author, from her overview
    page = await contexts()
    await sign_in(page, "participant", f"ann-{uid}")
    await page.goto("/my")
    await page.get_by_role("link", name=re.compile(r"^Hvor er min idé nu\?.*Trees on Main Street")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hvor er min idé nu?")
    steps = page.locator("#journey-steps > li")
    await expect(steps.locator("h3")).to_have_text([
        "Idéen blev sendt ind", "Modereret: godkendt", "Version 2 af idéen blev offentliggjort",
        "Afstemningen lukkede", "Valgt efter kampagnens egen regel",
        "Officielt svar: taget med i en indsats i handlingsplanen",
        "Taget med i indsatsen Kortlægning af innovationslandskabet", "Milepæl nået: Model",
        "35 % gennemført"])
    await expect(steps.nth(1)).to_contain_text("Clear and within the campaign's question")
    await expect(steps.nth(3)).to_contain_text("2 stemmer ved afstemningens afslutning. "
                                               "Nr. 2 af 3 idéer.")
    await expect(steps.nth(4)).to_contain_text("Flest stemmer først, kampagnens regler "
                                               "(kampagnens egen optælling)")
    await expect(page.locator("#journey-author")).to_have_text(f"ann-{uid} Andersen")
    await expect(page.locator("#journey-votes tbody tr")).to_have_count(2)
    await expect(page.get_by_role("heading", name="Indsatsen: Kortlægning af "
                                  "innovationslandskabet")).to_be_visible()
    # the owner's own words are for the plan's readers, not on the public page
    await expect(page.locator("main")).not_to_contain_text("Data is late.")
    await look(page, "journey")
    await look_narrow(page, "journey")

    # anyone, from the idea page, without signing in and without JavaScript
    anonymous = await contexts()
    await anonymous.context.route("**/*.js", lambda route: route.abort())
    await anonymous.goto(f"/i/{t.a}")
    await anonymous.get_by_role("link", name="Hvor er idéen nu? Se hele dens vej").click()
    await expect(anonymous.locator("#journey-steps > li")).to_have_count(9)
    # a rejected idea's journey is not public: said in Danish
    await anonymous.goto(f"/i/{t.d}/rejse")
    await expect(anonymous.get_by_role("alert")).to_contain_text(
        "Det, du leder efter, findes ikke")
    await look(anonymous, "journey-not-found")
