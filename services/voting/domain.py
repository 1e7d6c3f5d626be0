"""Vote rules: pure decisions over one batch of votes, given what is known of their voters.

The projection loads the state of the batch's voters, campaigns and ideas in a few queries, calls
`judge`, and writes what it returns with set-based SQL. Nothing here does I/O.

A vote counts only if its `occurred_at` is inside the campaign's window, the idea is published at
that moment (an idea merged into another counts for its final target), the voter has no active
vote on that target (in `updown` a different value replaces the old one), and the voter stays
within the campaign's budget under the rules in force at `occurred_at`. Withdrawing frees budget.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from schemas.campaigns import VoteMode
from schemas.moderation import IdeaStatus

CAST = "cast"
WITHDRAW = "withdraw"

# states of a stored vote row
COUNTED = "counted"
REFUSED = "refused"
WITHDRAWN = "withdrawn"  # a counted vote its voter withdrew later
REPLACED = "replaced"  # an updown vote replaced by a later one with the other value
APPLIED = "applied"  # a withdrawal that took effect
MERGED_DUPLICATE = "merged_duplicate"  # its idea was merged into one the voter also voted for


@dataclass(frozen=True)
class Rules:
    effective_from: datetime | None  # None: from the campaign's creation
    mode: VoteMode
    max_votes: int


@dataclass(frozen=True)
class Campaign:
    campaign_id: uuid.UUID
    opens_at: datetime
    closes_at: datetime
    rules: tuple[Rules, ...]  # sorted by effective_from, the creation rules first

    def rules_at(self, at: datetime) -> Rules:
        current = self.rules[0]
        for r in self.rules[1:]:
            if r.effective_from is not None and r.effective_from <= at:
                current = r
        return current


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    status: IdeaStatus
    merged_into: uuid.UUID | None


@dataclass(frozen=True)
class Idea:
    idea_id: uuid.UUID
    campaign_id: uuid.UUID
    history: tuple[StatusChange, ...]  # sorted by `at`; never empty

    def status_at(self, at: datetime) -> StatusChange:
        # before its first known status an idea is in its first status (it was submitted then)
        current = self.history[0]
        for change in self.history[1:]:
            if change.at <= at:
                current = change
        return current

    @property
    def merged_into(self) -> uuid.UUID | None:
        last = self.history[-1]
        return last.merged_into if last.status is IdeaStatus.MERGED else None


@dataclass(frozen=True)
class Vote:
    event_id: uuid.UUID
    kind: str  # CAST or WITHDRAW
    voter_id: str
    campaign_id: uuid.UUID
    idea_id: uuid.UUID
    value: int
    occurred_at: datetime
    sector: str | None = None


@dataclass
class ActiveVote:
    """A counted vote of a voter, stored earlier or decided earlier in the batch."""

    event_id: uuid.UUID
    campaign_id: uuid.UUID
    target_id: uuid.UUID
    value: int


@dataclass
class Verdict:
    vote: Vote
    state: str
    reason: str | None = None
    target_id: uuid.UUID | None = None


@dataclass
class Judgement:
    verdicts: list[Verdict] = field(default_factory=list)
    parked: list[tuple[Vote, str]] = field(default_factory=list)  # (vote, why)
    # counted votes stored before this batch whose state changes now: event_id -> new state
    superseded: dict[uuid.UUID, str] = field(default_factory=dict)
    # (campaign, target idea) -> [supports delta, opposes delta]
    deltas: dict[tuple[uuid.UUID, uuid.UUID], list[int]] = field(default_factory=dict)

    def add(self, campaign_id: uuid.UUID, target: uuid.UUID, value: int, sign: int) -> None:
        d = self.deltas.setdefault((campaign_id, target), [0, 0])
        d[0 if value > 0 else 1] += sign


def final_target(idea: Idea, ideas: dict[uuid.UUID, Idea]) -> Idea | None:
    """Follow merges to the idea that collects the votes (None if a target is unknown)."""
    seen = {idea.idea_id}
    while idea.merged_into is not None:
        nxt = ideas.get(idea.merged_into)
        if nxt is None or nxt.idea_id in seen:
            return None
        seen.add(nxt.idea_id)
        idea = nxt
    return idea


def _votable_at(idea: Idea, ideas: dict[uuid.UUID, Idea], at: datetime) -> bool:
    seen: set[uuid.UUID] = set()
    current: Idea | None = idea
    while current is not None and current.idea_id not in seen:
        seen.add(current.idea_id)
        change = current.status_at(at)
        if change.status is IdeaStatus.PUBLISHED:
            return True
        if change.status is not IdeaStatus.MERGED or change.merged_into is None:
            return False
        current = ideas.get(change.merged_into)
    return False


def _drop(out: Judgement, in_batch: dict[uuid.UUID, Verdict], mine: list[ActiveVote],
          a: ActiveVote, state: str) -> None:
    """A counted vote stops counting (withdrawn or replaced)."""
    mine.remove(a)
    out.add(a.campaign_id, a.target_id, a.value, -1)
    earlier = in_batch.get(a.event_id)
    if earlier is not None:
        earlier.state = state
    else:
        out.superseded[a.event_id] = state


def judge(
    votes: list[Vote],
    active: dict[str, list[ActiveVote]],
    campaigns: dict[uuid.UUID, Campaign],
    ideas: dict[uuid.UUID, Idea],
) -> Judgement:
    """Decide every vote in order. `active` (voter -> counted votes) is updated in place."""
    out = Judgement()
    in_batch: dict[uuid.UUID, Verdict] = {}
    for vote in votes:
        campaign = campaigns.get(vote.campaign_id)
        idea = ideas.get(vote.idea_id)
        if campaign is None:
            out.parked.append((vote, "unknown_campaign"))
            continue
        if idea is None:
            out.parked.append((vote, "unknown_idea"))
            continue
        target = final_target(idea, ideas)
        if target is None:
            out.parked.append((vote, "unknown_idea"))
            continue
        verdict = Verdict(vote, REFUSED, target_id=target.idea_id)
        out.verdicts.append(verdict)
        in_batch[vote.event_id] = verdict
        if idea.campaign_id != vote.campaign_id:
            verdict.reason = "wrong_campaign"
            continue
        if vote.occurred_at < campaign.opens_at:
            verdict.reason = "campaign_not_open"
            continue
        if vote.occurred_at >= campaign.closes_at:
            verdict.reason = "campaign_closed"
            continue
        mine = active.setdefault(vote.voter_id, [])
        existing = next((a for a in mine if a.target_id == target.idea_id), None)

        if vote.kind == WITHDRAW:
            if existing is None:
                verdict.reason = "no_active_vote"
                continue
            _drop(out, in_batch, mine, existing, WITHDRAWN)
            verdict.state = APPLIED
            continue

        rules = campaign.rules_at(vote.occurred_at)
        if rules.mode is VoteMode.SUPPORT and vote.value != 1:
            verdict.reason = "invalid_value"
            continue
        if not _votable_at(idea, ideas, vote.occurred_at):
            verdict.reason = "idea_not_votable"
            continue
        if existing is not None:
            if existing.value == vote.value or rules.mode is VoteMode.SUPPORT:
                verdict.reason = "duplicate"
                continue
            _drop(out, in_batch, mine, existing, REPLACED)  # updown: the new value replaces the old one
        else:
            used = sum(1 for a in mine if a.campaign_id == vote.campaign_id)
            if used >= rules.max_votes:
                verdict.reason = "budget_exceeded"
                continue
        verdict.state = COUNTED
        mine.append(ActiveVote(vote.event_id, vote.campaign_id, target.idea_id, vote.value))
        out.add(vote.campaign_id, target.idea_id, vote.value, +1)
    return out
