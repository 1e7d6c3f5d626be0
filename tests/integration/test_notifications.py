"""Following and notification e-mail on the real stack: broker, database, identity worker and the
embedded SMTP sink (every message it receives is a file under `<home>/mail/`, a repeat too).

Where a test must show that something was NOT sent, it first waits for a message that the same
sender pass would have sent together with it (a control follower of the same event, or a later
event's e-mail, which the sender sends after every earlier one): no sleeping for an absence.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from schemas.comments import CommentStatus, CommentStatusChanged
from schemas.envelope import Envelope, derived_id
from schemas.participation import AnswerState, EmailFrequency, IdeaAnswered
from schemas.plan import IdeaAdopted, MilestoneCompleted
from services.identity.notifications.commands import send_digests
from services.identity.settings import MailSettings
from services.infra.kafka import EventProducer
from services.infra.replay import replay
from services.infra.settings import Settings
from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient, bearer
from tests.helpers import eventually

pytestmark = pytest.mark.integration

# the identity worker looks for e-mail to send twice a second in these tests
os.environ.setdefault("NOTIFY_SEND_INTERVAL_S", "0.5")


def sink() -> Path:
    folder = os.environ.get("SMTP_SINK_DIR")
    assert folder, "the embedded SMTP sink is not running"
    return Path(folder)


def mails_to(address: str) -> list[EmailMessage]:
    found = []
    for path in sorted(sink().glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if msg["To"] == address:
            found.append(msg)
    return found


async def wait_mails(address: str, count: int, what: str) -> list[EmailMessage]:
    async def probe() -> list[EmailMessage]:
        return mails_to(address)

    return await eventually(probe, lambda m: len(m) >= count, timeout=45, what=what)


class Person:
    def __init__(self, http: httpx.AsyncClient, token: Callable[..., str], name: str,
                 uid: str) -> None:
        self.http = http
        self.sub = f"{name}-{uid}"
        self.address = f"{name}.{uid}@example.org"
        self.headers = bearer(token("participant", sub=self.sub))

    async def profile(self) -> None:
        r = await self.http.put("/me/profile", headers=self.headers,
                                json={"display_name": self.sub, "email": self.address})
        assert r.status_code == 200, r.text

    async def choose(self, frequency: str, language: str = "da") -> None:
        r = await self.http.put("/me/notification-preferences", headers=self.headers,
                                json={"email": frequency, "language": language})
        assert r.status_code == 202, r.text
        await eventually(self.preference, lambda p: p["email"] == frequency,
                         what=f"{self.sub} chose {frequency}")

    async def preference(self) -> dict[str, Any]:
        r = await self.http.get("/me/notification-preferences", headers=self.headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def follow(self, idea_id: str) -> None:
        r = await self.http.put(f"/ideas/{idea_id}/follow", headers=self.headers)
        assert r.status_code == 202, r.text
        await eventually(self.follows, lambda f: idea_id in f, what=f"{self.sub} follows")

    async def follows(self) -> set[str]:
        r = await self.http.get("/me/follows", headers=self.headers)
        assert r.status_code == 200, r.text
        return {f["target_id"] for f in r.json()}

    async def inbox(self) -> dict[str, Any]:
        r = await self.http.get("/me/notifications", headers=self.headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


async def identity_knows(http: httpx.AsyncClient, person: Person, caused_by: str) -> None:
    """The identity worker has applied the status change the ideas service derived from this
    event (its id is derived from the cause), so what comes after it on the topic is after it."""
    change = str(derived_id(uuid.UUID(caused_by), "idea.status_changed"))
    await eventually(lambda: http.get("/me/follows", params={"wait_for": change},
                                      headers=person.headers),
                     lambda r: r.status_code == 200, timeout=60,
                     what="the idea's status in the identity service")


async def pending_idea(client: IdeasClient, campaign_id: str, title: str) -> str:
    return await client.submit(campaign_id, client.participant("author"), title)


async def test_a_follower_gets_exactly_one_email_per_trigger_across_a_restart_and_a_replay(
    stack: Stack, infra: Settings, http: httpx.AsyncClient, token: Callable[..., str],
    pool: asyncpg.Pool, uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    campaign = await client.campaign(moderation="pre")
    follower = Person(http, token, "follower", uid)
    await follower.profile()
    await follower.choose("immediately")
    ideas = [await pending_idea(client, campaign, f"Benches by the canal {uid} {n}")
             for n in range(3)]
    for idea_id in ideas:
        await follower.follow(idea_id)

    await client.decide(ideas[0], "approve", "fits the question")
    [first] = await wait_mails(follower.address, 1, "the first approval's e-mail")
    assert first["Subject"] == f"En idé, du følger, er godkendt: Benches by the canal {uid} 0"
    assert first["Content-Language"] == "da"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe?token=" in first["List-Unsubscribe"]
    assert f"/i/{ideas[0]}" in first.get_content()

    # the worker stops and starts again: what it sent stays sent
    stack.stop_process("identity")
    stack.restart("identity")
    stack.wait_ready(names=("identity",))
    await client.decide(ideas[1], "approve", "fits the question")
    await wait_mails(follower.address, 2, "the second approval's e-mail")

    # the topics are replayed into fresh tables: the inbox comes back, no e-mail goes again
    stack.stop_process("identity")
    out, err = io.StringIO(), io.StringIO()
    assert await replay(infra, "identity", confirmed=True, force=True, out=out, err=err) == 0, \
        err.getvalue()
    assert "keep erasures, mail_deliveries, notification_reads, participants" in out.getvalue()
    assert await pool.fetchval("SELECT count(*) FROM identity.notifications") == 0
    stack.restart("identity")
    stack.wait_ready(names=("identity",))
    await eventually(follower.inbox, lambda b: len(b["notifications"]) == 2,
                     what="the inbox rebuilt from the topics")
    await client.decide(ideas[2], "approve", "fits the question")
    # mailed after every earlier notification: had the replay sent one again, it would be here
    mails = await wait_mails(follower.address, 3, "the third approval's e-mail")
    assert len(mails) == 3
    assert sorted(m["Subject"][-1] for m in mails) == ["0", "1", "2"]
    assert not list(sink().glob("*~*.eml")), "a message reached the SMTP server twice"
    states = await pool.fetch("SELECT state FROM identity.mail_deliveries"
                              " WHERE participant_id = $1", follower.sub)
    assert [r["state"] for r in states] == ["sent"] * 3


async def test_a_daily_digest_groups_the_days_events_into_one_email(
    stack: Stack, infra: Settings, http: httpx.AsyncClient, token: Callable[..., str],
    pool: asyncpg.Pool, uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    campaign = await client.campaign(moderation="pre")
    reader = Person(http, token, "reader", uid)  # no choice made: a daily digest
    await reader.profile()
    assert (await reader.preference())["email"] == "daily"
    ideas = [await pending_idea(client, campaign, f"Longer library hours {uid} {n}")
             for n in range(2)]
    for idea_id in ideas:
        await reader.follow(idea_id)
    for idea_id in ideas:
        await client.decide(idea_id, "approve", "fits the question")
    await eventually(reader.inbox, lambda b: b["unread"] == 2, what="both in the inbox")

    settings = MailSettings()
    today = datetime.now(UTC).astimezone(ZoneInfo(settings.notify_timezone)).date()
    assert await send_digests(infra, settings, EmailFrequency.DAILY,
                              today + timedelta(days=1)) >= 1
    [digest] = mails_to(reader.address)
    assert digest["Subject"] == "Nyt fra idéstormen (2)"
    body = digest.get_content()
    assert f"Longer library hours {uid} 0" in body and f"Longer library hours {uid} 1" in body
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the same period again (the worker's timer, a second command): nothing new is sent
    await send_digests(infra, settings, EmailFrequency.DAILY, today + timedelta(days=1))
    assert len(mails_to(reader.address)) == 1
    # the day before has nothing for this person
    await send_digests(infra, settings, EmailFrequency.DAILY, today)
    assert len(mails_to(reader.address)) == 1


async def test_one_click_unsubscribe_stops_email_and_keeps_the_inbox(
    stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    campaign = await client.campaign(moderation="pre")
    leaver, control = (Person(http, token, n, uid) for n in ("leaver", "control"))
    for p in (leaver, control):
        await p.profile()
        await p.choose("immediately", "en")
    ideas = [await pending_idea(client, campaign, f"Quiet carriages {uid} {n}")
             for n in range(2)]
    for p in (leaver, control):
        for idea_id in ideas:
            await p.follow(idea_id)
    await client.decide(ideas[0], "approve", "fits the question")
    [mail] = await wait_mails(leaver.address, 1, "the leaver's first e-mail")
    assert mail["Content-Language"] == "en"
    assert mail["Subject"].startswith("An idea you follow was approved")

    link = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"])
    assert link is not None
    url = httpx.URL(link.group(1))
    signed = url.params["token"]
    forged = url.copy_set_param("token", signed[:-1] + ("1" if signed.endswith("0") else "0"))
    r = await http.post(forged.raw_path.decode(), content=b"List-Unsubscribe=One-Click",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "bad_unsubscribe_token"
    # RFC 8058: a POST to the link with this body, no session, no cookie
    r = await http.post(url.raw_path.decode(), content=b"List-Unsubscribe=One-Click",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 202, r.text
    await eventually(leaver.preference, lambda p: p["email"] == "never",
                     what="the unsubscribe applied")

    await client.decide(ideas[1], "approve", "fits the question")
    await wait_mails(control.address, 2, "the control follower's second e-mail")
    assert len(mails_to(leaver.address)) == 1
    inbox = await leaver.inbox()
    assert inbox["unread"] == 2  # the inbox still has both


async def test_an_erased_person_gets_nothing_more_and_their_inbox_is_gone(
    stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], pool: asyncpg.Pool,
    uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    campaign = await client.campaign(moderation="pre")
    gone, control = (Person(http, token, n, uid) for n in ("gone", "witness"))
    for p in (gone, control):
        await p.profile()
        await p.choose("immediately")
    ideas = [await pending_idea(client, campaign, f"Bike lanes {uid} {n}") for n in range(2)]
    for p in (gone, control):
        for idea_id in ideas:
            await p.follow(idea_id)
    await client.decide(ideas[0], "approve", "fits the question")
    await wait_mails(gone.address, 1, "the first e-mail before erasure")
    assert (await gone.inbox())["unread"] == 1

    r = await http.delete("/me", headers=gone.headers)
    assert r.status_code == 202, r.text
    await eventually(lambda: pool.fetchval(
        "SELECT count(*) FROM identity.notifications WHERE participant_id = $1", gone.sub),
        lambda n: n == 0, what="the erased person's inbox deleted")
    assert await pool.fetchval("SELECT count(*) FROM identity.follows"
                               " WHERE participant_id = $1", gone.sub) == 0

    await client.decide(ideas[1], "approve", "fits the question")
    await wait_mails(control.address, 2, "the witness's second e-mail")
    assert len(mails_to(gone.address)) == 1
    assert (await gone.inbox()) == {"unread": 0, "notifications": []}
    assert await pool.fetchval("SELECT count(*) FROM identity.notifications"
                               " WHERE participant_id = $1", gone.sub) == 0


async def test_a_campaign_follower_hears_it_open_and_close_with_its_results(
    stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], uid: str,
) -> None:
    client = IdeasClient(http, token, uid)
    # the ideas service's clock opens and closes it (campaign.opened / campaign.closed)
    campaign = await client.campaign(opens=timedelta(seconds=4), closes=timedelta(seconds=8))
    watcher = Person(http, token, "watcher", uid)
    r = await http.put(f"/campaigns/{campaign}/follow", headers=watcher.headers)
    assert r.status_code == 202, r.text
    await eventually(watcher.follows, lambda f: campaign in f, what="the campaign followed")
    inbox = await eventually(watcher.inbox, lambda b: len(b["notifications"]) == 2, timeout=60,
                             what="opened and closed")
    kinds = [(n["kind"], n["link"]) for n in reversed(inbox["notifications"])]
    assert kinds == [("campaign_opened", f"/c/{campaign}"),
                     ("campaign_closed", f"/c/{campaign}/results")]
    assert {n["campaign_name"] for n in inbox["notifications"]} == {
        f"Shorter waiting times {uid}"}

    r = await http.post("/me/notifications/read", headers=watcher.headers, json={
        "notification_ids": [inbox["notifications"][0]["notification_id"]]})
    assert r.json() == {"marked": 1, "unread": 1}
    r = await http.post("/me/notifications/read", headers=watcher.headers, json={})
    assert r.json() == {"marked": 1, "unread": 0}


async def test_answers_adoptions_milestones_and_replies_reach_who_they_concern(
    stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], producer: EventProducer,
    uid: str,
) -> None:
    """The events the answers, plan and comments services publish, as they publish them."""
    client = IdeasClient(http, token, uid)
    campaign = await client.campaign(moderation="post")
    author = Person(http, token, "writer", uid)
    ids = []
    for title in (f"A repair café {uid}", f"A secret idea {uid}"):
        r = await http.post(f"/campaigns/{campaign}/ideas", headers=author.headers,
                            json={"title": title, "body": "Details follow."})
        assert r.status_code == 202, r.text
        ids.append(r.json()["idea_id"])
        await identity_knows(http, author, r.json()["event_id"])
    idea_id, hidden_id = ids
    hide = await client.decide(hidden_id, "hide", "personal data in the text")
    await identity_knows(http, author, hide.json()["event_id"])
    fan, stopper = Person(http, token, "fan", uid), Person(http, token, "stopper", uid)
    for p in (fan, stopper):
        await p.follow(idea_id)
        await p.follow(hidden_id)
    r = await http.delete(f"/ideas/{idea_id}/follow", headers=stopper.headers)
    assert r.status_code == 202, r.text
    await eventually(stopper.follows, lambda f: idea_id not in f, what="stopped following")

    staff, initiative = "planner-x", uuid.uuid4()
    events = [
        IdeaAnswered(idea_id=uuid.UUID(idea_id), campaign_id=uuid.UUID(campaign),
                     state=AnswerState.TAKEN_FORWARD, reason="The library will host it"),
        IdeaAnswered(idea_id=uuid.UUID(hidden_id), campaign_id=uuid.UUID(campaign),
                     state=AnswerState.NOT_TAKEN_FORWARD, reason="Not a municipal task"),
        IdeaAdopted(initiative_id=initiative, idea_id=uuid.UUID(idea_id), decided_by=staff),
        MilestoneCompleted(initiative_id=initiative, milestone_id="M1",
                           completed_on=datetime.now(UTC).date()),
        CommentStatusChanged(comment_id=uuid.uuid4(), idea_id=uuid.UUID(idea_id),
                             campaign_id=uuid.UUID(campaign), status=CommentStatus.PUBLISHED,
                             previous=CommentStatus.PENDING, parent_id=uuid.uuid4(),
                             author=fan.sub, parent_author=author.sub),
    ]
    for payload in events:
        await producer.publish(Envelope.wrap(payload, actor=staff))

    # counted in the list, not by `unread`: the list and the count are two reads, and a
    # notification may arrive between them
    got = await eventually(fan.inbox, lambda b: len(b["notifications"]) == 3, timeout=60,
                           what="the fan's three")
    assert sorted(n["kind"] for n in got["notifications"]) == [
        "idea_adopted", "idea_answered", "milestone_reached"]
    answered = next(n for n in got["notifications"] if n["kind"] == "idea_answered")
    assert (answered["state"], answered["reason"]) == ("taken_forward",
                                                       "The library will host it")
    assert answered["title"] == f"A repair café {uid}"
    mine = await eventually(author.inbox, lambda b: len(b["notifications"]) == 5, timeout=60,
                            what="the author's five")
    kinds = sorted(n["kind"] for n in mine["notifications"])
    assert kinds == ["comment_reply", "idea_adopted", "idea_answered", "idea_answered",
                     "milestone_reached"]
    # the hidden idea's answer reached only its author, who sees its title
    secret = [n for n in mine["notifications"] if n["idea_id"] == hidden_id]
    assert [n["title"] for n in secret] == [f"A secret idea {uid}"]
    # the fan's inbox shows nothing of the hidden idea; the one who stopped following hears of
    # neither (the hidden idea's answer is not theirs to hear either)
    assert all(n["idea_id"] != hidden_id for n in got["notifications"])
    assert (await stopper.inbox())["notifications"] == []
