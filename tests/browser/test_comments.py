"""Comments through the pages alone, in Danish, in a real Chromium against the real stack: a
participant comments on an idea of a pre-moderated campaign and sees it wait, a moderator approves
it from the comment console, another participant replies and the reply is approved, everyone then
reads the thread and the campaign page counts it. Every page state is checked by axe-core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import look, look_narrow, sign_in
from tests.e2e.ideas_client import IdeasClient

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NewPage = Callable[[], Awaitable[Page]]


async def approve_from_console(moderator: Page, text: str, reason: str) -> None:
    await moderator.goto("/staff/comments")
    item = moderator.locator("article.queue-item", has_text=text)
    await expect(item).to_contain_text("Afventer moderation")
    await item.get_by_label("Begrundelse").fill(reason)
    await item.get_by_role("button", name="Godkend").click()
    await expect(moderator.locator(".flash.ok")).to_contain_text(
        "Afgørelsen om kommentaren er registreret")
    await expect(moderator.locator("article.queue-item", has_text=text)).to_have_count(0)


async def test_a_participant_comments_and_replies_in_danish_and_a_moderator_approves(
        contexts: NewPage, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    ideas = IdeasClient(http, token, uid)
    campaign = await ideas.campaign(moderation="pre")
    idea = await ideas.submit(campaign, ideas.participant("forfatter"),
                              f"Bænke ved søerne {uid}", "Flere bænke langs søerne.")
    await ideas.decide(idea, "approve", "fin idé")
    first, answer = f"Gerne med ryglæn {uid}", f"Og nogle i skygge {uid}"

    ann = await contexts()
    await sign_in(ann, "participant", f"ann-{uid}")
    await ann.goto(f"/i/{idea}")
    await expect(ann.get_by_role("heading", name="Kommentarer")).to_be_visible()
    await expect(ann.locator("#comments")).to_contain_text("Ingen kommentarer endnu")
    await look(ann, "idea-comments-empty")
    # an empty comment is caught before the API, with the field named
    await ann.get_by_role("button", name="Send kommentar").click()
    await expect(ann.locator("#error-summary")).to_contain_text("Din kommentar skal udfyldes")
    await look(ann, "idea-comment-empty-refused")
    await ann.get_by_label("Din kommentar").fill(first)
    await ann.get_by_role("button", name="Send kommentar").click()
    await expect(ann.locator(".flash.ok")).to_contain_text("Tak for din kommentar")
    mine = ann.locator("article.comment", has_text=first)
    await expect(mine).to_contain_text("Afventer moderation")  # only she sees it, waiting
    await look(ann, "idea-comment-pending")

    anonymous = await contexts()
    await anonymous.goto(f"/i/{idea}")
    await expect(anonymous.locator("#comments")).not_to_contain_text(first)

    moderator = await contexts()
    await sign_in(moderator, "moderator", f"mod-{uid}")
    await moderator.goto("/staff/comments")
    await look(moderator, "staff-comment-queue")
    await approve_from_console(moderator, first, "Saglig kommentar")

    bo = await contexts()
    await sign_in(bo, "participant", f"bo-{uid}")
    await bo.goto(f"/i/{idea}")
    theirs = bo.locator("article.comment", has_text=first)
    await expect(theirs).not_to_contain_text("Afventer moderation")
    await theirs.locator("summary", has_text="Svar").click()
    await theirs.get_by_label("Dit svar til Deltager").fill(answer)
    await look(bo, "idea-comment-reply-form")
    await theirs.get_by_role("button", name="Send svar").click()
    await expect(bo.locator(".flash.ok")).to_contain_text("Tak for din kommentar")
    await expect(bo.locator("ol.replies article.comment", has_text=answer)).to_contain_text(
        "Afventer moderation")

    await approve_from_console(moderator, answer, "Et godt svar")
    await moderator.goto("/staff/comments")
    await expect(moderator.locator("main")).to_contain_text("Ingen kommentarer venter")
    await look(moderator, "staff-comment-queue-empty")

    # everyone reads the thread: the reply under the comment it answers
    await anonymous.goto(f"/i/{idea}")
    thread = anonymous.locator("#comments > ol.comments > li")
    await expect(thread).to_have_count(1)
    await expect(thread.locator("> article > .body")).to_have_text(first)
    await expect(thread.locator("ol.replies .body")).to_have_text(answer)
    await expect(anonymous.locator("#comments")).to_contain_text("Log ind for at skrive")
    await look(anonymous, "idea-comments-thread")
    await look_narrow(anonymous, "idea-comments-thread")
    await anonymous.goto(f"/c/{campaign}")
    await expect(anonymous.locator(f'[data-comments="{idea}"]')).to_have_text("2 kommentarer")
    await expect(anonymous.locator("#comment-total")).to_contain_text("Kommentarer: 2")
    await look(anonymous, "campaign-comment-counts")
