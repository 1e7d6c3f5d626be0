"""A voter keeps and checks the receipt of a vote through the pages alone, in a real Chromium
against the real stack: the receipt shown after voting and after withdrawing, its file, "Tjek min
stemme" for its owner and for anyone who pastes or uploads it, an altered receipt refused in
words, the proof file the command line checks, and every receipt kept on "Mit overblik". Each new
page state is checked by axe-core at 1280 and at 320 CSS pixels."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from services.infra.receipt_commands import check
from tests.browser.conftest import look, look_narrow, shown_after_reload, sign_in
from tests.browser.test_pages import votable
from tests.e2e.ideas_client import IdeasClient

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]
COUNTED = "Talt med: stemmen tæller med i optællingen."
IN_HEAD = "Med i stemmeloggens signerede status"


async def focused_id(page: Page) -> str:
    return str(await page.evaluate("() => document.activeElement && document.activeElement.id"))


async def downloaded(page: Page, name: str, where: Path, *, button: bool = False) -> Path:
    async with page.expect_download() as info:
        await page.get_by_role("button" if button else "link", name=name).click()
    d = await info.value
    saved = where / d.suggested_filename
    await d.save_as(saved)
    return saved


async def test_a_voter_keeps_the_receipt_checks_it_and_an_altered_one_is_refused(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str,
        tmp_path: Path) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(
        title=f"Mindre papir i forvaltningen {uid}", moderation="post",
        vote_rules={"mode": "support", "max_votes_per_participant": 2})
    title = f"Digital post til alle bilag {uid}"
    await ideas.submit(campaign_id, ideas.participant("ann"), title, "Slut med papirbilag.")
    await votable(http, campaign_id, title)

    page = await contexts()
    await sign_in(page, "participant", f"kim-{uid}", sector="citizen")
    await page.goto(f"/c/{campaign_id}")
    await page.locator("li.idea", has_text=title).get_by_role(
        "button", name=re.compile("^Stem på idéen")).click()
    # the outcome as it is, and below it the receipt: what it proves, its id, place and time
    await expect(page.locator(".flash.ok")).to_contain_text("Din stemme er talt med")
    box = page.locator("#receipt")
    await expect(box.get_by_role("heading", name="Din kvittering")).to_be_visible()
    await expect(box).to_contain_text(f"Kvittering for din stemme på “{title}”")
    await expect(box).to_contain_text("Den siger ikke i sig selv, om stemmen er talt med")
    await expect(box).to_contain_text("ideastorm verify-receipt kan ikke nøjes med kvitteringen")
    event_id = (await box.locator("#receipt-event").inner_text()).strip()
    await expect(box.locator("#receipt-place")).to_have_text(re.compile(
        r"^Position [\d.]+ i del \d+ af loggen “votes”$"))
    await expect(box.locator("#receipt-time")).to_have_text(re.compile(
        r"^\d{1,2}\. [a-zæø]+\.? \d{4} kl\. \d\d\.\d\d$"))
    await look(page, "receipt-after-vote")
    await look_narrow(page, "receipt-after-vote")

    # the file: what POST /receipts/verify reads, and genuine there
    saved = await downloaded(page, "Hent kvitteringen (JSON)", tmp_path)
    kept = json.loads(saved.read_text(encoding="utf-8"))
    assert kept["receipt"]["event_id"] == event_id
    verified = await http.post("/receipts/verify", json=kept)
    assert verified.status_code == 200 and verified.json()["genuine"], verified.text

    # "Tjek min stemme" for its owner, by the vote's id
    await box.get_by_role("link", name="Tjek min stemme").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tjek min stemme")
    assert event_id in page.url
    await expect(page.locator("#genuine")).to_contain_text("Kvitteringen er ægte")
    await expect(page.locator("#recorded")).to_contain_text("netop den registrering")
    await expect(page.locator("#vote-state")).to_have_text(COUNTED)
    await shown_after_reload(page, page.locator("#included"), IN_HEAD, timeout=90)
    await expect(page.locator("#included")).to_contain_text(re.compile(
        r"signeret \d{1,2}\. .+ kl\. \d\d\.\d\d\. Beviset består af \d+ hashværdier"))
    await expect(page.get_by_role("link", name=title)).to_be_visible()
    await look(page, "receipt-check")
    await look_narrow(page, "receipt-check")
    # the proof file: what `ideastorm verify-receipt` checks with the public key alone
    proof = await downloaded(page, "Hent beviset (JSON)", tmp_path, button=True)
    key = (await page.locator(".answer .meta code").inner_text()).strip()
    status, said = check(proof.read_text(encoding="utf-8"), key)
    assert status == 0, said

    # the receipt was shown once: the campaign page again is without it
    await page.goto(f"/c/{campaign_id}")
    await expect(page.locator(".idea", has_text=title)).to_contain_text("Du har stemt for")
    await expect(page.locator("#receipt")).to_have_count(0)

    # anyone, signed in or not, pastes or uploads the receipt; by id only its owner
    visitor = await contexts()
    await visitor.goto(f"/tjek?stemme={event_id}")
    await expect(visitor.locator("#check-signin")).to_contain_text("Log ind for at tjekke")
    await expect(visitor.locator("#genuine")).to_have_count(0)
    await visitor.goto("/tjek")
    await look(visitor, "receipt-check-form")
    await look_narrow(visitor, "receipt-check-form")
    await visitor.get_by_role("button", name="Tjek kvitteringen").click()
    summary = visitor.locator("#error-summary")
    await expect(summary).to_contain_text("Indsæt en kvittering, eller vælg kvitteringsfilen.")
    await visitor.get_by_label("Indsæt kvitteringen (JSON)").fill("min stemme på papir")
    await visitor.get_by_role("button", name="Tjek kvitteringen").click()
    await expect(summary.get_by_role("link")).to_have_text(re.compile("teksten er ikke gyldig JSON"))
    altered = {"receipt": {**kept["receipt"], "position": kept["receipt"]["position"] + 1}}
    await visitor.get_by_label("Indsæt kvitteringen (JSON)").fill(json.dumps(altered))
    await visitor.get_by_role("button", name="Tjek kvitteringen").click()
    await expect(summary).to_contain_text("Der er et problem")
    refused = summary.get_by_role("link", name=re.compile("^Kvitteringen er ikke ægte"))
    await expect(refused).to_have_attribute("href", "#receipt")
    assert await focused_id(visitor) == "error-summary"
    await expect(visitor.locator("#receipt-error")).to_contain_text("Den er blevet ændret")
    await expect(visitor.get_by_label("Indsæt kvitteringen (JSON)")).to_have_value(
        json.dumps(altered))
    await expect(visitor.locator("#genuine")).to_have_count(0)
    await look(visitor, "receipt-check-altered")
    await look_narrow(visitor, "receipt-check-altered")
    # a receipt with a field that is not a receipt's
    broken = {"receipt": {**kept["receipt"], "position": "syv"}}
    await visitor.get_by_label("Indsæt kvitteringen (JSON)").fill(json.dumps(broken))
    await visitor.get_by_role("button", name="Tjek kvitteringen").click()
    await expect(summary).to_contain_text("ligner ikke en kvittering fra Idéstorm")
    await expect(summary).to_contain_text("position")
    # the genuine file, uploaded
    await visitor.get_by_label("Indsæt kvitteringen (JSON)").fill("")
    await visitor.get_by_label("Eller vælg kvitteringsfilen").set_input_files(saved)
    await visitor.get_by_role("button", name="Tjek kvitteringen").click()
    await expect(visitor.locator("#genuine")).to_contain_text("Kvitteringen er ægte")
    await expect(visitor.locator("#vote-state")).to_have_text(COUNTED)
    await expect(visitor.locator("#error-summary")).to_have_count(0)
    # in English by choice
    await visitor.get_by_role("link", name="English").click()
    await visitor.get_by_label("Or choose the receipt file").set_input_files(saved)
    await visitor.get_by_role("button", name="Check the receipt").click()
    await expect(visitor.locator("#genuine")).to_contain_text("The receipt is genuine")
    await expect(visitor.locator("#vote-state")).to_have_text(
        "Counted: the vote counts in the tally.")

    # a withdrawal has its receipt too
    await page.goto(f"/c/{campaign_id}")
    await page.locator("li.idea", has_text=title).get_by_role(
        "button", name=re.compile("^Træk stemmen tilbage")).click()
    await expect(page.locator(".flash")).to_contain_text(re.compile("trukket|trækkes"))
    await expect(page.locator("#receipt")).to_contain_text(
        f"Kvittering for din tilbagetrækning af stemmen på “{title}”")
    withdrawal_id = (await page.locator("#receipt-event").inner_text()).strip()
    await look(page, "receipt-after-withdrawal")

    # "Mit overblik" keeps every receipt, with its state now
    await page.get_by_role("link", name="Mit overblik").click()
    section = page.locator("#receipts")
    await expect(section.get_by_role("heading", name="Mine kvitteringer")).to_be_visible()
    cast_row = section.locator(f"#receipt-{event_id}")
    await expect(cast_row).to_contain_text("Stemme")
    await expect(cast_row).to_contain_text(title)
    await shown_after_reload(page, page.locator(f"#receipt-{withdrawal_id}"),
                             "Tilbagetrækning gennemført")
    await expect(cast_row).to_contain_text("Trukket tilbage")
    await look(page, "receipt-my")
    await look_narrow(page, "receipt-my")
    async with page.expect_download() as info:
        await cast_row.get_by_role("link", name=re.compile("^Hent")).click()
    again = tmp_path / "again.json"
    await (await info.value).save_as(again)
    assert json.loads(again.read_text(encoding="utf-8")) == kept  # the same receipt, kept
    await cast_row.get_by_role("link", name=re.compile("^Tjek")).click()
    await expect(page.locator("#genuine")).to_contain_text("Kvitteringen er ægte")
    await expect(page.locator("#vote-state")).to_have_text(
        "Trukket tilbage: du har trukket stemmen tilbage, så den tæller ikke med.")
