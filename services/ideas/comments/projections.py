"""All SQL the ideas projection writes about comments (the schema is a parameter, as in
`services/ideas/projections.py`, so a replay can fill a copy)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from schemas.campaigns import ModerationMode
from schemas.comments import (
    CommentDecided,
    CommentDecision,
    CommentFlagged,
    CommentHiddenByFlags,
    CommentPosted,
    CommentStatus,
    CommentText,
)
from schemas.ideas import NoteText, TextFields
from services.ideas.comments.domain import (
    CommentFact,
    CommentFactKind,
    CommentState,
    initial_comment_status,
)
from services.infra.consumer import Message
from services.infra.vault import ERASED


@dataclass(frozen=True)
class CommentHead:
    """What the fold needs about a comment, and what it found last time."""

    comment_id: uuid.UUID
    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    parent_id: uuid.UUID | None
    author: str
    parent_author: str | None
    status: CommentStatus
    status_cause: uuid.UUID
    moderation: ModerationMode
    flag_threshold: int


@dataclass(frozen=True)
class KnownComment:
    comment_id: uuid.UUID
    idea_id: uuid.UUID
    parent_id: uuid.UUID | None
    author: str


class CommentsStore:
    def __init__(self, conn: asyncpg.Connection, schema: str = "ideas") -> None:
        self.conn = conn
        self.s = schema

    async def known(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, KnownComment]:
        rows = await self.conn.fetch(
            f"SELECT comment_id, idea_id, parent_id, author FROM {self.s}.comments"
            " WHERE comment_id = ANY($1::uuid[])", list(set(ids)))
        return {r["comment_id"]: KnownComment(r["comment_id"], r["idea_id"], r["parent_id"],
                                              r["author"]) for r in rows}

    async def insert(self, messages: Sequence[Message], moderation: dict[uuid.UUID, ModerationMode],
                     texts: dict[uuid.UUID, TextFields | None]) -> set[uuid.UUID]:
        """Insert new comments at the status their campaign starts them in; the ids inserted.
        `moderation`: each idea's campaign's moderation mode."""
        rows: list[tuple[Any, ...]] = []
        for m in messages:
            p = m.payload
            assert isinstance(p, CommentPosted)
            text = texts.get(m.envelope.event_id)
            body = text.body if isinstance(text, CommentText) else ERASED
            status = initial_comment_status(moderation[p.idea_id])
            env = m.envelope
            rows.append((p.comment_id, p.idea_id, p.campaign_id, p.parent_id, env.actor, body,
                         env.event_id, env.occurred_at, status.value))
        inserted = await self.conn.fetch(
            f"INSERT INTO {self.s}.comments (comment_id, idea_id, campaign_id, parent_id, author,"
            " body, event_id, posted_at, status, status_by, status_at, status_cause)"
            " SELECT c, i, k, p, a, b, e, t, s, a, t, e FROM unnest($1::uuid[], $2::uuid[],"
            " $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[],"
            " $9::text[]) AS r(c, i, k, p, a, b, e, t, s)"
            " ON CONFLICT DO NOTHING RETURNING comment_id",
            *([list(col) for col in zip(*rows, strict=True)] if rows else [[]] * 9))
        return {r["comment_id"] for r in inserted}

    async def ideas_moderation(self, ids: Iterable[uuid.UUID]
                               ) -> dict[uuid.UUID, ModerationMode]:
        """The moderation mode of each known idea's campaign."""
        rows = await self.conn.fetch(
            f"SELECT i.idea_id, c.moderation FROM {self.s}.ideas i"
            f" JOIN {self.s}.campaigns c USING (campaign_id) WHERE i.idea_id = ANY($1::uuid[])",
            list(set(ids)))
        return {r["idea_id"]: ModerationMode(r["moderation"]) for r in rows}

    async def flaggers(self, ids: Iterable[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
        rows = await self.conn.fetch(
            f"SELECT comment_id, flagger FROM {self.s}.comment_flags"
            " WHERE comment_id = ANY($1::uuid[])", list(set(ids)))
        return {(r["comment_id"], r["flagger"]) for r in rows}

    async def add_flags(self, messages: Sequence[Message],
                        texts: dict[uuid.UUID, TextFields | None]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, CommentFlagged)
            text = texts.get(m.envelope.event_id)
            note = text.note if isinstance(text, NoteText) else None
            rows.append((p.comment_id, m.envelope.actor, m.envelope.event_id, p.reason.value,
                         note, m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.comment_flags (comment_id, flagger, event_id, reason, note,"
            " flagged_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", rows)

    async def add_decisions(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, CommentDecided)
            rows.append((m.envelope.event_id, p.comment_id, p.idea_id, p.campaign_id,
                         m.envelope.actor, p.decision.value, p.reason, m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.comment_decisions (event_id, comment_id, idea_id, campaign_id,"
            " moderator, decision, reason, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT DO NOTHING", rows)

    async def add_withdrawals(self, messages: Sequence[Message]) -> None:
        await self.conn.executemany(
            f"INSERT INTO {self.s}.comment_withdrawals (event_id, comment_id, actor, withdrawn_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            [(m.envelope.event_id, m.payload.comment_id, m.envelope.actor,  # type: ignore[attr-defined]
              m.envelope.occurred_at) for m in messages])

    async def add_auto_hides(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, CommentHiddenByFlags)
            rows.append((m.envelope.event_id, p.comment_id, p.idea_id, p.campaign_id,
                         m.envelope.actor, list(p.flaggers), p.threshold,
                         m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.comment_auto_hides (event_id, comment_id, idea_id, campaign_id,"
            " actor, flaggers, threshold, hidden_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT DO NOTHING", rows)

    async def heads_and_facts(self, ids: Iterable[uuid.UUID]
                              ) -> tuple[list[CommentHead], dict[uuid.UUID, list[CommentFact]]]:
        """The comments among `ids` that exist, each with every fact about it."""
        wanted = list(set(ids))
        heads = [CommentHead(
            r["comment_id"], r["idea_id"], r["campaign_id"], r["parent_id"], r["author"],
            r["parent_author"], CommentStatus(r["status"]), r["status_cause"],
            ModerationMode(r["moderation"]), r["flag_threshold"]) for r in await self.conn.fetch(
            f"SELECT c.comment_id, c.idea_id, c.campaign_id, c.parent_id, c.author, c.status,"
            f" c.status_cause, k.moderation, k.flag_threshold, p.author AS parent_author"
            f" FROM {self.s}.comments c JOIN {self.s}.campaigns k USING (campaign_id)"
            f" LEFT JOIN {self.s}.comments p ON p.comment_id = c.parent_id"
            " WHERE c.comment_id = ANY($1::uuid[]) ORDER BY c.comment_id", wanted)]
        facts: dict[uuid.UUID, list[CommentFact]] = {h.comment_id: [] for h in heads}
        for r in await self.conn.fetch(
                "SELECT 'posted' AS kind, comment_id, event_id, posted_at AS at, author AS actor,"
                f" NULL AS decision, NULL AS reason FROM {self.s}.comments"
                " WHERE comment_id = ANY($1::uuid[])"
                " UNION ALL SELECT 'flagged', comment_id, event_id, flagged_at, flagger, NULL, NULL"
                f" FROM {self.s}.comment_flags WHERE comment_id = ANY($1::uuid[])"
                " UNION ALL SELECT 'decided', comment_id, event_id, decided_at, moderator,"
                f" decision, reason FROM {self.s}.comment_decisions"
                " WHERE comment_id = ANY($1::uuid[])"
                " UNION ALL SELECT 'withdrawn', comment_id, event_id, withdrawn_at, actor, NULL,"
                f" NULL FROM {self.s}.comment_withdrawals WHERE comment_id = ANY($1::uuid[])",
                [h.comment_id for h in heads]):
            facts[r["comment_id"]].append(CommentFact(
                CommentFactKind(r["kind"]), r["event_id"], r["at"], r["actor"],
                CommentDecision(r["decision"]) if r["decision"] else None, r["reason"]))
        return heads, facts

    async def set_statuses(self, changes: Sequence[tuple[uuid.UUID, CommentState]]) -> None:
        await self.conn.executemany(
            f"UPDATE {self.s}.comments SET status = $2, status_reason = $3, status_by = $4,"
            " status_at = $5, status_cause = $6 WHERE comment_id = $1",
            [(cid, s.status.value, s.reason, s.by, s.at, s.cause) for cid, s in changes])

    async def erase(self, participant_ids: Sequence[str]) -> None:
        """Overwrite the comments and flag notes the participants wrote with the erased marker;
        who commented when, and every status, stay."""
        ids = sorted(set(participant_ids))
        await self.conn.execute(
            f"UPDATE {self.s}.comments SET body = $2 WHERE author = ANY($1) AND body <> $2",
            ids, ERASED)
        await self.conn.execute(
            f"UPDATE {self.s}.comment_flags SET note = $2 WHERE flagger = ANY($1)"
            " AND note IS NOT NULL AND note <> $2", ids, ERASED)
