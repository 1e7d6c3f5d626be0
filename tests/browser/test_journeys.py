"""Each person's whole job in Danish, through the pages alone, from sign-in to result, in a real
Chromium against the real stack: what they see is asserted, every page state is checked by
axe-core at 1280 and at 320 CSS pixels (where nothing may scroll sideways)."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from schemas.campaigns import CampaignCreated, ModerationMode, VoteRules
from schemas.common import Sector
from schemas.envelope import Envelope
from schemas.ideas import IdeaSubmitted
from schemas.votes import VoteCast
from services.infra.kafka import EventProducer
from services.voting.settings import VotingSettings
from services.web.i18n import day
from tests.browser.conftest import look, look_narrow, shown_after_reload, sign_in
from tests.browser.test_pages import votable
from tests.e2e.ideas_client import IdeasClient
from tests.e2e.test_reporting_api import new_plan
from tests.helpers import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]


async def focused_id(page: Page) -> str:
    return str(await page.evaluate("() => document.activeElement && document.activeElement.id"))


async def test_participant_takes_part_from_profile_to_votes_to_their_data(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str,
        tmp_path: Path) -> None:
    ideas = IdeasClient(http, token, uid)
    open_title = f"Kortere ventetid på borgerservice {uid}"
    closed_to_me = f"Kun for kommuner og regioner {uid}"
    campaign_id = await ideas.campaign(
        title=open_title, moderation="post", shows_author_names=True,
        vote_rules={"mode": "updown", "max_votes_per_participant": 2})
    restricted_id = await ideas.campaign(title=closed_to_me, audience=["municipality", "region"])
    ann = ideas.participant("ann")
    others = [f"Aftenåbent to dage om ugen {uid}", f"Tidsbestilling med sms {uid}",
              f"Flere skranker ved frokosttid {uid}"]
    for title in others:
        await ideas.submit(campaign_id, ann, title, "Så kan flere nå det efter arbejde.")
        await votable(http, campaign_id, title)

    page = await contexts()
    await sign_in(page, "participant", f"bo-{uid}", sector="citizen")
    # the profile: a name, shown by choice
    await page.get_by_role("link", name="Min profil").click()
    await page.get_by_label("Navn, der kan vises").fill("Bodil Ærø")
    await page.get_by_label("Vis mit navn ved mine idéer").check()
    await look(page, "participant-profile")
    await page.get_by_role("button", name="Gem", exact=True).click()
    await expect(page.locator(".flash.ok")).to_contain_text("Din profil er gemt")
    await expect(page.get_by_label("Navn, der kan vises")).to_have_value("Bodil Ærø")
    await look_narrow(page, "participant-profile")

    # the campaigns say who may take part; a restricted one offers a citizen no form
    await page.goto("/")
    card = page.locator("li.card", has_text=closed_to_me)
    await expect(card).to_contain_text("Kun deltagere fra: Kommune, Region.")
    await look(page, "participant-campaigns")
    await look_narrow(page, "participant-campaigns")
    await card.get_by_role("link", name=closed_to_me).click()
    await expect(page.locator("#audience")).to_contain_text("Kun deltagere fra: Kommune, Region")
    await expect(page.locator("#not-for-you")).to_contain_text("kun for deltagere fra Kommune")
    await expect(page.get_by_role("button", name="Send")).to_have_count(0)
    await look(page, "participant-restricted")
    assert restricted_id in page.url

    # an idea: a form sent half-filled comes back as typed, with the problem on top
    await page.goto(f"/c/{campaign_id}")
    author = page.locator("li.idea", has_text=others[0]).locator(".meta").first
    await expect(author).to_contain_text("af Deltager")
    await expect(page.locator("main")).not_to_contain_text(f"ann-{uid}")
    await page.get_by_label("Beskrivelse").fill("Åbent til kl. 20 tirsdag og torsdag.")
    await page.get_by_role("button", name="Send").click()
    summary = page.locator("#error-summary")
    await expect(summary).to_contain_text("Der er et problem")
    await expect(summary.get_by_role("link", name="Titel skal udfyldes.")).to_have_attribute(
        "href", "#title")
    assert await focused_id(page) == "error-summary"
    await expect(page.get_by_label("Beskrivelse")).to_have_value(
        "Åbent til kl. 20 tirsdag og torsdag.")
    await look(page, "participant-form-error")
    await look_narrow(page, "participant-form-error")
    await summary.get_by_role("link", name="Titel skal udfyldes.").click()
    assert await focused_id(page) == "title"
    mine = f"Borgerservice åben om aftenen {uid}"
    await page.get_by_label("Titel").fill(mine)
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Din idé er modtaget")
    await expect(page.locator("#author")).to_contain_text("Bodil Ærø")
    await look(page, "participant-idea")
    await look_narrow(page, "participant-idea")

    # votes: for one idea, against another; then the budget is used and nothing else can succeed
    await page.goto(f"/c/{campaign_id}")
    first = page.locator("li.idea", has_text=others[0])
    await first.get_by_role("button", name=re.compile("^Stem på idéen")).click()
    await expect(page.locator(".flash.ok")).to_contain_text("Din stemme er talt med")
    second = page.locator("li.idea", has_text=others[1])
    await second.get_by_role("button", name=re.compile("^Stem imod")).click()
    await expect(page.locator(".flash.ok")).to_contain_text("Din stemme er talt med")
    await expect(second.locator(".your-vote")).to_have_text("Du har stemt imod")
    await expect(second.locator("[data-opposes]")).to_have_text("1")
    await expect(page.locator("#budget")).to_contain_text("0 af 2")
    third = page.locator("li.idea", has_text=others[2])
    await expect(third.get_by_role("button", name=re.compile("^Stem på idéen"))).to_be_disabled()
    await expect(page.locator("#no-votes-left")).to_be_visible()
    await look(page, "participant-campaign-voted")
    await look_narrow(page, "participant-campaign-voted")

    # my overview and my data: readable, and a UTF-8 download
    await page.get_by_role("link", name="Mit overblik").click()
    await expect(page.locator("tr", has_text=mine)).to_contain_text("Offentliggjort")
    await expect(page.locator("section[aria-labelledby=votes-h] tr", has_text=others[1])
                 ).to_contain_text("imod")
    # and the receipt of each vote is kept there
    await expect(page.locator("#receipts tr", has_text=others[1])).to_contain_text("Talt med")
    await look(page, "participant-my")
    await look_narrow(page, "participant-my")
    await page.get_by_role("link", name="Se mine data").click()
    await expect(page.get_by_role("heading", name="Profil og login")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("Bodil Ærø")
    await look(page, "participant-data")
    await look_narrow(page, "participant-data")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Hent alle mine data som JSON (UTF-8)").click()
    saved = tmp_path / "mine-data.json"
    await (await info.value).save_as(saved)
    raw = saved.read_bytes()
    assert "Bodil Ærø".encode() in raw and b"\\u00c6" not in raw
    assert json.loads(raw)["participant_id"] == f"bo-{uid}"


def queued(page: Page, title: str) -> Locator:
    """The queue item whose own heading starts with `title` (not one that hints at it)."""
    return page.locator("article.queue-item", has=page.get_by_role(
        "heading", level=3, name=re.compile("^" + re.escape(title))))


async def burst_of_votes(producer: EventProducer, campaign_id: str, idea_id: str,
                         published_at: str, uid: str) -> list[str]:
    """A script's votes: more from one client fingerprint in a short time than the anomaly
    rules let through (the voting service holds them for moderators). They are dated just
    after the idea was published: a vote is judged against the idea as it was when cast."""
    rules = VotingSettings().hold_rules()
    voters = [f"bot{n}-{uid}" for n in range(rules.burst_votes)]
    start = datetime.fromisoformat(published_at) + timedelta(milliseconds=500)
    # every vote dated in the past, as votes are: wait until the wall clock has passed them
    ahead = (start + timedelta(seconds=1) - datetime.now(UTC)).total_seconds()
    if ahead > 0:
        await asyncio.sleep(ahead)
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=v, campaign_id=uuid.UUID(campaign_id),
                               idea_id=uuid.UUID(idea_id), client=f"script-{uid}"),
                      actor=v, occurred_at=start + timedelta(milliseconds=10 * n))
        for n, v in enumerate(voters)])
    return voters


async def test_moderator_decides_revisions_merges_flags_and_held_votes(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str],
        producer: EventProducer, uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(
        title=f"Grønne byrum {uid}", moderation="pre",
        vote_rules={"mode": "support", "max_votes_per_participant": 3})
    ann = ideas.participant("ann")
    dan = ideas.participant("dan")
    kept = await ideas.submit(campaign_id, ann, f"Træer langs Ringvejen {uid}",
                              "Plant 200 træer.")
    await ideas.decide(kept, "approve", "Passer til spørgsmålet")
    revised = await http.post(f"/ideas/{kept}/revisions", headers=ann, json={
        "title": f"Træer og bænke langs Ringvejen {uid}", "body": "Plant 200 træer og 20 bænke."})
    assert revised.status_code == 202, revised.text
    duplicate = await ideas.submit(campaign_id, dan, f"Træer langs Ringvej {uid}", "Flere træer.")
    flagged = await ideas.submit(campaign_id, dan, f"Lommeparker i hver bydel {uid}",
                                 "Små parker på tomme grunde.")
    await ideas.decide(flagged, "approve", "Passer til spørgsmålet")
    r = await http.post(f"/ideas/{flagged}/flags", headers=ann, json={
        "reason": "off_topic", "note": "Handler ikke om byrum"})
    assert r.status_code == 202, r.text
    await votable(http, campaign_id, f"Lommeparker i hver bydel {uid}")
    log = await http.get("/moderation/log", params={"idea_id": flagged},
                         headers=ideas.moderator)
    published_at = next(e["decided_at"] for e in log.json() if e["decision"] == "approve")
    voters = await burst_of_votes(producer, campaign_id, flagged, published_at, uid)

    staff = await contexts()
    await sign_in(staff, "moderator", f"mod-{uid}")
    await staff.goto(f"/staff/moderation?campaign={campaign_id}")
    revision = queued(staff, "Træer og bænke")
    await expect(revision.locator(".diff ins").first).to_contain_text("bænke")
    await look(staff, "moderator-queue")
    await look_narrow(staff, "moderator-queue")
    # a decision without a reason: the form says so at the top, and keeps its place
    await revision.get_by_role("button", name=re.compile("^Godkend")).click()
    await expect(staff.locator("#error-summary")).to_contain_text("Begrundelse")
    assert (await focused_id(staff)) == "error-summary"
    await look(staff, "moderator-queue-error")
    # the revision is decided (the form's number reaches the API as a number)
    revision = queued(staff, "Træer og bænke")
    await revision.get_by_label("Begrundelse").fill("Bænkene gør forslaget bedre")
    await revision.get_by_role("button", name=re.compile("^Godkend")).click()
    await expect(staff.locator(".flash.ok")).to_contain_text("Afgørelsen er registreret")
    await expect(queued(staff, "Træer og bænke")).to_have_count(0)

    # a flag below the threshold reaches the queue; the idea is still public
    item = queued(staff, "Lommeparker")
    await expect(item).to_contain_text("Anmeldt, men stadig offentlig")
    await expect(item).to_contain_text("Uden for emnet: 1")
    # looked at and found unfounded: kept published, out of the queue, flags counted anew
    await item.get_by_label("Begrundelse").fill("Anmeldelsen handler ikke om indholdet")
    await item.get_by_role("button", name=re.compile("^Behold offentlig")).click()
    await expect(staff.locator(".flash.ok")).to_contain_text("Afgørelsen er registreret")
    await expect(queued(staff, "Lommeparker")).to_have_count(0)
    # the duplicate: merged into the published idea
    dup = queued(staff, f"Træer langs Ringvej {uid}")
    await expect(dup.locator(".hint h4").first).to_contain_text("Mulige dubletter")
    await dup.get_by_label("Læg sammen med").select_option(kept)
    await dup.get_by_label("Begrundelse").fill("Samme forslag som det offentliggjorte")
    await dup.get_by_role("button", name=re.compile("^Læg sammen")).click()
    await expect(staff.locator(".flash.ok")).to_contain_text("Afgørelsen er registreret")

    # held votes: titles and reasons in words, decided many at once, the list refreshed
    await staff.goto("/staff/votes")
    await shown_after_reload(staff, staff.locator("main"), f"Lommeparker i hver bydel {uid}",
                             timeout=90)
    rows = staff.locator("tbody tr", has_text=f"Lommeparker i hver bydel {uid}")
    await expect(rows).to_have_count(1)  # one burst, one line to decide
    await expect(rows).to_contain_text("Mange stemmer fra samme enhed")
    await expect(rows.locator(".count")).to_have_text(str(len(voters)))
    await look(staff, "moderator-held-votes")
    await look_narrow(staff, "moderator-held-votes")
    await staff.get_by_label("Vælg alle").check()
    await staff.get_by_label("Begrundelse").fill("Et script, ikke mennesker")
    await staff.get_by_role("button", name="Kassér").click()
    await expect(staff.locator(".flash.ok")).to_contain_text(f"{len(voters)} afgørelser",
                                                             timeout=120_000)
    await expect(staff.locator("tbody tr", has_text=f"Lommeparker i hver bydel {uid}")
                 ).to_have_count(0)

    # a moderator hides a published idea from its own page
    await staff.goto(f"/i/{flagged}")
    await staff.get_by_label("Begrundelse").fill("Ikke et forslag til byrum")
    await look(staff, "moderator-idea")
    await staff.get_by_role("button", name="Skjul").click()
    await expect(staff.locator(".flash.ok")).to_contain_text("Afgørelsen er registreret")
    public = await contexts()
    await public.goto(f"/i/{flagged}")
    await shown_after_reload(public, public.locator("main"), "findes ikke")

    # the merged idea's link leads on to the idea it lives on in, and its author is told
    visitor = await contexts()
    await visitor.goto(f"/i/{duplicate}")
    await expect(visitor.locator("#merged-notice")).to_contain_text("lagt sammen med denne")
    await expect(visitor.get_by_role("heading", level=1)).to_contain_text("Træer og bænke")
    await look(visitor, "visitor-merged-redirect")
    author = await contexts()
    await sign_in(author, "participant", f"dan-{uid}")
    await author.goto(f"/i/{duplicate}")
    await expect(author.locator("#status")).to_contain_text("Lagt sammen")
    await expect(author.locator("#status-reason")).to_have_text(
        "Samme forslag som det offentliggjorte")
    await expect(author.get_by_role("link", name="Se idéen, den er lagt sammen med")).to_be_visible()
    await staff.goto("/staff/log")
    hidden = staff.locator("tr", has_text="Ikke et forslag til byrum")
    await expect(hidden).to_contain_text("Skjul")
    await expect(staff.locator("tr", has_text="Et script, ikke mennesker").first).to_contain_text(
        "Kassér stemme")
    await look(staff, "moderator-log")
    await look_narrow(staff, "moderator-log")


async def test_planner_keeps_the_plan_current_and_steering_reads_the_report(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str,
        tmp_path: Path) -> None:
    planner_id = f"planner-{uid}"
    # a year from the pool the e2e plans draw from: no other test of the session drafts it
    year, _ = await new_plan(http, token("planner", sub=planner_id))

    page = await contexts()
    await sign_in(page, "planner", planner_id)
    await page.goto(f"/staff/plan?year={year}")
    await look(page, "planner-plan")
    await page.get_by_role("link", name="Kortlægning af innovationslandskabet").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Kortlægning")
    # progress written wrongly comes back with the field named, then right
    progress = page.locator("section", has=page.get_by_role("heading", name="Registrér fremdrift"))
    await progress.get_by_label("Fremdrift i procent").fill("140")
    await progress.get_by_label("Kort status").fill("Data fra 40 kommuner er modtaget.")
    await progress.get_by_role("button", name="Gem", exact=True).click()
    await expect(page.locator("#error-summary")).to_contain_text("Fremdrift i procent")
    await expect(progress.get_by_label("Kort status")).to_have_value(
        "Data fra 40 kommuner er modtaget.")
    await look(page, "planner-initiative-error")
    progress = page.locator("section", has=page.get_by_role("heading", name="Registrér fremdrift"))
    await progress.get_by_label("Fremdrift i procent").fill("40")
    await progress.get_by_label("Vurdering").select_option("amber")
    await progress.get_by_role("button", name="Gem", exact=True).click()
    await expect(page.locator(".flash.ok")).to_contain_text("Registreret")
    await expect(page.locator("#progress")).to_contain_text("40 %")
    spend = page.locator("section", has=page.get_by_role("heading", name="Registrér forbrug"))
    await spend.get_by_label("Beløb (kr.)").fill("1.250.000")
    await spend.get_by_label("Forventet forbrug i alt (kr.)").fill("3.000.000")
    await spend.get_by_role("button", name="Gem", exact=True).click()
    await expect(page.locator(".flash.ok")).to_contain_text("Registreret")
    risk = page.locator("section", has=page.get_by_role("heading", name="Registrér en risiko"))
    await risk.get_by_label("Risiko").fill("Kommunerne svarer sent")
    await risk.get_by_label("Hvad gøres for at undgå den").fill("Påmindelse efter to uger.")
    await risk.get_by_role("button", name="Gem", exact=True).click()
    await expect(page.locator(".flash.ok")).to_contain_text("Registreret")
    milestone = page.locator("section", has=page.get_by_role("heading", name="Markér milepæl"))
    await milestone.get_by_label("Milepæl").select_option("model")
    await milestone.get_by_role("button", name="Gem", exact=True).click()
    await expect(page.locator(".flash.ok")).to_contain_text("Registreret")
    await expect(page.locator("#milestones")).to_contain_text("Model – Nået")
    await look(page, "planner-initiative")
    await look_narrow(page, "planner-initiative")
    # the change feed in words, with Danish numbers
    await page.goto(f"/staff/plan?year={year}")
    feed = page.locator("section", has=page.get_by_role("heading", name="Ændringer"))
    await expect(feed).to_contain_text("Fremdrift 40 %")
    await expect(feed).to_contain_text("Forbruget er opgjort")
    await expect(feed).not_to_contain_text("SpendReported")
    await look_narrow(page, "planner-plan")

    # a report of this quarter, requested from the page: not ended, so only as a draft
    await page.get_by_role("link", name="Rapporter").click()
    await page.get_by_role("button", name="Bestil en rapport").click()  # no quarter chosen
    await expect(page.locator("#error-summary")).to_contain_text("Kvartal")
    now = datetime.now(UTC)
    wanted = f"{now.year}Q{(now.month - 1) // 3 + 1}"
    choice = page.get_by_label(re.compile(rf"^{wanted} – foreløbig rapport, data til i dag"))
    await choice.check()
    await page.get_by_role("button", name="Bestil en rapport").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Rapporten er dannet")
    mine = page.locator("tbody tr", has_text=planner_id)
    await expect(mine).to_have_count(1)
    await expect(mine).to_contain_text(wanted)
    as_of = day(datetime.now(ZoneInfo("Europe/Copenhagen")).date(), "da")
    await expect(mine.get_by_role("cell").nth(1)).to_have_text(f"Foreløbig, data til {as_of}")
    await look(page, "planner-reports")
    await look_narrow(page, "planner-reports")

    steering = await contexts()
    await sign_in(steering, "steering", f"chair-{uid}")
    await steering.get_by_role("link", name="Rapporter").click()
    link = steering.get_by_role("link", name=f"PDF (dansk) {wanted}").first
    await expect(link).to_be_visible()
    await look(steering, "steering-reports")
    await look_narrow(steering, "steering-reports")
    async with steering.expect_download() as info:
        await link.click()
    saved = tmp_path / (await info.value).suggested_filename
    await (await info.value).save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    await steering.goto(f"/staff/plan?year={year}")
    await expect(steering.locator("main")).to_contain_text("Fremdrift 40 %")
    await steering.get_by_role("link", name="Kortlægning af innovationslandskabet").click()
    await expect(steering.get_by_role("button", name="Gem", exact=True)).to_have_count(0)  # reads only
    await look(steering, "steering-initiative")


async def test_the_steering_group_decides_an_item_a_planner_put_on_a_meeting_agenda(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str,
        tmp_path: Path) -> None:
    planner_id = f"planner-{uid}"
    year, _ = await new_plan(http, token("planner", sub=planner_id))
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    title = f"Rekruttering af analytiker {uid}"

    planner = await contexts()
    await sign_in(planner, "planner", planner_id)
    await planner.goto(f"/staff/plan?year={year}")
    await planner.get_by_role("link", name="Beslutninger til styregruppen og møder").click()
    await expect(planner.get_by_role("heading", level=1)).to_have_text(
        f"Beslutninger til styregruppen {year}")
    await expect(planner.locator("main")).to_contain_text("Ingen punkter venter på en beslutning")
    await look(planner, "planner-decisions-empty")

    # asked with one option only: the form says so at the top, keeps what was typed
    await planner.get_by_role("link", name="Bed styregruppen om en beslutning").click()
    await planner.get_by_label("Punktets overskrift").fill(title)
    await planner.get_by_label("Hvad skal styregruppen tage stilling til").fill(
        "Skal centret ansætte en analytiker nu eller efter sommerferien?")
    await planner.get_by_label("Indstilling").fill("Sekretariatet indstiller, at der ansættes nu.")
    await planner.get_by_label("Indsats").select_option(label="Kortlægning af innovationslandskabet")
    first = planner.locator("fieldset fieldset", has_text="Valgmulighed 1")
    await first.get_by_label("Navn").fill("Ansæt nu")
    await first.get_by_label("Konsekvens").fill("Kortlægningen bliver færdig i tide.")
    await planner.get_by_label("Til mødet den").fill(today.isoformat())
    await planner.get_by_role("button", name="Bed styregruppen om en beslutning").click()
    summary = planner.locator("#error-summary")
    await expect(summary.get_by_role("link", name="Valgmuligheder skal have mindst 2.")
                 ).to_have_attribute("href", "#option-1-label")
    assert await focused_id(planner) == "error-summary"
    await expect(planner.get_by_label("Punktets overskrift")).to_have_value(title)
    await expect(planner.get_by_label("Indsats").locator("option:checked")).to_have_text(
        "Kortlægning af innovationslandskabet")
    await look(planner, "planner-decision-ask-error")
    await look_narrow(planner, "planner-decision-ask-error")
    second = planner.locator("fieldset fieldset", has_text="Valgmulighed 2")
    await second.get_by_label("Navn").fill("Ansæt efter sommerferien")
    await second.get_by_label("Konsekvens").fill("Kortlægningen forsinkes tre måneder.")
    await planner.get_by_role("button", name="Bed styregruppen om en beslutning").click()
    await expect(planner.locator(".flash.ok")).to_contain_text("Punktet er sendt til styregruppen")
    waiting = planner.locator("section", has=planner.get_by_role(
        "heading", name="Venter på styregruppens beslutning"))
    item = waiting.locator("article", has_text=title)
    await expect(item).to_contain_text("Sekretariatet indstiller, at der ansættes nu.")
    await expect(item).to_contain_text(f"{planner_id}, {day(today, 'da')}")
    await expect(item).to_contain_text("Ikke på en dagsorden endnu")
    await expect(item.get_by_role("link", name="Kortlægning af innovationslandskabet")
                 ).to_have_attribute("href", re.compile(f"/staff/plan/{year}/initiatives/"))

    # the meeting with the item on its agenda; a meeting dated ahead is refused first
    await planner.get_by_role("link", name="Registrér et styregruppemøde").click()
    await planner.get_by_label("Mødedato").fill((today + timedelta(days=2)).isoformat())
    await planner.get_by_label(re.compile("^" + re.escape(title))).check()
    await planner.get_by_role("button", name="Registrér et styregruppemøde").click()
    await expect(planner.locator("#error-summary").get_by_role(
        "link", name="Datoen ligger i fremtiden.")).to_have_attribute("href", "#held_on")
    await expect(planner.get_by_label(re.compile("^" + re.escape(title)))).to_be_checked()
    await look(planner, "planner-meeting-error")
    await planner.get_by_label("Mødedato").fill(today.isoformat())
    await planner.get_by_label("Kommunerne").select_option("2")
    await look(planner, "planner-meeting")
    await look_narrow(planner, "planner-meeting")
    await planner.get_by_role("button", name="Registrér et styregruppemøde").click()
    await expect(planner.locator(".flash.ok")).to_contain_text("Mødet er registreret")
    item = planner.locator("article", has_text=title)
    await expect(item.locator("dd").nth(5)).to_have_text(f"Mødet den {day(today, 'da')}")
    await expect(item.get_by_role("link", name=re.compile("^Registrér styregruppens"))
                 ).to_have_count(0)  # a planner does not answer for the steering group
    await look(planner, "planner-decisions")
    await look_narrow(planner, "planner-decisions")

    # a steering member answers it; asking for a decision is not theirs to do
    steering = await contexts()
    await sign_in(steering, "steering", f"chair-{uid}")
    await steering.goto(f"/staff/plan/{year}/decisions/new")
    await expect(steering.locator("main")).to_contain_text(
        "Din rolle giver ikke adgang til denne side")
    await steering.goto(f"/staff/plan?year={year}")
    await steering.get_by_role("link", name="Beslutninger til styregruppen og møder").click()
    await steering.locator("article", has_text=title).get_by_role(
        "link", name=re.compile("^Registrér styregruppens beslutning")).click()
    await expect(steering.get_by_label("Møde", exact=True)).to_have_value(re.compile(".+"))
    await steering.get_by_role("button", name="Registrér styregruppens beslutning").click()
    await expect(steering.locator("#error-summary").get_by_role(
        "link", name="Styregruppens beslutning skal udfyldes.")).to_have_attribute("href", "#chosen")
    assert await focused_id(steering) == "error-summary"
    await look(steering, "steering-decision-answer-error")
    await look_narrow(steering, "steering-decision-answer-error")
    await steering.get_by_label("Ansæt nu").check()
    await steering.get_by_label("Bemærkning (valgfri)").fill("Stillingen slås op i januar.")
    await look(steering, "steering-decision-answer")
    await steering.get_by_role("button", name="Registrér styregruppens beslutning").click()
    await expect(steering.locator(".flash.ok")).to_contain_text(
        "Styregruppens beslutning er registreret")
    decided = steering.locator("section", has=steering.get_by_role(
        "heading", name="Besluttet")).locator("article", has_text=title)
    await expect(decided.locator(".answer")).to_have_text(
        f"Beslutning: Ansæt nu – besluttet den {day(today, 'da')} (mødet den "
        f"{day(today, 'da')}). Stillingen slås op i januar.")
    await expect(steering.locator("section", has=steering.get_by_role(
        "heading", name="Venter på styregruppens beslutning"))).not_to_contain_text(title)
    await look(steering, "steering-decisions-answered")
    await look_narrow(steering, "steering-decisions-answered")
    # in English too, and in words in the plan's change feed
    await steering.get_by_role("link", name="English").click()
    await expect(steering.locator("article", has_text=title).locator(".answer")).to_contain_text(
        f"Decision: Ansæt nu – decided on {day(today, 'en')}")
    await look(steering, "steering-decisions-answered-en")
    await steering.get_by_role("link", name="Dansk").click()
    await steering.goto(f"/staff/plan?year={year}")
    feed = steering.locator("section", has=steering.get_by_role("heading", name="Ændringer"))
    await expect(feed).to_contain_text(
        f"Styregruppen er bedt om en beslutning til mødet den {day(today, 'da')}: {title}")
    await expect(feed).to_contain_text(f"Styregruppen har besluttet den {day(today, 'da')}: "
                                       "Ansæt nu")
    await expect(feed).not_to_contain_text("DecisionTaken")

    # the quarter's report, requested from the pages, follows the decision up
    now = datetime.now(UTC)
    wanted = f"{now.year}Q{(now.month - 1) // 3 + 1}"
    await steering.get_by_role("link", name="Rapporter").click()
    await steering.get_by_label(re.compile(rf"^{wanted} – foreløbig rapport")).check()
    await steering.get_by_role("button", name="Bestil en rapport").click()
    await expect(steering.locator(".flash.ok")).to_contain_text("Rapporten er dannet")
    mine = steering.locator("tbody tr", has_text=f"chair-{uid}")
    async with steering.expect_download() as info:
        await mine.get_by_role("link", name=f"HTML (dansk) {wanted}").click()
    saved = tmp_path / "report.html"
    await (await info.value).save_as(saved)
    html = saved.read_text(encoding="utf-8")
    followed = html.split("Opfølgning: besluttet i kvartalet", 1)
    assert len(followed) == 2, "the report has no follow-up of decisions taken"
    row = next((r for r in followed[1].split("<tr")[1:] if title in r), "")
    assert "Ansæt nu" in row and "Stillingen slås op i januar." in row, row or followed[1][:2000]


async def a_budget_closing_in_a_minute(http: httpx.AsyncClient, producer: EventProducer,
                                       cid: uuid.UUID, uid: str) -> str:
    """A participatory budget (as an import publishes one) with four costed ideas and votes
    from two sectors, closing in a minute; returns its title."""
    now = datetime.now(UTC)
    title = f"Bibliotekets budget {uid}"
    await producer.publish(Envelope.wrap(CampaignCreated(
        campaign_id=cid, title=title, question="Hvad skal budgettet bruges på?",
        opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(seconds=60),
        moderation=ModerationMode.POST, budget=100, min_votes_to_fund=2,
        vote_rules=VoteRules(max_votes_per_participant=3)),
        actor=f"admin-{uid}", occurred_at=now - timedelta(minutes=6)))
    ids = {k: uuid.uuid4() for k in "abcd"}
    await producer.publish_many([Envelope.wrap(IdeaSubmitted(
        idea_id=ids[k], campaign_id=cid, title=f"Projekt {k} {uid}", body="Et projekt.",
        estimated_cost=cost), actor=f"ann-{uid}", occurred_at=now - timedelta(minutes=4))
        for k, cost in (("a", 60), ("b", 50), ("c", 40), ("d", 10))])
    for k in ids:
        await votable(http, str(cid), f"Projekt {k} {uid}")
    ballots = [("v1", "a", Sector.PRIVATE), ("v2", "a", Sector.PRIVATE),
               ("v3", "a", Sector.PRIVATE), ("v4", "b", Sector.PRIVATE),
               ("v5", "b", Sector.STATE), ("v6", "c", Sector.STATE), ("v8", "c", Sector.STATE),
               ("v9", "c", Sector.STATE), ("v5", "c", Sector.STATE),
               ("v7", "d", Sector.PRIVATE)]
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=f"{v}-{uid}", campaign_id=cid, idea_id=ids[k],
                               sector=s), actor=f"{v}-{uid}") for v, k, s in ballots])
    return title


async def test_an_administrator_creates_a_campaign_and_everyone_sees_its_results(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str],
        producer: EventProducer, pool: asyncpg.Pool, uid: str) -> None:
    admin = await contexts()
    await sign_in(admin, "admin", f"admin-{uid}")
    await admin.goto("/staff/campaigns/new")
    title = f"Idéer til biblioteket {uid}"
    await admin.get_by_label("Titel").fill(title)
    await admin.get_by_role("button", name="Opret").click()
    await expect(admin.locator("#error-summary")).to_contain_text("Spørgsmål skal udfyldes")
    await expect(admin.get_by_label("Titel")).to_have_value(title)
    await look(admin, "admin-campaign-error")
    await admin.get_by_label("Spørgsmål").fill("Hvad skal biblioteket kunne om fem år?")
    await admin.get_by_label("Borger").uncheck()
    await admin.get_by_label("Privat").uncheck()
    await admin.get_by_role("button", name="Opret").click()
    await expect(admin.locator(".flash.ok")).to_contain_text("Kampagnen er oprettet")
    await expect(admin.get_by_role("heading", level=1)).to_have_text(title)
    await expect(admin.locator("#audience")).to_contain_text("Stat, Kommune, Region")
    await look(admin, "admin-campaign-created")

    # a campaign that closes in a moment, with votes: its results page
    ideas = IdeasClient(http, token, uid)
    closing = await ideas.campaign(title=f"Lukket kampagne {uid}", closes=timedelta(seconds=60),
                                   vote_rules={"mode": "support",
                                               "max_votes_per_participant": 5})
    ann = ideas.participant("ann")
    topics = ["bøger", "musik", "spil", "kaffe"]
    ids = [await ideas.submit(closing, ann, f"Forslag {n} {uid}", f"Mere {topics[n]}.")
           for n in range(4)]
    for n in range(len(ids)):
        await votable(http, closing, f"Forslag {n} {uid}")
    await producer.publish_many([
        Envelope.wrap(VoteCast(voter_id=f"v{k}-{uid}", campaign_id=uuid.UUID(closing),
                               idea_id=uuid.UUID(ids[n])), actor=f"v{k}-{uid}")
        for n in range(4) for k in range(4 - n)])

    async def phase() -> str:
        return str((await http.get(f"/campaigns/{closing}")).json()["phase"])
    await eventually(phase, lambda p: p == "closed", timeout=120, what="the campaign closed")
    visitor = await contexts()
    await visitor.goto("/")
    await visitor.locator("li", has_text=f"Lukket kampagne {uid}").get_by_role(
        "link", name=re.compile("^Se resultatet")).click()
    await shown_after_reload(visitor, visitor.locator("#n-votes"), "10")
    await expect(visitor.locator("ol.winners li")).to_have_count(3)
    await expect(visitor.locator("ol.winners li").first).to_contain_text(f"Forslag 0 {uid}")
    await expect(visitor.get_by_label("Kopiér linket:")).to_have_value(
        re.compile(f"/c/{closing}/results$"))
    await look(visitor, "results")
    await look_narrow(visitor, "results")

    # a budget's results say which ideas win under every rule and which depend on the choice;
    # until the voting worker has stored its replay the page says it is being computed (forced:
    # a row written and not yet committed here makes the worker's store wait for it)
    held = await pool.acquire()
    pending = held.transaction()
    await pending.start()
    try:
        budget = str(uuid.uuid4())
        await held.execute("INSERT INTO voting.what_ifs (campaign_id, votes, seconds, result)"
                           " VALUES ($1, 0, 0, '{}')", uuid.UUID(budget))
        budget_title = await a_budget_closing_in_a_minute(http, producer, uuid.UUID(budget),
                                                          uid)

        async def budget_phase() -> str:
            return str((await http.get(f"/campaigns/{budget}")).json()["phase"])
        await eventually(budget_phase, lambda p: p == "closed", timeout=120,
                         what="the budget closed")
        await visitor.goto(f"/c/{budget}/results")
        await expect(visitor.locator("#stability-pending")).to_have_text(
            "Sammenligningen med andre regler bliver beregnet nu. Kom tilbage om lidt.")
        await look(visitor, "results-what-if-pending")
    finally:
        await pending.rollback()
        await pool.release(held)
    await shown_after_reload(visitor, visitor.locator("#stability"), "Vinder under alle regler",
                             timeout=90)
    answer = (await http.get(f"/campaigns/{budget}/what-if")).json()
    titles = answer["titles"]
    await expect(visitor.locator("#stable-ideas li")).to_have_text(
        [titles[i] for i in answer["stable"]])
    rows = visitor.locator("#depends-ideas tbody tr")
    await expect(rows).to_have_count(len(answer["depends"]))
    first = answer["depends"][0]
    await expect(rows.first).to_contain_text(titles[first["idea_id"]])
    await expect(rows.first).to_contain_text(
        f"{len(first['funded_in'])} af {len(answer['scenarios'])} regler")
    await expect(visitor.locator("#stability .scenarios strong")).to_have_text(
        "Flest stemmer først, kampagnens regler")  # the campaign's own count
    await expect(visitor.locator("#stability")).to_contain_text("Lige andele, uden sektoren stat")
    await expect(visitor.locator("h1")).to_contain_text(budget_title)
    await look(visitor, "results-what-if")
    await look_narrow(visitor, "results-what-if")
    # a search across campaigns, and a tag
    await visitor.goto("/")
    await visitor.get_by_label("Søg i alle kampagner").fill(f"kaffe {uid}")
    await visitor.get_by_role("button", name="Søg").click()
    await expect(visitor.locator(".found li")).to_have_count(1)
    await look(visitor, "search-across-campaigns")
