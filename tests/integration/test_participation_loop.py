"""The participation loop end to end, over HTTP only, with the real publishers: an idea is
submitted (and approved, where the campaign is pre-moderated), commented on and replied to, and
answered; each person concerned hears of each thing once, in the inbox and by e-mail, in Danish;
the idea's journey lists what happened in order.

Where a test must show that something was NOT sent, it waits for an e-mail that the sender sends
after every earlier one (the answer's), then counts: no sleeping for an absence.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest

from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient
from tests.integration.test_comments import Comments
from tests.integration.test_notifications import Person, mails_to, sink, wait_mails

pytestmark = pytest.mark.integration

# the identity worker looks for e-mail to send twice a second in these tests
os.environ.setdefault("NOTIFY_SEND_INTERVAL_S", "0.5")

REASON = "Biblioteket lægger lokaler til fra marts"


async def kinds(person: Person) -> list[str]:
    """The kinds in a person's inbox, oldest first."""
    return [n["kind"] for n in reversed((await person.inbox())["notifications"])]


@pytest.mark.parametrize("moderation", ["post", "pre"])
async def test_submit_comment_reply_answer_reach_each_person_once(
    stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], pool: asyncpg.Pool,
    uid: str, moderation: str,
) -> None:
    client = IdeasClient(http, token, uid)
    comments = Comments(http, client)
    campaign = await client.campaign(moderation=moderation)
    a, b = Person(http, token, "anna", uid), Person(http, token, "bent", uid)
    for p in (a, b):
        await p.profile()
        await p.choose("immediately", "da")

    # 1. A submits an idea (pre-moderated: a moderator approves it; A hears of the approval)
    title = f"Et reparationscafé i biblioteket {uid}"
    idea = await client.submit(campaign, a.headers, title)
    pre = moderation == "pre"
    if pre:
        await client.decide(idea, "approve", "passer til spørgsmålet")
        [approval] = await wait_mails(a.address, 1, "the author's approval e-mail")
        assert approval["Subject"] == f"Din idé er godkendt: {title}"
        assert approval["Content-Language"] == "da"
        assert f"/i/{idea}" in approval.get_content()
    assert (await client.idea(idea))["status"] == "published"

    # 2. B comments on A's idea, follows it; A replies to B's comment
    await b.follow(idea)
    comment = await comments.post(idea, b.headers, "Jeg kan hjælpe med cykler.")
    if pre:  # a reply answers a published comment only
        await comments.decide(comment, "approve", "fint")
    reply = await comments.post(idea, a.headers, "Tak, kom forbi!", parent=comment)
    if pre:  # the reply is told when it is published, not while it waits
        await comments.decide(reply, "approve", "fint")
    [reply_mail] = await wait_mails(b.address, 1, "the reply's e-mail to B")
    assert reply_mail["Subject"] == f"Nyt svar på din kommentar: {title}"
    assert reply_mail["Content-Language"] == "da"
    assert f"/i/{idea}" in reply_mail.get_content()
    assert await kinds(b) == ["comment_reply"]
    [told] = (await b.inbox())["notifications"]
    assert (told["idea_id"], told["link_id"]) == (idea, reply)

    # 3. a moderator answers the idea: A (the author follows by default) and B hear of it once
    answer = await http.post(f"/ideas/{idea}/answers", headers=client.moderator,
                             json={"state": "taken_forward", "reason": REASON})
    await client.wait(answer)
    expected_a = 2 if pre else 1
    mails_a = await wait_mails(a.address, expected_a, "the answer's e-mail to A")
    mails_b = await wait_mails(b.address, 2, "the answer's e-mail to B")
    # the sink names its files by the message, not by the time it came: picked by subject;
    # the author hears of their own idea as theirs, B of one followed
    for mails, subject in ((mails_a, f"Din idé har fået svar: {title}"),
                           (mails_b, f"En idé, du følger, har fået svar: {title}")):
        [mail] = [m for m in mails if m["Subject"] == subject]
        assert mail["Content-Language"] == "da"
        text = mail.get_content()
        assert "Svar: taget videre" in text and f"Begrundelse: {REASON}" in text
    # the answer's e-mails are sent after every earlier notification's: none more to come
    assert await kinds(a) == (["idea_approved"] if pre else []) + ["idea_answered"]
    assert await kinds(b) == ["comment_reply", "idea_answered"]
    answered = (await a.inbox())["notifications"][0]
    assert (answered["state"], answered["reason"]) == ("taken_forward", REASON)
    # the inbox too tells the author it is their idea, and B that it is not theirs
    assert {n["yours"] for n in (await a.inbox())["notifications"]} == {True}
    assert {n["yours"] for n in (await b.inbox())["notifications"]} == {False}
    assert len(mails_to(a.address)) == expected_a  # nothing for A's own reply
    assert len(mails_to(b.address)) == 2
    assert not list(sink().glob("*~*.eml")), "a message reached the SMTP server twice"
    states = await pool.fetch("SELECT participant_id, state FROM identity.mail_deliveries"
                              " WHERE participant_id = ANY($1::text[])", [a.sub, b.sub])
    assert sorted((r["participant_id"], r["state"]) for r in states) == sorted(
        [(a.sub, "sent")] * expected_a + [(b.sub, "sent")] * 2)

    # 4. the journey lists what happened, in order (staff may wait for the answer's event)
    r = await http.get(f"/ideas/{idea}/journey", headers=client.moderator,
                       params={"wait_for": answer.json()["event_id"]})
    assert r.status_code == 200, r.text
    public = await http.get(f"/ideas/{idea}/journey")  # no sign-in: the same steps
    assert public.status_code == 200, public.text
    for body in (r.json(), public.json()):
        steps: list[dict[str, Any]] = body["steps"]
        # post-moderated: published on arrival (a status step no decision made)
        assert [(s["kind"], s["status"]) for s in steps[1:-1]] == [
            ("moderated", "published") if pre else ("status", "published")]
        assert [s["kind"] for s in (steps[0], steps[-1])] == ["submitted", "answered"]
        assert (steps[-1]["state"], steps[-1]["reason"]) == ("taken_forward", REASON)
