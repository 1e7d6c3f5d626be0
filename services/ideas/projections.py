"""All SQL the ideas projection writes. The schema is a parameter so a replay can fill a copy."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from schemas.campaigns import (
    CHANGEABLE,
    AnswerThreshold,
    CampaignChanged,
    CampaignCreated,
    ModerationMode,
    VoteRulesChanged,
)
from schemas.common import Sector
from schemas.ideas import (
    IdeaFlagged,
    IdeaRevised,
    IdeaSubmitted,
    IdeaText,
    IdeaWithdrawn,
    NoteText,
    ReasonText,
    TextFields,
)
from schemas.moderation import (
    Decision,
    IdeaHiddenByFlags,
    IdeaStatus,
    ModerationDecided,
    RevisionDecided,
)
from schemas.participation import IdeaAnswerDue, IdeaAnswered
from schemas.votes import TallyChanged, VoteHoldDecided
from services.ideas.domain import (
    CampaignWindow,
    Fact,
    FactKind,
    RevisionState,
    StatusState,
    initial_status,
    revision_waits,
)
from services.infra.consumer import Message
from services.infra.vault import ERASED

_JSON = json.JSONEncoder(ensure_ascii=False)  # tags travel to the database as JSON arrays

# enum members by their stored value (a dict look-up, where calling the enum costs a microsecond
# on each of a batch's thousands of rows)
_STATUS: dict[str, IdeaStatus] = {m.value: m for m in IdeaStatus}
_MODERATION: dict[str, ModerationMode] = {m.value: m for m in ModerationMode}

# the participant text of each event of a batch, opened (see `services.infra.vault.open_batch`)
Texts = dict[uuid.UUID, TextFields | None]


@dataclass(frozen=True)
class CampaignRules:
    campaign_id: uuid.UUID
    window: CampaignWindow
    moderation: ModerationMode
    flag_threshold: int


@dataclass
class IdeaHead:
    """What the fold needs about an idea, and what it found last time."""

    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    author: str
    title: str
    status: IdeaStatus
    status_cause: uuid.UUID
    submitted_event: uuid.UUID
    submitted_at: datetime
    moderation: ModerationMode
    flag_threshold: int
    estimated_cost: int | None = None


class IdeasStore:
    def __init__(self, conn: asyncpg.Connection, schema: str = "ideas") -> None:
        self.conn = conn
        self.s = schema

    async def lock(self, ids: Iterable[uuid.UUID]) -> None:
        """Serialise this transaction with any other that touches the same ideas or campaigns.

        With several workers two batches may hold facts about one idea (a flag here, a decision
        there) or a campaign and a submission to it; each must see the other's writes when it
        re-folds or re-checks. Locks are taken in key order, so two batches cannot deadlock.
        """
        keys = sorted({int.from_bytes(hashlib.blake2b(f"{self.s}:{i}".encode(),
                                                       digest_size=8).digest(), "big", signed=True)
                       for i in ids})
        if keys:
            await self.conn.execute(
                "SELECT count(pg_advisory_xact_lock(k))"
                " FROM (SELECT k FROM unnest($1::bigint[]) AS k ORDER BY k) AS ordered", keys)

    # campaigns ---------------------------------------------------------------------------

    async def insert_campaigns(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, CampaignCreated)
            rows.append((p.campaign_id, p.title, p.question, p.description, p.opens_at,
                         p.closes_at, [a.value for a in p.audience], p.moderation.value,
                         p.vote_rules.model_dump(mode="json"), p.flag_threshold,
                         m.envelope.actor, m.envelope.occurred_at, p.shows_author_names,
                         p.budget, p.min_votes_to_fund, _threshold(p.answer_threshold)))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.campaigns (campaign_id, title, question, description, opens_at,"
            " closes_at, audience, moderation, vote_rules, flag_threshold, created_by, created_at,"
            " shows_author_names, budget, min_votes_to_fund, answer_threshold)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            " ON CONFLICT (campaign_id) DO NOTHING", rows)

    async def change_campaigns(self, messages: Sequence[Message]) -> set[uuid.UUID]:
        """Apply each change's `changed` settings, in order; the ids of the campaigns that
        exist (a change of any other is the caller's to refuse)."""
        known: set[uuid.UUID] = set()
        for m in messages:
            p = m.payload
            assert isinstance(p, CampaignChanged)
            values = {"audience": [a.value for a in p.audience], "moderation": p.moderation.value,
                      "vote_rules": p.vote_rules.model_dump(mode="json"),
                      "answer_threshold": _threshold(p.answer_threshold)}
            columns = [c for c in p.changed if c in CHANGEABLE]  # the schema allows no other
            sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=2))
            found = await self.conn.fetchval(
                f"UPDATE {self.s}.campaigns SET {sets} WHERE campaign_id = $1"
                " RETURNING campaign_id", p.campaign_id,
                *[values.get(c, getattr(p, c)) for c in columns])
            if found is not None:
                known.add(found)
        return known

    async def mark_campaigns(self, column: str, messages: Sequence[Message]) -> None:
        """Record an opening or closing; one announced before a change moved it later (the
        change and the announcement crossed) is not the campaign's, which comes in its time."""
        assert column in ("opened_at", "closed_at")
        due = {"opened_at": "opens_at", "closed_at": "closes_at"}[column]
        await self.conn.executemany(
            f"UPDATE {self.s}.campaigns SET {column} = $2 WHERE campaign_id = $1"
            f" AND {due} <= $2",
            [(m.payload.campaign_id, m.envelope.occurred_at) for m in messages])  # type: ignore[attr-defined]

    async def change_vote_rules(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            assert isinstance(m.payload, VoteRulesChanged)
            rows.append((m.payload.campaign_id, m.payload.vote_rules.model_dump(mode="json")))
        await self.conn.executemany(
            f"UPDATE {self.s}.campaigns SET vote_rules = $2 WHERE campaign_id = $1", rows)

    async def campaign_rules(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CampaignRules]:
        rows = await self.conn.fetch(
            f"SELECT campaign_id, opens_at, closes_at, audience, moderation, flag_threshold"
            f" FROM {self.s}.campaigns WHERE campaign_id = ANY($1::uuid[])", list(set(ids)))
        return {
            r["campaign_id"]: CampaignRules(
                r["campaign_id"],
                CampaignWindow(r["opens_at"], r["closes_at"],
                               frozenset(Sector(a) for a in r["audience"])),
                ModerationMode(r["moderation"]), r["flag_threshold"])
            for r in rows
        }

    # parked submissions ------------------------------------------------------------------

    async def park(self, messages: Sequence[Message], deadline: datetime) -> None:
        """Keep submissions (and revisions of them) until their campaign is known."""
        await self.conn.executemany(
            f"INSERT INTO {self.s}.parked_submissions (event_id, campaign_id, idea_id, topic,"
            ' partition, "offset", key, raw, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)'
            " ON CONFLICT (event_id) DO NOTHING",
            [(m.envelope.event_id, m.payload.campaign_id, m.payload.idea_id,  # type: ignore[attr-defined]
              m.topic, m.partition, m.offset, m.key, m.raw, deadline) for m in messages])

    async def parked_ideas(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.conn.fetch(
            f"SELECT DISTINCT idea_id FROM {self.s}.parked_submissions"
            " WHERE idea_id = ANY($1::uuid[])", list(set(ids)))
        return {r["idea_id"] for r in rows}

    async def unpark(self, campaign_ids: Iterable[uuid.UUID]) -> list[asyncpg.Record]:
        """Remove and return what was parked for these (now known) campaigns, oldest first."""
        return sorted(await self.conn.fetch(
            f"DELETE FROM {self.s}.parked_submissions WHERE campaign_id = ANY($1::uuid[])"
            ' RETURNING topic, partition, "offset", key, raw',
            list(set(campaign_ids))), key=lambda r: (r["topic"], r["partition"], r["offset"]))

    # ideas -------------------------------------------------------------------------------

    async def insert_ideas(self, accepted: Sequence[tuple[Message, CampaignRules]],
                           texts: Texts) -> set[uuid.UUID]:
        """Insert new ideas at their initial status with revision 1; return the ids inserted.

        One statement for the batch: the ideas, each starting with the figures the voting
        service counted before it arrived, and their first revisions. An idea already stored
        (a redelivery, or the same idea twice in a batch) keeps what it has: the first wins."""
        columns: tuple[list[Any], ...] = ([], [], [], [], [], [], [], [], [], [], [], [])
        (ids, campaigns, authors, sectors, titles, bodies, tags, categories, costs, statuses,
         times, events) = columns
        for m, rules in accepted:
            p = m.payload
            assert isinstance(p, IdeaSubmitted)
            env = m.envelope
            text = texts[env.event_id]
            assert isinstance(text, IdeaText)
            ids.append(p.idea_id)
            campaigns.append(p.campaign_id)
            authors.append(env.actor)
            sectors.append(p.sector.value if p.sector else None)
            titles.append(text.title)
            bodies.append(text.body)
            tags.append(_JSON.encode(list(text.tags)))
            categories.append(p.category)
            costs.append(p.estimated_cost)
            statuses.append(initial_status(rules.moderation).value)
            times.append(env.occurred_at)
            events.append(env.event_id)
        if not ids:
            return set()
        rows = await self.conn.fetch(
            "WITH x AS MATERIALIZED (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[],"
            " $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],"
            " $10::text[], $11::timestamptz[], $12::uuid[]) WITH ORDINALITY AS x(idea_id,"
            " campaign_id, author, sector, title, body, tags, category, cost, status, at,"
            " event_id, n)),"
            f" new AS (INSERT INTO {self.s}.ideas (idea_id, campaign_id, author, sector, title,"
            " body, tags, category, estimated_cost, status, status_by, status_at, status_cause,"
            " submitted_event, submitted_at, updated_at, supports, opposes)"
            " SELECT x.idea_id, x.campaign_id, x.author, x.sector, x.title, x.body,"
            " ARRAY(SELECT jsonb_array_elements_text(x.tags::jsonb)), x.category, x.cost,"
            " x.status, x.author, x.at, x.event_id, x.event_id, x.at, x.at,"
            " coalesce(t.supports, 0), coalesce(t.opposes, 0)"
            f" FROM x LEFT JOIN {self.s}.tallies t ON t.idea_id = x.idea_id ORDER BY x.n"
            " ON CONFLICT (idea_id) DO NOTHING RETURNING idea_id),"
            f" revision AS (INSERT INTO {self.s}.revisions (idea_id, revision, event_id, author,"
            " title, body, tags, revised_at)"
            " SELECT x.idea_id, 1, x.event_id, x.author, x.title, x.body,"
            " ARRAY(SELECT jsonb_array_elements_text(x.tags::jsonb)), x.at FROM x ORDER BY x.n"
            " ON CONFLICT DO NOTHING)"
            " SELECT idea_id FROM new", *columns)
        return {r["idea_id"] for r in rows}

    async def idea_authors(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.conn.fetch(
            f"SELECT idea_id, author FROM {self.s}.ideas WHERE idea_id = ANY($1::uuid[])",
            list(set(ids)))
        return {r["idea_id"]: r["author"] for r in rows}

    async def add_revision(self, m: Message, text: IdeaText) -> bool:
        """Keep a revision. It waits for a moderator (`domain.revision_waits`) or replaces the
        idea's content at once; True when the content changed."""
        p = m.payload
        assert isinstance(p, IdeaRevised)
        env = m.envelope
        head = await self.conn.fetchrow(
            f"SELECT i.status, c.moderation, (SELECT max(revision) FROM {self.s}.revisions r"
            f" WHERE r.idea_id = i.idea_id) AS last FROM {self.s}.ideas i"
            f" JOIN {self.s}.campaigns c USING (campaign_id) WHERE i.idea_id = $1", p.idea_id)
        revision = head["last"] + 1
        waits = revision_waits(ModerationMode(head["moderation"]), IdeaStatus(head["status"]))
        await self.conn.execute(
            f"INSERT INTO {self.s}.revisions (idea_id, revision, event_id, author, title, body,"
            " tags, revised_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            p.idea_id, revision, env.event_id, env.actor, text.title, text.body, list(text.tags),
            env.occurred_at,
            (RevisionState.PENDING if waits else RevisionState.APPROVED).value)
        if waits:
            # an older revision still waiting is replaced by this one
            await self.conn.execute(
                f"UPDATE {self.s}.revisions SET state = 'superseded' WHERE idea_id = $1"
                " AND state = 'pending' AND revision < $2", p.idea_id, revision)
            await self.conn.execute(
                f"UPDATE {self.s}.ideas SET pending_revision = $2, updated_at = $3"
                " WHERE idea_id = $1", p.idea_id, revision, env.occurred_at)
            return False
        await self.conn.execute(
            f"UPDATE {self.s}.revisions SET state = 'superseded' WHERE idea_id = $1"
            " AND state = 'pending'", p.idea_id)
        await self.conn.execute(
            f"UPDATE {self.s}.ideas SET revision = $2, title = $3, body = $4, tags = $5,"
            " updated_at = $6, pending_revision = NULL WHERE idea_id = $1",
            p.idea_id, revision, text.title, text.body, list(text.tags), env.occurred_at)
        return True

    async def current_revision(self, idea_id: uuid.UUID) -> int:
        return int(await self.conn.fetchval(
            f"SELECT revision FROM {self.s}.ideas WHERE idea_id = $1", idea_id))

    async def add_revision_decisions(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, RevisionDecided)
            rows.append((m.envelope.event_id, p.idea_id, p.campaign_id, p.revision,
                         m.envelope.actor, p.decision.value, p.reason, m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.revision_decisions (event_id, idea_id, campaign_id, revision,"
            " moderator, decision, reason, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT DO NOTHING", rows)

    async def settle_revisions(self, ids: Iterable[uuid.UUID]) -> list[asyncpg.Record]:
        """Apply decisions to the pending revisions they name (the two may arrive in either
        order). An approved revision becomes the idea's public content; returns those, with
        the decision that approved them."""
        rows = await self.conn.fetch(
            f"SELECT r.idea_id, r.revision, r.author, r.title, r.body, r.tags, d.decision,"
            f" d.event_id,"
            f" d.decided_at, d.moderator, i.campaign_id FROM {self.s}.revisions r"
            f" JOIN {self.s}.revision_decisions d USING (idea_id, revision)"
            f" JOIN {self.s}.ideas i USING (idea_id)"
            f" WHERE r.idea_id = ANY($1::uuid[]) AND r.state = 'pending'"
            f" ORDER BY r.idea_id, r.revision, d.decided_at, d.event_id", list(set(ids)))
        approved, seen = [], set()
        for r in rows:
            if (r["idea_id"], r["revision"]) in seen:
                continue  # the first decision on a revision is the one that counts
            seen.add((r["idea_id"], r["revision"]))
            state = (RevisionState.APPROVED if r["decision"] == "approve"
                     else RevisionState.REJECTED)
            await self.conn.execute(
                f"UPDATE {self.s}.revisions SET state = $3 WHERE idea_id = $1 AND revision = $2",
                r["idea_id"], r["revision"], state.value)
            if state is RevisionState.APPROVED:
                await self.conn.execute(
                    f"UPDATE {self.s}.ideas SET revision = $2, title = $3, body = $4, tags = $5,"
                    " updated_at = $6 WHERE idea_id = $1",
                    r["idea_id"], r["revision"], r["title"], r["body"], r["tags"],
                    r["decided_at"])
                approved.append(r)
            await self.conn.execute(
                f"UPDATE {self.s}.ideas SET pending_revision = NULL"
                " WHERE idea_id = $1 AND pending_revision = $2", r["idea_id"], r["revision"])
        return approved

    async def apply_tallies(self, messages: Sequence[Message]) -> None:
        """The voting service's figures per idea: the last one wins. One idea's figures all
        travel on its campaign's partition in the order they were counted, and `messages` keep
        that order; a replay ends on the same last figures."""
        latest: dict[uuid.UUID, tuple[uuid.UUID, int, int]] = {}
        for m in messages:
            p = m.payload
            assert isinstance(p, TallyChanged)
            for t in p.ideas:
                latest[t.idea_id] = (p.campaign_id, t.supports, t.opposes)
        ids = sorted(latest)
        campaigns, supports, opposes = ([latest[i][n] for i in ids] for n in range(3))
        await self.conn.execute(
            f"INSERT INTO {self.s}.tallies AS t (idea_id, campaign_id, supports, opposes)"
            " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[])"
            " ON CONFLICT (idea_id) DO UPDATE SET supports = EXCLUDED.supports,"
            " opposes = EXCLUDED.opposes", ids, campaigns, supports, opposes)
        # the copy beside the idea's content, for the campaign page's index
        await self.conn.execute(
            f"UPDATE {self.s}.ideas i SET supports = x.supports, opposes = x.opposes"
            " FROM unnest($1::uuid[], $2::int[], $3::int[]) AS x(idea_id, supports, opposes)"
            " WHERE i.idea_id = x.idea_id"
            " AND (i.supports, i.opposes) IS DISTINCT FROM (x.supports, x.opposes)",
            ids, supports, opposes)

    async def add_auto_hides(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, IdeaHiddenByFlags)
            rows.append((m.envelope.event_id, p.idea_id, p.campaign_id, m.envelope.actor,
                         list(p.flaggers), m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.auto_hides (event_id, idea_id, campaign_id, actor, flaggers,"
            " hidden_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", rows)

    async def add_vote_decisions(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, VoteHoldDecided)
            rows.append((m.envelope.event_id, p.vote_event_id, p.voter_id, p.idea_id,
                         p.campaign_id, m.envelope.actor, p.decision.value, p.reason,
                         m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.vote_decisions (event_id, vote_event_id, voter_id, idea_id,"
            " campaign_id, moderator, decision, reason, decided_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING", rows)

    async def flaggers(self, ids: Iterable[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
        rows = await self.conn.fetch(
            f"SELECT idea_id, flagger FROM {self.s}.flags WHERE idea_id = ANY($1::uuid[])",
            list(set(ids)))
        return {(r["idea_id"], r["flagger"]) for r in rows}

    # facts that change an idea's status ---------------------------------------------------

    async def add_flags(self, messages: Sequence[Message], texts: Texts) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, IdeaFlagged)
            text = texts.get(m.envelope.event_id)
            note = text.note if isinstance(text, NoteText) else None
            rows.append((p.idea_id, m.envelope.actor, m.envelope.event_id, p.reason.value,
                         note, m.envelope.occurred_at))
        # a participant flags an idea once: a second flag changes nothing
        await self.conn.executemany(
            f"INSERT INTO {self.s}.flags (idea_id, flagger, event_id, reason, note, flagged_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", rows)

    async def add_decisions(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, ModerationDecided)
            rows.append((m.envelope.event_id, p.idea_id, p.campaign_id, m.envelope.actor,
                         p.decision.value, p.reason, p.merge_into, m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.decisions (event_id, idea_id, campaign_id, moderator,"
            " decision, reason, merge_into, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT DO NOTHING", rows)

    async def add_withdrawals(self, messages: Sequence[Message], texts: Texts) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, IdeaWithdrawn)
            text = texts.get(m.envelope.event_id)
            reason = text.reason if isinstance(text, ReasonText) else None
            rows.append((m.envelope.event_id, p.idea_id, m.envelope.actor, reason,
                         m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.withdrawals (event_id, idea_id, actor, reason, withdrawn_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING", rows)

    async def heads_and_facts(
        self, ids: Iterable[uuid.UUID]
    ) -> tuple[list[IdeaHead], dict[uuid.UUID, list[Fact]]]:
        id_list = list(set(ids))
        heads = [
            IdeaHead(r["idea_id"], r["campaign_id"], r["author"], r["title"],
                     _STATUS[r["status"]], r["status_cause"], r["submitted_event"],
                     r["submitted_at"], _MODERATION[r["moderation"]], r["flag_threshold"],
                     r["estimated_cost"])
            for r in await self.conn.fetch(
                f"SELECT i.idea_id, i.campaign_id, i.author, i.title, i.status, i.status_cause,"
                f" i.submitted_event, i.submitted_at, c.moderation, c.flag_threshold,"
                f" i.estimated_cost"
                f" FROM {self.s}.ideas i JOIN {self.s}.campaigns c USING (campaign_id)"
                f" WHERE i.idea_id = ANY($1::uuid[])", id_list)
        ]
        facts: dict[uuid.UUID, list[Fact]] = {h.idea_id: [] for h in heads}
        # flags, decisions and withdrawals in one statement; facts may name ideas that are not
        # (yet) in the table: those wait for their idea
        for r in await self.conn.fetch(
                f"SELECT 'flagged' AS kind, idea_id, event_id, flagged_at AS at, flagger AS actor,"
                f" NULL AS decision, NULL AS reason, NULL::uuid AS merge_into"
                f" FROM {self.s}.flags WHERE idea_id = ANY($1::uuid[])"
                f" UNION ALL SELECT 'decided', idea_id, event_id, decided_at, moderator, decision,"
                f" reason, merge_into FROM {self.s}.decisions WHERE idea_id = ANY($1::uuid[])"
                f" UNION ALL SELECT 'withdrawn', idea_id, event_id, withdrawn_at, actor, NULL,"
                f" reason, NULL FROM {self.s}.withdrawals WHERE idea_id = ANY($1::uuid[])",
                id_list):
            found = facts.get(r["idea_id"])
            if found is None:
                continue
            if r["kind"] == "flagged":
                found.append(Fact(FactKind.FLAGGED, r["event_id"], r["at"], r["actor"]))
            elif r["kind"] == "decided":
                found.append(Fact(FactKind.DECIDED, r["event_id"], r["at"], r["actor"],
                                  Decision(r["decision"]), r["reason"], r["merge_into"]))
            else:
                found.append(Fact(FactKind.WITHDRAWN, r["event_id"], r["at"], r["actor"],
                                  reason=r["reason"]))
        for h in heads:
            facts[h.idea_id].append(
                Fact(FactKind.SUBMITTED, h.submitted_event, h.submitted_at, h.author))
        return heads, facts

    async def set_statuses(self, changes: Sequence[tuple[uuid.UUID, StatusState]]) -> None:
        if not changes:
            return
        await self.conn.executemany(
            f"UPDATE {self.s}.ideas SET status = $2, status_reason = $3, status_by = $4,"
            " status_at = $5, status_cause = $6, merged_into = $7 WHERE idea_id = $1",
            [(idea_id, st.status.value, st.reason, st.by, st.at, st.cause, st.merged_into)
             for idea_id, st in changes])


    # erasure ------------------------------------------------------------------------------

    async def erase(self, participant_ids: Sequence[str]) -> None:
        """Overwrite every text the participants wrote (ideas and their revisions, flag notes,
        withdrawal reasons) with the erased marker; the trigram index of the duplicate hints
        follows the titles. Staff reasons and the facts themselves (who, when, status) stay."""
        ids = sorted(set(participant_ids))
        await self.conn.execute(
            f"UPDATE {self.s}.ideas SET title = $2, body = $2, tags = '{{}}'"
            " WHERE author = ANY($1) AND (title, body, tags) IS DISTINCT FROM ($2, $2, '{}')",
            ids, ERASED)
        await self.conn.execute(
            f"UPDATE {self.s}.ideas SET status_reason = $2 WHERE author = ANY($1)"
            " AND status = 'withdrawn' AND status_by = author AND status_reason IS NOT NULL",
            ids, ERASED)
        await self.conn.execute(
            f"UPDATE {self.s}.revisions SET title = $2, body = $2, tags = '{{}}'"
            " WHERE author = ANY($1)", ids, ERASED)
        await self.conn.execute(
            f"UPDATE {self.s}.flags SET note = $2 WHERE flagger = ANY($1) AND note IS NOT NULL",
            ids, ERASED)
        await self.conn.execute(
            f"UPDATE {self.s}.withdrawals SET reason = $2 WHERE actor = ANY($1)"
            " AND reason IS NOT NULL", ids, ERASED)


# official answers ------------------------------------------------------------------------------


def _threshold(threshold: AnswerThreshold | None) -> dict[str, int] | None:
    return threshold.model_dump(mode="json") if threshold is not None else None


class AnswersStore:
    """The answers read model: every answer, and the ideas whose answer is due."""

    def __init__(self, conn: asyncpg.Connection, schema: str = "ideas") -> None:
        self.conn = conn
        self.s = schema

    async def add_answers(self, messages: Sequence[Message]) -> None:
        rows = []
        for m in messages:
            p = m.payload
            assert isinstance(p, IdeaAnswered)
            rows.append((m.envelope.event_id, p.idea_id, p.campaign_id, m.envelope.actor,
                         p.state.value, p.reason, p.initiative_id, m.envelope.occurred_at))
        await self.conn.executemany(
            f"INSERT INTO {self.s}.answers (event_id, idea_id, campaign_id, actor, state, reason,"
            " initiative_id, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT DO NOTHING", rows)

    async def thresholds(self, campaign_ids: Iterable[uuid.UUID]
                         ) -> dict[uuid.UUID, AnswerThreshold]:
        rows = await self.conn.fetch(
            f"SELECT campaign_id, answer_threshold FROM {self.s}.campaigns"
            " WHERE campaign_id = ANY($1::uuid[]) AND answer_threshold IS NOT NULL",
            sorted(set(campaign_ids)))
        return {r["campaign_id"]: AnswerThreshold.model_validate(r["answer_threshold"])
                for r in rows}

    async def already_due(self, idea_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.conn.fetch(
            f"SELECT idea_id FROM {self.s}.answers_due WHERE idea_id = ANY($1::uuid[])",
            sorted(set(idea_ids)))
        return {r["idea_id"] for r in rows}

    async def add_due(self, dues: Sequence[tuple[uuid.UUID, IdeaAnswerDue]]) -> set[uuid.UUID]:
        """Record each idea's due answer (event id, payload) unless it has one; the event ids
        of those recorded now."""
        rows = await self.conn.fetch(
            f"INSERT INTO {self.s}.answers_due (idea_id, campaign_id, supports, threshold,"
            " reached_at, due, event_id)"
            " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[],"
            " $5::timestamptz[], $6::timestamptz[], $7::uuid[])"
            " ON CONFLICT (idea_id) DO NOTHING RETURNING event_id",
            [p.idea_id for _, p in dues], [p.campaign_id for _, p in dues],
            [p.supports for _, p in dues], [p.threshold for _, p in dues],
            [p.reached_at for _, p in dues], [p.due for _, p in dues], [e for e, _ in dues])
        return {r["event_id"] for r in rows}

    async def mark_overdue(self, messages: Sequence[Message]) -> None:
        await self.conn.executemany(
            f"UPDATE {self.s}.answers_due SET overdue_at = $2 WHERE idea_id = $1"
            " AND overdue_at IS NULL",
            [(m.payload.idea_id, m.envelope.occurred_at) for m in messages])  # type: ignore[attr-defined]
