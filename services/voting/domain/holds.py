"""Which votes the anomaly detector holds: pure, decided from the votes themselves.

A held vote occupies its voter's budget (one vote per idea, the campaign's most votes) but is
not in the tally until a moderator releases it (it then counts, as judged when it was cast) or
discards it (it never counts and frees the budget).

The rule is a function of the *set* of votes a client fingerprint cast (their `occurred_at`,
never the wall clock or the order in which partitions were processed): every vote in any span
of `burst_window` seconds holding at least `burst_votes` votes of one client is held. So the
live run and a replay from offset 0 reach the same holds, whatever the interleaving, once every
vote is in. Only votes cast through the API carry a fingerprint; imported ballots never do.

Client bursts (VOTING_BURST_VOTES, VOTING_BURST_WINDOW_S): 30 votes within 60 s from one client.
A person voting by hand clicks through a campaign's ideas at a few seconds per vote and has at
most the campaign's budget (5 by default) to cast, so 30 in a minute is a script or many
people behind one address with the same browser (an office behind one NAT): both worth a
moderator's look, and holding rather than discarding costs the office nothing but a wait.

Identical ballots (VOTING_BALLOT_VOTERS, VOTING_BALLOT_WINDOW_S): 5 new voters (no earlier
vote anywhere) whose first votes fall within 10 minutes and who cast exactly the same set of at
least 2 ideas. One shared idea is what a link on social media produces, so single-idea
ballots are never suspect; the same two or more ideas from five fresh accounts in ten minutes
is what a person with several accounts (or a script rotating addresses, which the burst rule
misses) produces. Imported ballots carry no fingerprint and are never judged: a city's real
elections have many identical ballots. A ballot that changes later (a voter adds an idea
within the window) can leave its group; its votes are then counted again, so the holds stay a
function of the votes, not of when they arrived.
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
    ballot_voters: int = 5
    ballot_window: timedelta = timedelta(minutes=10)
    ballot_min_ideas: int = 2

    def burst_reason(self) -> str:
        return (f"client_burst: at least {self.burst_votes} votes from one client within "
                f"{self.burst_window.total_seconds():g} s")

    def ballot_reason(self) -> str:
        return (f"identical_ballots: at least {self.ballot_voters} new voters cast the same "
                f"{self.ballot_min_ideas}+ votes within {self.ballot_window.total_seconds() / 60:g}"
                " min")

    @property
    def reach(self) -> timedelta:
        """How far around a batch's votes the stored votes matter to these rules."""
        return max(self.burst_window, 2 * self.ballot_window)


@dataclass(frozen=True, slots=True)
class ClientVote:
    """A cast vote with a client fingerprint that was not refused, stored or just judged."""

    event_id: uuid.UUID
    client: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class BallotVote:
    """A cast vote through the API that was not refused, for the identical-ballots rule."""

    event_id: uuid.UUID
    voter_id: str
    campaign_id: uuid.UUID
    target_id: uuid.UUID
    occurred_at: datetime


def ballot_suspects(votes: Iterable[BallotVote], first_seen: dict[str, datetime],
                    rules: HoldRules) -> set[uuid.UUID]:
    """The votes of new voters who cast identical ballots close together.

    A voter's ballot in a campaign is the set of ideas they voted for within `ballot_window` of
    their first vote there; the voter is new when that first vote is their first anywhere
    (`first_seen`: each voter's earliest vote). When `ballot_voters` new voters whose first
    votes fall within one `ballot_window` cast the same ballot of at least `ballot_min_ideas`
    ideas, all of those ballots' votes are suspects. A function of the set of votes: the same
    whatever order they arrive in.
    """
    per_voter: dict[tuple[uuid.UUID, str], list[BallotVote]] = {}
    for v in votes:
        per_voter.setdefault((v.campaign_id, v.voter_id), []).append(v)
    groups: dict[tuple[uuid.UUID, frozenset[uuid.UUID]], list[tuple[datetime, list[BallotVote]]]] = {}
    for (campaign_id, voter), cast in per_voter.items():
        cast.sort(key=lambda v: (v.occurred_at, str(v.event_id)))
        first = cast[0].occurred_at
        if first_seen.get(voter, first) < first:
            continue  # voted before: not a new account
        ballot = [v for v in cast if v.occurred_at <= first + rules.ballot_window]
        ideas = frozenset(v.target_id for v in ballot)
        if len(ideas) >= rules.ballot_min_ideas:
            groups.setdefault((campaign_id, ideas), []).append((first, ballot))
    suspects: set[uuid.UUID] = set()
    for members in groups.values():
        if len(members) < rules.ballot_voters:
            continue
        members.sort(key=lambda m: (m[0], str(m[1][0].event_id)))
        start = 0
        for end, (first, _) in enumerate(members):
            while members[start][0] < first - rules.ballot_window:
                start += 1
            if end - start + 1 >= rules.ballot_voters:
                for _, ballot in members[start:end + 1]:
                    suspects |= {v.event_id for v in ballot}
    return suspects


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
