"""Records what the quarterly report is computed from: `reporting.report_events`, `report_votes`.

It keeps whole events (plan, campaigns, ideas, moderation: small volumes) and slim vote rows, all
with their `occurred_at`, so a report can be computed as of any cut-off. Rows are keyed by
`event_id`, so a redelivered or re-published event changes nothing and a replay from offset 0
into empty tables gives the same tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import asyncpg

from schemas import topics
from services.infra.consumer import Message, Outcome
from services.reporting.report.fold import RECORDED_TYPES

VOTE_TYPES = {"vote.cast": 1, "vote.withdrawn": 0}


class ReportInputsProjection:
    name = "reporting-report-inputs"
    schema = "reporting"
    topics: Sequence[str] = (topics.STATUS.name, topics.IDEAS_SUBMISSIONS.name,
                             topics.VOTES.name)
    # `reporting.applied_events` belongs to the reporting projection, which reads the same
    # topics; this one is idempotent through the primary keys of its own tables instead.
    dedupe = False

    async def apply(self, conn: asyncpg.Connection, messages: list[Message]) -> Outcome:
        events = [m.envelope for m in messages if m.envelope.type in RECORDED_TYPES]
        if events:
            await conn.execute(
                "INSERT INTO reporting.report_events (event_id, type, occurred_at, actor, payload)"
                " SELECT i, t, o, a, p::jsonb FROM unnest($1::uuid[], $2::text[],"
                " $3::timestamptz[], $4::text[], $5::text[]) AS x(i, t, o, a, p)"
                " ON CONFLICT (event_id) DO NOTHING",
                [e.event_id for e in events], [e.type for e in events],
                [e.occurred_at for e in events], [e.actor for e in events],
                [json.dumps(e.payload, sort_keys=True) for e in events],
            )
        votes = [m.envelope for m in messages if m.envelope.type in VOTE_TYPES]
        if votes:
            await conn.execute(
                "INSERT INTO reporting.report_votes"
                " (event_id, campaign_id, idea_id, voter_id, value, sector, occurred_at)"
                " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[],"
                " $5::smallint[], $6::text[], $7::timestamptz[])"
                " ON CONFLICT (event_id) DO NOTHING",
                [v.event_id for v in votes],
                [v.payload["campaign_id"] for v in votes],
                [v.payload["idea_id"] for v in votes],
                [v.payload["voter_id"] for v in votes],
                [int(v.payload.get("value", 1)) if v.type == "vote.cast" else 0 for v in votes],
                [v.payload.get("sector") for v in votes],
                [v.occurred_at for v in votes],
            )
        return Outcome()
