"""The voting read model: votes and tallies (hot path) and campaign / idea status (low rate).

All writes of the voting worker live here. The vote projection is set-based: per batch it loads
the state of the batch's voters, campaigns and ideas in a few queries, decides in Python
(`domain.judge`), and writes with COPY and `unnest`, in the runner's transaction.

Votes of one partition are serialised with a transaction-level advisory lock per partition, taken
by the vote batches, by the retry of parked votes, and (all partitions) by a merge that moves
votes to another idea.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
import structlog

from schemas import topics
from schemas.campaigns import VoteMode
from schemas.envelope import Envelope, RefusedMessage, decode
from schemas.moderation import IdeaStatus
from schemas.votes import VoteCast, VoteClientSeen, VoteWithdrawn
from services.infra.consumer import Message, Outcome
from services.infra.kafka import EventProducer
from services.voting import domain

log = structlog.get_logger(__name__)

LOCK_SPACE = 7_401  # first key of the (int, int) advisory locks: (LOCK_SPACE, partition)

VOTE_COLUMNS = ["event_id", "kind", "voter_id", "campaign_id", "idea_id", "target_id", "value",
                "occurred_at", "sector", "state", "reason"]


def to_vote(env: Envelope, payload: VoteCast | VoteWithdrawn) -> domain.Vote:
    cast = isinstance(payload, VoteCast)
    return domain.Vote(
        event_id=env.event_id, kind=domain.CAST if cast else domain.WITHDRAW,
        voter_id=payload.voter_id, campaign_id=payload.campaign_id, idea_id=payload.idea_id,
        value=payload.value if isinstance(payload, VoteCast) else 0,
        occurred_at=env.occurred_at,
        sector=payload.sector.value if isinstance(payload, VoteCast) and payload.sector else None,
    )


def client_seen(messages: Iterable[Message]) -> list[Envelope]:
    """Votes cast with a client fingerprint, re-keyed for the anomaly detector."""
    return [
        Envelope.wrap(VoteClientSeen(client=m.payload.client, voter_id=m.payload.voter_id,
                                     campaign_id=m.payload.campaign_id,
                                     idea_id=m.payload.idea_id,
                                     vote_event_id=m.envelope.event_id),
                      actor=m.envelope.actor, occurred_at=m.envelope.occurred_at,
                      cause=m.envelope)
        for m in messages if isinstance(m.payload, VoteCast) and m.payload.client
    ]


async def lock_partitions(conn: asyncpg.Connection, partitions: Iterable[int]) -> None:
    for p in sorted(set(partitions)):
        await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, p)


async def load_state(
    conn: asyncpg.Connection, votes: Sequence[domain.Vote]
) -> tuple[dict[str, list[domain.ActiveVote]], dict[uuid.UUID, domain.Campaign],
           dict[uuid.UUID, domain.Idea]]:
    """The counted votes of the batch's voters, and the campaigns and ideas the batch names."""
    voters = list({v.voter_id for v in votes})
    active: dict[str, list[domain.ActiveVote]] = {}
    for r in await conn.fetch(
        "SELECT voter_id, event_id, campaign_id, target_id, value FROM voting.votes"
        " WHERE voter_id = ANY($1::text[]) AND state = 'counted'", voters,
    ):
        active.setdefault(r["voter_id"], []).append(
            domain.ActiveVote(r["event_id"], r["campaign_id"], r["target_id"], r["value"]))
    campaigns = await load_campaigns(conn, {v.campaign_id for v in votes})
    ideas = await load_ideas(conn, {v.idea_id for v in votes})
    return active, campaigns, ideas


async def load_campaigns(conn: asyncpg.Connection, ids: set[uuid.UUID]
                         ) -> dict[uuid.UUID, domain.Campaign]:
    rows = await conn.fetch(
        "SELECT c.campaign_id, c.opens_at, c.closes_at, r.effective_from, r.mode, r.max_votes"
        " FROM voting.campaigns c JOIN voting.vote_rules r USING (campaign_id)"
        " WHERE c.campaign_id = ANY($1::uuid[])"
        " ORDER BY c.campaign_id, r.effective_from NULLS FIRST, r.event_id", list(ids),
    )
    grouped: dict[uuid.UUID, list[Any]] = {}
    for r in rows:
        grouped.setdefault(r["campaign_id"], []).append(r)
    return {
        cid: domain.Campaign(
            cid, rs[0]["opens_at"], rs[0]["closes_at"],
            tuple(domain.Rules(r["effective_from"], VoteMode(r["mode"]), r["max_votes"])
                  for r in rs),
        )
        for cid, rs in grouped.items()
    }


async def load_ideas(conn: asyncpg.Connection, ids: set[uuid.UUID]
                     ) -> dict[uuid.UUID, domain.Idea]:
    """The named ideas and, following merges, the ideas they were merged into."""
    ideas: dict[uuid.UUID, domain.Idea] = {}
    wanted = set(ids)
    for _ in range(10):  # merge chains are short; the bound only guards against cycles
        if not wanted:
            break
        rows = await conn.fetch(
            "SELECT i.idea_id, i.campaign_id, s.occurred_at, s.status, s.merged_into"
            " FROM voting.ideas i JOIN voting.idea_status s USING (idea_id)"
            " WHERE i.idea_id = ANY($1::uuid[]) ORDER BY i.idea_id, s.occurred_at, s.event_id",
            list(wanted),
        )
        history: dict[uuid.UUID, list[domain.StatusChange]] = {}
        campaign_of: dict[uuid.UUID, uuid.UUID] = {}
        for r in rows:
            campaign_of[r["idea_id"]] = r["campaign_id"]
            history.setdefault(r["idea_id"], []).append(
                domain.StatusChange(r["occurred_at"], IdeaStatus(r["status"]), r["merged_into"]))
        for iid, changes in history.items():
            ideas[iid] = domain.Idea(iid, campaign_of[iid], tuple(changes))
        wanted = {i.merged_into for i in ideas.values() if i.merged_into} - set(ideas)
    return ideas


async def write_judgement(conn: asyncpg.Connection, j: domain.Judgement,
                          sources: dict[uuid.UUID, tuple[str, int, int, bytes]]) -> None:
    """Store verdicts, superseded states, tally deltas and parked votes of one batch."""
    if j.verdicts:
        await conn.copy_records_to_table(
            "votes", schema_name="voting", columns=VOTE_COLUMNS,
            records=[(v.vote.event_id, v.vote.kind, v.vote.voter_id, v.vote.campaign_id,
                      v.vote.idea_id, v.target_id, v.vote.value, v.vote.occurred_at,
                      v.vote.sector, v.state, v.reason) for v in j.verdicts],
        )
    if j.superseded:
        await conn.execute(
            "UPDATE voting.votes v SET state = x.state FROM unnest($1::uuid[], $2::text[])"
            " AS x(id, state) WHERE v.event_id = x.id",
            list(j.superseded), list(j.superseded.values()),
        )
    deltas = sorted((k, d) for k, d in j.deltas.items() if d != [0, 0])
    if deltas:
        await conn.execute(
            "INSERT INTO voting.tallies AS t (idea_id, campaign_id, supports, opposes)"
            " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[])"
            " ON CONFLICT (idea_id) DO UPDATE SET supports = t.supports + EXCLUDED.supports,"
            " opposes = t.opposes + EXCLUDED.opposes, updated_at = now()",
            [k[1] for k, _ in deltas], [k[0] for k, _ in deltas],
            [d[0] for _, d in deltas], [d[1] for _, d in deltas],
        )
    if j.parked:
        await conn.copy_records_to_table(
            "parked", schema_name="voting",
            columns=["event_id", "topic", "partition", "offset", "raw", "why", "voter_id",
                     "campaign_id", "idea_id", "occurred_at"],
            records=[(v.event_id, *sources[v.event_id], why, v.voter_id, v.campaign_id,
                      v.idea_id, v.occurred_at) for v, why in j.parked],
        )


class VoteProjection:
    """`votes` -> voting.votes and voting.tallies. Deduplicates on the votes' own primary key."""

    name = "voting.votes"
    schema = "voting"
    topics: Sequence[str] = (topics.VOTES.name,)
    dedupe = False  # the unique event_id of voting.votes does it, without a second table

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        fresh: dict[uuid.UUID, Message] = {}
        for m in messages:
            if not isinstance(m.payload, VoteCast | VoteWithdrawn):
                outcome.refuse.append((m, "unexpected_type", f"{m.envelope.type} on votes"))
            elif m.envelope.actor != m.payload.voter_id:
                outcome.refuse.append((m, "actor_mismatch",
                                       "the envelope's actor is not the voter"))
            else:
                fresh.setdefault(m.envelope.event_id, m)
        if fresh:
            seen = await conn.fetch(
                "SELECT event_id FROM voting.votes WHERE event_id = ANY($1::uuid[])"
                " UNION ALL SELECT event_id FROM voting.parked WHERE event_id = ANY($1::uuid[])",
                list(fresh),
            )
            for r in seen:
                fresh.pop(r["event_id"], None)
        if not fresh:
            return outcome
        await lock_partitions(conn, {m.partition for m in fresh.values()})
        votes = [to_vote(m.envelope, m.payload) for m in fresh.values()  # type: ignore[arg-type]
                 ]
        judgement = domain.judge(votes, *await load_state(conn, votes))
        sources = {eid: (m.topic, m.partition, m.offset, m.raw or b"")
                   for eid, m in fresh.items()}
        await write_judgement(conn, judgement, sources)
        for v in judgement.verdicts:
            if v.state == domain.REFUSED:
                outcome.refuse.append((fresh[v.vote.event_id], v.reason or "refused",
                                       f"vote {v.vote.event_id} of {v.vote.voter_id}"))
        outcome.publish += client_seen(fresh.values())
        return outcome


async def retry_parked(pool: asyncpg.Pool, producer: EventProducer, *, park_seconds: float,
                       limit: int = 50_000) -> tuple[int, int]:
    """Judge parked votes whose campaign and idea are now known; dead-letter the expired ones.

    Returns (decided, dead-lettered).
    """
    ready = (
        "(EXISTS (SELECT 1 FROM voting.campaigns c WHERE c.campaign_id = p.campaign_id)"
        " AND EXISTS (SELECT 1 FROM voting.ideas i WHERE i.idea_id = p.idea_id))"
    )
    expired = "(p.parked_at < now() - make_interval(secs => $1))"
    async with pool.acquire() as conn, conn.transaction():
        partitions = [r["partition"] for r in await conn.fetch(
            f"SELECT DISTINCT partition FROM voting.parked p WHERE {ready} OR {expired}",
            park_seconds)]
        if not partitions:
            return 0, 0
        await lock_partitions(conn, partitions)
        rows = await conn.fetch(
            f"SELECT p.*, {expired} AS expired FROM voting.parked p"
            f" WHERE {ready} OR {expired} ORDER BY occurred_at, event_id LIMIT $2",
            park_seconds, limit,
        )
        by_id = {r["event_id"]: r for r in rows}
        votes: list[domain.Vote] = []
        dead: list[tuple[Any, str, str, str | None]] = []
        for r in rows:
            try:
                env, payload = decode(bytes(r["raw"]))
                assert isinstance(payload, VoteCast | VoteWithdrawn)
            except (RefusedMessage, AssertionError):  # it decoded once; guard all the same
                dead.append((r, "malformed", "parked vote no longer decodes", None))
                continue
            votes.append(to_vote(env, payload))
        judgement = domain.judge(votes, *await load_state(conn, votes))
        for v, why in judgement.parked:
            r = by_id[v.event_id]
            if r["expired"]:
                what = r["idea_id"] if why == "unknown_idea" else r["campaign_id"]
                dead.append((r, why, f"{why.removeprefix('unknown_')} {what} not seen within"
                             f" {park_seconds:g}s", v.voter_id))
            else:
                by_id.pop(v.event_id)  # stays parked
        judgement.parked = []
        await write_judgement(conn, judgement, {})
        dead += [(by_id[v.vote.event_id], v.reason or "refused",
                  f"vote {v.vote.event_id} of {v.vote.voter_id}", v.vote.voter_id)
                 for v in judgement.verdicts if v.state == domain.REFUSED]
        await conn.execute("DELETE FROM voting.parked WHERE event_id = ANY($1::uuid[])",
                           list(by_id))
        if dead:
            await producer.dead_letter_many([
                {"topic": r["topic"], "partition": r["partition"], "offset": r["offset"],
                 "key": voter.encode() if voter else None, "value": bytes(r["raw"]),
                 "reason": reason, "detail": detail, "consumer": VoteProjection.name}
                for r, reason, detail, voter in dead
            ])
        return len(judgement.verdicts), len(dead)
