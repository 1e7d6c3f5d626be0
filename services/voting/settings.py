"""Settings of the voting service, from `VOTING_*` environment variables."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.voting.domain.holds import HoldRules


class VotingSettings(BaseSettings):
    """How long a vote naming an unknown campaign or idea waits before it is dead-lettered."""

    model_config = SettingsConfigDict(env_prefix="VOTING_", extra="ignore")

    park_seconds: float = Field(default=120.0, gt=0, le=86_400)
    retry_interval_s: float = Field(default=0.5, gt=0, le=60)
    # votes from one client fingerprint within a span of this many seconds are held (see
    # services/voting/domain/holds.py for why these numbers)
    burst_votes: int = Field(default=30, ge=2)
    burst_window_s: float = Field(default=60.0, gt=0, le=3_600)
    # the keys of the client fingerprints are destroyed this many days after their day, after
    # which no fingerprint of that day can be traced to an address (domain/clients.py)
    client_key_days: int = Field(default=30, ge=1, le=366)
    # votes per batch, at most: a decoded vote holds about 4 KB until its batch commits; on
    # Warsaw the worker peaked at 225 MB resident with 10,000, at 266-291 MB with 20,000
    batch_size: int = Field(default=10_000, ge=1, le=100_000)
    gc_threshold: int = Field(default=100_000, ge=700)  # gen-0 threshold of the worker process
    # the key of the voter pseudonyms in `GET /campaigns/{id}/export.pb` (HMAC-SHA256 of the
    # voter id): stable across exports, not reversible without it; unset: derived from JWT_SECRET
    export_secret: str | None = Field(default=None, min_length=16)

    # what-if replays: a closed campaign is replayed once no vote of it was decided for this long
    what_if_quiet_s: float = Field(default=60.0, ge=0, le=7 * 86_400)
    what_if_interval_s: float = Field(default=30.0, gt=0, le=3_600)

    # stored selections (selection_jobs): how often the worker looks for requests, and how many
    # distinct computations may wait per campaign and per caller before a request is refused
    selection_interval_s: float = Field(default=1.0, gt=0, le=3_600)
    selection_pending_per_campaign: int = Field(default=4, ge=1, le=1_000)
    selection_pending_per_caller: int = Field(default=2, ge=1, le=1_000)

    # new voters casting the same ballot (2+ ideas) with first votes within this many seconds
    ballot_voters: int = Field(default=5, ge=2)
    ballot_window_s: float = Field(default=600.0, gt=0, le=86_400)

    def hold_rules(self) -> HoldRules:
        return HoldRules(self.burst_votes, timedelta(seconds=self.burst_window_s),
                         self.ballot_voters, timedelta(seconds=self.ballot_window_s))
