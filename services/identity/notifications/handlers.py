"""The notifications projection: one handler per message type, applied batch by batch.

Ideas, campaigns and follows are applied first (so an approval in the same batch as the idea's
submission reaches its author), then the triggers, each making one inbox row per (event,
recipient) with an id derived from both (`domain.notification_id`): a redelivered, re-published
or replayed event makes the same rows, which are kept once. Erasure goes last.

A trigger reaches those who followed its target when it happened (`since` <= its time). Follows
and triggers are on different partitions (a follow is keyed by the person, a status change by
the idea), so a replay may apply a trigger before the follow that preceded it: each trigger is
kept (`identity.triggers`), and a follow applied later catches up with the triggers since it
began (`Batch.catch_up`). Replaying the topics therefore gives the same inboxes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from schemas import topics
from schemas.campaigns import CampaignChanged, CampaignClosed, CampaignCreated, CampaignOpened
from schemas.comments import CommentStatus, CommentStatusChanged
from schemas.ideas import IdeaSubmitted
from schemas.identity import ParticipantErased
from schemas.moderation import IdeaStatusChanged
from schemas.participation import FollowChanged, IdeaAnswered, NotificationPreferencesChanged
from schemas.plan import IdeaAdopted, MilestoneCompleted
from schemas.votes import VoteCast
from services.identity import domain
from services.identity.notifications.projections import NotifyStore
from services.infra.consumer import Message, Outcome


class Batch:
    def __init__(self, store: NotifyStore) -> None:
        self.store = store
        self.rows: list[dict[str, Any]] = []  # the inbox rows, before the recipients' choices
        self.triggers: list[dict[str, Any]] = []
        self.began: list[tuple[str, str, uuid.UUID]] = []  # follows that began in this batch

    def tell(self, cause: uuid.UUID, occurred_at: datetime, recipients: Iterable[str],
             kind: str, **about: Any) -> None:
        for person in sorted(recipients):
            nid = domain.notification_id(cause, person)
            self.rows.append({"notification_id": nid, "mail_id": domain.mail_id(nid),
                              "participant_id": person, "kind": kind, "cause_id": cause,
                              "occurred_at": occurred_at, **about})

    async def tell_followers(self, m: Message, target: str, target_id: uuid.UUID,
                             audience: str, author: str | None, kind: str,
                             **about: Any) -> None:
        """Tell who may hear it now, and keep it for a follow applied after it (a replay)."""
        at = m.envelope.occurred_at
        followers = await self.store.followers(target, target_id, at)
        self.tell(m.envelope.event_id, at, domain.recipients(audience, followers, author), kind,
                  **about)
        self.triggers.append({"event_id": m.envelope.event_id, "target": target,
                              "target_id": target_id, "audience": audience, "kind": kind,
                              "occurred_at": at, **about})

    async def tell_idea(self, m: Message, idea_id: uuid.UUID, kind: str, **about: Any) -> None:
        idea = (await self.store.ideas([idea_id])).get(idea_id, {})
        await self.tell_followers(m, "idea", idea_id, domain.idea_audience(idea.get("status"),
                                                                           kind),
                                  idea.get("author"), kind, idea_id=idea_id,
                                  campaign_id=idea.get("campaign_id"), **about)

    async def catch_up(self) -> None:
        """A follow that began in this batch hears what happened to its target since it began
        (only what was applied before it, in a replay; nothing, in the ordinary course)."""
        await self.store.record_triggers(self.triggers)
        if not self.began:
            return
        for t in await self.store.triggers_since_follows(list(dict.fromkeys(self.began))):
            person, cause = t.pop("participant_id"), t.pop("event_id")
            at, kind = t.pop("occurred_at"), t.pop("kind")
            self.tell(cause, at, [person], kind, **t)


Handler = Callable[[Batch, Message], Awaitable[None]]


async def campaign_named(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, CampaignCreated | CampaignChanged)
    await b.store.campaign(p.campaign_id, p.title)


async def idea_submitted(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, IdeaSubmitted)
    await b.store.idea_author(p.idea_id, p.campaign_id, m.envelope.actor)
    began = await b.store.follow_by_default("author", [(m.envelope.actor, p.idea_id,
                                                        m.envelope.occurred_at)])
    b.began += [(person, "idea", idea_id) for person, idea_id, _ in began]


async def follow_changed(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, FollowChanged)
    await b.store.follow([(p.participant_id, p.target.value, p.target_id, p.following,
                           m.envelope.occurred_at)])
    if p.following:
        b.began.append((p.participant_id, p.target.value, p.target_id))


async def preferences_changed(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, NotificationPreferencesChanged)
    await b.store.set_preference(p.participant_id, p.email.value, m.envelope.occurred_at)


async def status_changed(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, IdeaStatusChanged)
    await b.store.idea_status(p.idea_id, p.campaign_id, p.status.value, p.sealed)
    kind = domain.status_kind(p.status, p.previous)
    if kind is not None:
        await b.tell_idea(m, p.idea_id, kind, reason=p.reason, link_id=p.merged_into)


async def answered(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, IdeaAnswered)
    if p.initiative_id is not None:
        await b.store.idea_initiative(p.idea_id, p.initiative_id)
    await b.tell_idea(m, p.idea_id, domain.IDEA_ANSWERED, state=p.state.value, reason=p.reason,
                      link_id=p.initiative_id)


async def adopted(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, IdeaAdopted)
    await b.store.idea_initiative(p.idea_id, p.initiative_id)
    await b.tell_idea(m, p.idea_id, domain.IDEA_ADOPTED, reason=p.note, link_id=p.initiative_id)


async def milestone(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, MilestoneCompleted)
    for idea_id in await b.store.ideas_of_initiative(p.initiative_id):
        await b.tell_idea(m, idea_id, domain.MILESTONE_REACHED, state=p.milestone_id,
                          reason=p.note, link_id=p.initiative_id)


async def comment_changed(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, CommentStatusChanged)
    if p.status is not CommentStatus.PUBLISHED or p.previous is CommentStatus.PUBLISHED:
        return
    person = domain.reply_recipient(p.author, p.parent_author)
    if person is not None:
        b.tell(m.envelope.event_id, m.envelope.occurred_at, [person], domain.COMMENT_REPLY,
               idea_id=p.idea_id, campaign_id=p.campaign_id, link_id=p.comment_id)


async def campaign_transition(b: Batch, m: Message) -> None:
    p = m.payload
    assert isinstance(p, CampaignOpened | CampaignClosed)
    kind = domain.CAMPAIGN_OPENED if isinstance(p, CampaignOpened) else domain.CAMPAIGN_CLOSED
    await b.tell_followers(m, "campaign", p.campaign_id, domain.FOLLOWERS, None, kind,
                           campaign_id=p.campaign_id)


# The order matters: what the triggers look up is stored first; erasure last.
FIRST: dict[type, Handler] = {
    CampaignCreated: campaign_named,
    CampaignChanged: campaign_named,
    IdeaSubmitted: idea_submitted,
    FollowChanged: follow_changed,
    NotificationPreferencesChanged: preferences_changed,
}
TRIGGERS: dict[type, Handler] = {
    IdeaStatusChanged: status_changed,
    IdeaAnswered: answered,
    IdeaAdopted: adopted,
    MilestoneCompleted: milestone,
    CommentStatusChanged: comment_changed,
    CampaignOpened: campaign_transition,
    CampaignClosed: campaign_transition,
}


class NotifyProjection:
    """Follows, e-mail choices and inboxes in the `identity` schema."""

    name = "identity-notifications"
    schema = "identity"
    dedupe = True
    topics: Sequence[str] = (topics.STATUS.name, topics.IDEAS_SUBMISSIONS.name,
                             topics.VOTES.name)

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        b = Batch(NotifyStore(conn))
        votes = [(m.payload.voter_id, m.payload.idea_id, m.envelope.occurred_at)
                 for m in messages if isinstance(m.payload, VoteCast)]
        began = await b.store.follow_by_default("voter", votes)
        b.began += [(person, "idea", idea_id) for person, idea_id, _ in began]
        for m in messages:  # in order: a follow and its stop in one batch end as the log says
            first = FIRST.get(type(m.payload))
            if first is not None:
                await first(b, m)
        for m in messages:
            trigger = TRIGGERS.get(type(m.payload))
            if trigger is not None:
                await trigger(b, m)
        erased = [m.payload.participant_id for m in messages
                  if isinstance(m.payload, ParticipantErased)]
        await b.catch_up()
        await self._store(b)
        if erased:
            await b.store.erase(erased)
        return Outcome()

    async def _store(self, b: Batch) -> None:
        if not b.rows:
            return
        choices, erased = await b.store.email_choices(
            sorted({r["participant_id"] for r in b.rows}))
        rows = [{**r, "mail": domain.email_frequency(choices.get(r["participant_id"])).value}
                for r in b.rows if r["participant_id"] not in erased]
        await b.store.add_notifications(rows)
