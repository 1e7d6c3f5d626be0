"""Vote-pattern anomalies: a Faust agent counting API votes per client in tumbling windows.

The tally projection re-publishes every API vote, keyed by its client fingerprint, on
`votes.clients` (imports carry no fingerprint and cost nothing here). A Faust agent counts votes
per fingerprint in tumbling windows; when one fingerprint reaches the threshold within a window it
publishes `VoteAnomalyDetected` on `status`, a report for other services. It decides nothing:
the votes themselves are held (out of the tally, until a moderator releases or discards them)
by the vote projection's pure judge (`domain.holds`), from the votes' own `occurred_at`, so a
replay reaches the same holds. The event id is derived from the fingerprint and the window, so
a redelivered message or a restart never reports the same burst twice downstream.

The window counts live in the agent (`domain.BurstCounter`), not in a Faust windowed table: with
the embedded broker's wrong high-water mark, table recovery on the first rebalance raised
`ConsistencyError` ("persisted offset ... is higher than the last offset in that topic") and
crashed the whole voting worker (seen when a second voting worker joined the group). Counts are
approximate across a rebalance, which is acceptable for a hint to moderators.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import faust
import structlog

from schemas import topics
from schemas.envelope import Envelope, RefusedMessage, decode, derived_id
from schemas.votes import AnomalyKind, VoteAnomalyDetected, VoteClientSeen
from services.infra.worker import ProjectionsService, through_outages
from services.voting.domain import BurstCounter
from services.voting.settings import VotingSettings

log = structlog.get_logger(__name__)


def burst_event(seen: VoteClientSeen, count: int, window_start: datetime,
                window_s: float) -> Envelope:
    """The anomaly for a fingerprint that reached the threshold in one window."""
    anomaly_id = derived_id("vote-anomaly", AnomalyKind.CLIENT_BURST.value, seen.client,
                            window_start.isoformat())
    return Envelope.wrap(
        VoteAnomalyDetected(
            anomaly_id=anomaly_id, campaign_id=seen.campaign_id, kind=AnomalyKind.CLIENT_BURST,
            window_start=window_start, window_end=window_start + timedelta(seconds=window_s),
            votes=count, voters=[seen.voter_id], idea_ids=[seen.idea_id],
            detail=f"{count} votes from one client fingerprint ({seen.client[:12]}…) within"
                   f" {window_s:g} s",
        ),
        actor="voting", occurred_at=window_start, event_id=anomaly_id)


def install(app: faust.App, resources: ProjectionsService, voting: VotingSettings) -> None:
    window_s = voting.burst_window_s
    source = app.topic(topics.VOTE_CLIENTS.name, key_serializer="raw", value_serializer="raw",
                       partitions=topics.VOTE_CLIENTS.partitions)
    counter = BurstCounter(voting.burst_votes, window_s)

    @app.agent(source)
    async def watch_client_bursts(stream: faust.StreamT[Any]) -> None:
        await resources.ready.wait()
        async for event in stream.events():
            try:
                _, seen = decode(event.value)
            except RefusedMessage as exc:
                log.warning("anomaly.input_refused", reason=exc.reason, detail=exc.detail)
                continue
            if not isinstance(seen, VoteClientSeen):
                continue
            ts = event.message.timestamp  # seconds, the broker's produce time
            count = counter.seen(seen.client, ts)
            if count is not None:
                start = datetime.fromtimestamp(counter.window_start(ts), UTC)
                assert resources.producer is not None
                await through_outages("vote.anomaly", functools.partial(
                    resources.producer.publish, burst_event(seen, count, start, window_s)))
                log.info("vote.anomaly_detected", kind="client_burst", votes=count,
                         campaign=str(seen.campaign_id))
