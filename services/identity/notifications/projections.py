"""All SQL the notifications write with: the read model of the topics, read marks and the
record of e-mails sent."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from schemas.common import Sealed


class NotifyStore:
    """The notifications' read model, written in the projection's transaction."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def follow(self, rows: Sequence[tuple[str, str, uuid.UUID, bool, datetime]]) -> None:
        """Explicit follows and stops: the last one wins."""
        if rows:
            await self.conn.executemany(
                "INSERT INTO identity.follows AS f (participant_id, target, target_id, following,"
                " source, since) VALUES ($1, $2, $3, $4, 'explicit', $5)"
                " ON CONFLICT (participant_id, target, target_id) DO UPDATE SET"
                " following = excluded.following, source = 'explicit', since = excluded.since",
                rows)

    async def follow_by_default(self, source: str, rows: Sequence[tuple[str, uuid.UUID, datetime]]
                                ) -> list[tuple[str, uuid.UUID, datetime]]:
        """Authors and voters follow an idea, unless they already follow it or stopped; the
        follows that began here."""
        if not rows:
            return []
        began = await self.conn.fetch(
            "INSERT INTO identity.follows (participant_id, target, target_id, following,"
            " source, since) SELECT DISTINCT ON (p, t) p, 'idea', t, true, $1, s"
            " FROM unnest($2::text[], $3::uuid[], $4::timestamptz[]) AS x(p, t, s)"
            " ORDER BY p, t, s ON CONFLICT DO NOTHING RETURNING participant_id, target_id, since",
            source, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
        return [(r["participant_id"], r["target_id"], r["since"]) for r in began]

    async def record_triggers(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.conn.executemany(
                "INSERT INTO identity.triggers (event_id, target, target_id, audience,"
                " kind, occurred_at, idea_id, campaign_id, link_id, state, reason)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                " ON CONFLICT DO NOTHING",
                [(r["event_id"], r["target"], r["target_id"], r["audience"], r["kind"],
                  r["occurred_at"], r.get("idea_id"), r.get("campaign_id"),
                  r.get("link_id"), r.get("state"), r.get("reason")) for r in rows])

    async def triggers_since_follows(self, follows: Sequence[tuple[str, str, uuid.UUID]]
                                     ) -> list[dict[str, Any]]:
        """For each of these (person, target, id) that the person follows: what was told about
        the target since they began to, that they may hear (`audience`)."""
        rows = await self.conn.fetch(
            "SELECT f.participant_id, t.event_id, t.kind, t.occurred_at, t.idea_id,"
            " t.campaign_id, t.link_id, t.state, t.reason"
            " FROM unnest($1::text[], $2::text[], $3::uuid[]) AS x(p, tg, id)"
            " JOIN identity.follows f ON f.participant_id = x.p AND f.target = x.tg"
            "  AND f.target_id = x.id AND f.following"
            " JOIN identity.triggers t ON t.target = f.target AND t.target_id = f.target_id"
            "  AND t.occurred_at >= f.since"
            " LEFT JOIN identity.ideas i ON i.idea_id = t.idea_id"
            " WHERE t.audience = 'followers' OR i.author = f.participant_id"
            " ORDER BY t.occurred_at, t.event_id, f.participant_id",
            [f[0] for f in follows], [f[1] for f in follows], [f[2] for f in follows])
        return [dict(r) for r in rows]

    async def set_preference(self, participant_id: str, email: str, at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO identity.preferences (participant_id, email, changed_at)"
            " VALUES ($1, $2, $3) ON CONFLICT (participant_id) DO UPDATE SET"
            " email = excluded.email, changed_at = excluded.changed_at", participant_id, email, at)

    async def idea_author(self, idea_id: uuid.UUID, campaign_id: uuid.UUID, author: str) -> None:
        await self.conn.execute(
            "INSERT INTO identity.ideas (idea_id, campaign_id, author) VALUES ($1, $2, $3)"
            " ON CONFLICT (idea_id) DO UPDATE SET author = excluded.author,"
            " campaign_id = excluded.campaign_id", idea_id, campaign_id, author)

    async def idea_status(self, idea_id: uuid.UUID, campaign_id: uuid.UUID, status: str,
                          sealed: Sealed | None) -> None:
        await self.conn.execute(
            "INSERT INTO identity.ideas AS i (idea_id, campaign_id, status, sealed)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (idea_id) DO UPDATE SET"
            " status = excluded.status, campaign_id = excluded.campaign_id,"
            " sealed = coalesce(excluded.sealed, i.sealed)",
            idea_id, campaign_id, status, sealed.model_dump(mode="json") if sealed else None)

    async def idea_initiative(self, idea_id: uuid.UUID, initiative_id: uuid.UUID) -> None:
        await self.conn.execute(
            "INSERT INTO identity.ideas AS i (idea_id, initiative_id) VALUES ($1, $2)"
            " ON CONFLICT (idea_id) DO UPDATE SET initiative_id = excluded.initiative_id",
            idea_id, initiative_id)

    async def campaign(self, campaign_id: uuid.UUID, name: str) -> None:
        await self.conn.execute(
            "INSERT INTO identity.campaigns (campaign_id, name) VALUES ($1, $2)"
            " ON CONFLICT (campaign_id) DO UPDATE SET name = excluded.name", campaign_id, name)

    async def ideas(self, idea_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT idea_id, campaign_id, author, status FROM identity.ideas"
            " WHERE idea_id = ANY($1::uuid[])", list(idea_ids))
        return {r["idea_id"]: dict(r) for r in rows}

    async def ideas_of_initiative(self, initiative_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.conn.fetch(
            "SELECT idea_id FROM identity.ideas WHERE initiative_id = $1 ORDER BY idea_id",
            initiative_id)
        return [r["idea_id"] for r in rows]

    async def followers(self, target: str, target_id: uuid.UUID, at: datetime) -> list[str]:
        """Who followed the target when something happened to it (`at`)."""
        rows = await self.conn.fetch(
            "SELECT participant_id FROM identity.follows WHERE target = $1 AND target_id = $2"
            " AND following AND since <= $3 ORDER BY participant_id", target, target_id, at)
        return [r["participant_id"] for r in rows]

    async def email_choices(self, participant_ids: Sequence[str]) -> tuple[dict[str, str],
                                                                           set[str]]:
        """(stored e-mail choice, erased people) of these people."""
        prefs = await self.conn.fetch(
            "SELECT participant_id, email FROM identity.preferences"
            " WHERE participant_id = ANY($1::text[])", list(participant_ids))
        erased = await self.conn.fetch(
            "SELECT participant_id FROM identity.erasures WHERE participant_id = ANY($1::text[])",
            list(participant_ids))
        return ({r["participant_id"]: r["email"] for r in prefs},
                {r["participant_id"] for r in erased})

    async def add_notifications(self, rows: Sequence[dict[str, Any]]) -> None:
        """The inbox rows, in one statement; a row already there (same id) stays as it is."""
        if not rows:
            return
        cols = ("notification_id", "participant_id", "kind", "cause_id", "occurred_at",
                "idea_id", "campaign_id", "link_id", "state", "reason", "mail", "mail_id")
        await self.conn.execute(
            "INSERT INTO identity.notifications (notification_id, participant_id, kind,"
            " cause_id, occurred_at, idea_id, campaign_id, link_id, state, reason, mail,"
            " mail_id) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[],"
            " $5::timestamptz[], $6::uuid[], $7::uuid[], $8::uuid[], $9::text[], $10::text[],"
            " $11::text[], $12::uuid[]) ON CONFLICT (notification_id) DO NOTHING",
            *([r.get(c) for r in rows] for c in cols))

    async def erase(self, participant_ids: Sequence[str]) -> None:
        """Everything of the notifications about these people: follows, choices, inbox, read
        marks and the record of their mail (nothing is sent to them any more)."""
        for table in ("follows", "preferences", "notifications", "notification_reads",
                      "mail_deliveries"):
            await self.conn.execute(
                f"DELETE FROM identity.{table} WHERE participant_id = ANY($1::text[])",
                list(participant_ids))


async def mark_read(pool: asyncpg.Pool, participant_id: str,
                    notification_ids: Sequence[uuid.UUID] | None) -> int:
    """Mark the person's notifications read (these, or all); how many were marked now."""
    status = await pool.execute(
        "INSERT INTO identity.notification_reads (notification_id, participant_id)"
        " SELECT notification_id, participant_id FROM identity.notifications"
        " WHERE participant_id = $1 AND ($2::uuid[] IS NULL OR notification_id = ANY($2::uuid[]))"
        " ON CONFLICT DO NOTHING", participant_id,
        list(notification_ids) if notification_ids is not None else None)
    return int(status.split()[-1])


async def set_language(pool: asyncpg.Pool, participant_id: str, language: str) -> None:
    await pool.execute("UPDATE identity.participants SET language = $2 WHERE participant_id = $1",
                       participant_id, language)


async def claim_mail(pool: asyncpg.Pool, mail_id: uuid.UUID, participant_id: str,
                     kind: str) -> bool:
    """Record that this e-mail is being sent, committed before it is; False if it already was
    (sent, being sent, or lost in a crash: never sent again)."""
    status = await pool.execute(
        "INSERT INTO identity.mail_deliveries (mail_id, participant_id, kind)"
        " SELECT $1, $2, $3 WHERE NOT EXISTS"
        " (SELECT 1 FROM identity.erasures WHERE participant_id = $2)"
        " ON CONFLICT (mail_id) DO NOTHING", mail_id, participant_id, kind)
    return bool(status == "INSERT 0 1")


async def mail_sent(pool: asyncpg.Pool, mail_id: uuid.UUID) -> None:
    await pool.execute("UPDATE identity.mail_deliveries SET state = 'sent', sent_at = now()"
                       " WHERE mail_id = $1", mail_id)


async def mail_failed(pool: asyncpg.Pool, mail_id: uuid.UUID, error: str, *,
                      retry: bool) -> None:
    """A send that failed: released to be tried again when the server surely did not take it
    (`retry`), else kept as failed (it may have arrived: at most once)."""
    if retry:
        await pool.execute("DELETE FROM identity.mail_deliveries WHERE mail_id = $1"
                           " AND state = 'claimed'", mail_id)
    else:
        await pool.execute("UPDATE identity.mail_deliveries SET state = 'failed', error = $2"
                           " WHERE mail_id = $1", mail_id, error[:500])
