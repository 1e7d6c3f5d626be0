"""Which votes the anomaly detector holds: pure, decided from the votes themselves.

A held vote occupies its voter's budget (one vote per idea, the campaign's most votes) but is
not in the tally until a moderator releases it (it then counts, as judged when it was cast) or
discards it (it never counts and frees the budget).

The rule is a function of the *set* of votes a client fingerprint cast (their `occurred_at`,
never the wall clock or the order in which partitions were processed): every vote in any span
of `burst_window` seconds holding at least `burst_votes` votes of one client is held. So the
live run and a replay from offset 0 reach the same holds, whatever the interleaving, once every
vote is in. Only votes cast through the API carry a fingerprint; imported ballots never do.

Thresholds (VOTING_BURST_VOTES, VOTING_BURST_WINDOW_S): 30 votes within 60 s from one client.
A person voting by hand clicks through a campaign's ideas at a few seconds per vote and has at
most the campaign's budget (5 by default) to cast, so 30 in a minute is a script or many
people behind one address with the same browser (an office behind one NAT): both worth a
moderator's look, and holding rather than discarding costs the office nothing but a wait.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class HoldRules:
    burst_votes: int = 30
    burst_window: timedelta = timedelta(seconds=60)

    def burst_reason(self) -> str:
        return (f"client_burst: at least {self.burst_votes} votes from one client within "
                f"{self.burst_window.total_seconds():g} s")


@dataclass(frozen=True, slots=True)
class ClientVote:
    """A cast vote with a client fingerprint that was not refused, stored or just judged."""

    event_id: uuid.UUID
    client: str
    occurred_at: datetime


def burst_suspects(votes: Iterable[ClientVote], rules: HoldRules) -> set[uuid.UUID]:
    """Every vote inside a span of `burst_window` that holds `burst_votes` votes of its client."""
    by_client: dict[str, list[ClientVote]] = {}
    for v in votes:
        by_client.setdefault(v.client, []).append(v)
    suspects: set[uuid.UUID] = set()
    for cast in by_client.values():
        if len(cast) < rules.burst_votes:
            continue
        cast.sort(key=lambda v: (v.occurred_at, str(v.event_id)))
        start = 0
        marked_to = -1  # every index up to here is marked already
        for end, v in enumerate(cast):
            while cast[start].occurred_at < v.occurred_at - rules.burst_window:
                start += 1
            if end - start + 1 >= rules.burst_votes:
                for i in range(max(start, marked_to + 1), end + 1):
                    suspects.add(cast[i].event_id)
                marked_to = end
    return suspects
