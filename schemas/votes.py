"""Votes, on `votes` keyed by voter id; vote-pattern anomalies and tally changes, on `status`
keyed by campaign id.

Keying votes by voter puts every vote of one participant on one partition, in order: the
per-voter rules (one active vote per idea, the campaign budget, withdrawal) are decided by the
partition's owner without coordination. Tallies are sums, so they need no per-idea order.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas import topics
from schemas.base import Payload, event
from schemas.common import ParticipantId, Reason, Sector

ClientFingerprint = Annotated[str, Field(min_length=1, max_length=128)]


class _Vote(Payload):
    __topic__ = topics.VOTES
    __key_field__ = "voter_id"

    voter_id: ParticipantId  # the envelope's actor; a consumer refuses a mismatch
    campaign_id: uuid.UUID
    idea_id: uuid.UUID


@event
class VoteCast(_Vote):
    """A participant voted on an idea: +1 (support), or -1 (oppose, `updown` campaigns only).

    In an `updown` campaign a new value replaces the voter's earlier vote on the same idea.
    `sector` and `client` are set by the gateway (from the token, and an HMAC of the client's
    address and agent under a key of the day, destroyed after its retention) for participation
    figures and anomaly detection; holds are decided from `client` as carried here.
    """

    __event_type__ = "vote.cast"

    value: Literal[1, -1] = 1
    sector: Sector | None = None
    client: ClientFingerprint | None = None


@event
class VoteWithdrawn(_Vote):
    """A participant withdrew their vote on an idea; the vote stops counting and frees budget."""

    __event_type__ = "vote.withdrawn"


@event
class VoteClientSeen(Payload):
    """A decided vote that came with a client fingerprint, re-keyed by that fingerprint.

    Published by the voting service's tally projection so that the anomaly detector sees only
    votes cast through the API, partitioned by client, without reading the whole `votes` topic.
    """

    __event_type__ = "vote.client_seen"
    __topic__ = topics.VOTE_CLIENTS
    __key_field__ = "client"

    client: ClientFingerprint
    voter_id: ParticipantId
    campaign_id: uuid.UUID
    idea_id: uuid.UUID
    vote_event_id: uuid.UUID


class AnomalyKind(StrEnum):
    CLIENT_BURST = "client_burst"  # many votes from one client fingerprint in a short window
    IDENTICAL_BALLOTS = "identical_ballots"  # many fresh voters casting exactly the same votes


@event
class VoteAnomalyDetected(Payload):
    """A suspicious vote pattern, for the moderation queue. Nothing is discarded automatically."""

    __event_type__ = "vote.anomaly_detected"
    __topic__ = topics.STATUS
    __key_field__ = "campaign_id"

    anomaly_id: uuid.UUID
    campaign_id: uuid.UUID
    kind: AnomalyKind
    window_start: AwareDatetime
    window_end: AwareDatetime
    votes: int = Field(ge=1)
    voters: Annotated[list[ParticipantId], Field(max_length=100)] = []
    idea_ids: Annotated[list[uuid.UUID], Field(max_length=100)] = []
    detail: Annotated[str, Field(min_length=1, max_length=1_000)]


class HoldDecision(StrEnum):
    RELEASE = "release"  # the held vote counts, under the rules in force when it was cast
    DISCARD = "discard"  # the held vote never counts and frees the voter's budget


@event
class VoteHoldDecided(Payload):
    """A moderator (the envelope's actor) released or discarded a vote the anomaly detector
    held, with a reason. Keyed by the voter, like the vote."""

    __event_type__ = "vote.hold_decided"
    __topic__ = topics.STATUS
    __key_field__ = "voter_id"

    vote_event_id: uuid.UUID
    voter_id: ParticipantId
    campaign_id: uuid.UUID
    idea_id: uuid.UUID
    decision: HoldDecision
    reason: Reason


class IdeaTally(BaseModel):
    """One idea's tally after a change: counted supports and opposes (held votes are not)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idea_id: uuid.UUID
    supports: int = Field(ge=0, le=10**9)
    opposes: int = Field(ge=0, le=10**9)


@event
class TallyChanged(Payload):
    """The voting service's tallies of some of a campaign's ideas changed: each idea's new
    figures, as the tally shows them (absolute, not deltas). Published in the transaction that
    changed them, while it holds the tallies' rows, so for one idea a later event on the
    campaign's partition carries the later figures; a duplicate or a replay changes nothing.
    Other services show an idea's support from it without reading voting's tables."""

    __event_type__ = "tally.changed"
    __topic__ = topics.STATUS
    __key_field__ = "campaign_id"

    campaign_id: uuid.UUID
    ideas: Annotated[list[IdeaTally], Field(min_length=1, max_length=1_000)]


ScenarioName = Annotated[str, Field(min_length=1, max_length=80)]


class WhatIfScenario(BaseModel):
    """One way of counting a closed campaign: a rule (`greedy`, `equal shares`) and a variation
    (`baseline`, `no_threshold`, `held_released`, `merges_undone`, `without_sector:<sector>`),
    and the ideas it funds, in the rule's order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ScenarioName  # "<rule>/<variation>"
    rule: ScenarioName
    variation: ScenarioName
    selected: Annotated[list[uuid.UUID], Field(max_length=5_000)]
    total_cost: int = Field(ge=0, le=10**15)
    funded_voters: int = Field(ge=0, le=10**9)  # voters with at least one supported idea funded
    voters: int = Field(ge=0, le=10**9)


class IdeaFundedIn(BaseModel):
    """An idea funded under some of the scenarios but not all, and which."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idea_id: uuid.UUID
    funded_in: Annotated[list[ScenarioName], Field(min_length=1, max_length=64)]


@event
class WhatIfComputed(Payload):
    """The voting service replayed a closed campaign with a budget under other rules
    (`services/voting/domain/what_if.py`): per scenario the funded ideas; `stable`: funded under
    every scenario; `depends`: funded under some, with which; `skipped`: the variations that
    change nothing in this campaign, with why. Ideas are named by id only (their titles are
    public only while published).

    `occurred_at` is when the replay's inputs were settled in the log: the campaign's close, or
    the last hold decision or idea status after it. The event id is derived from the campaign,
    that moment and the answer, so the same replay made again is the same event; a replay of
    changed inputs is a new one (the latest by `occurred_at` is the campaign's answer)."""

    __event_type__ = "campaign.what_if_computed"
    __topic__ = topics.STATUS
    __key_field__ = "campaign_id"

    campaign_id: uuid.UUID
    votes: int = Field(ge=0, le=10**9)  # supporting votes replayed (counted, held, merged)
    budget: int = Field(ge=0, le=10**15)
    min_votes: int = Field(ge=0, le=10**9)
    official: ScenarioName  # the campaign's own count
    scenarios: Annotated[list[WhatIfScenario], Field(min_length=1, max_length=64)]
    stable: Annotated[list[uuid.UUID], Field(max_length=5_000)]
    depends: Annotated[list[IdeaFundedIn], Field(max_length=5_000)]
    skipped: Annotated[dict[ScenarioName, Annotated[str, Field(min_length=1, max_length=300)]],
                       Field(max_length=16)] = {}
