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
