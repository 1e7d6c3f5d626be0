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
from typing import NamedTuple

from schemas.campaigns import VoteMode, audience_refusal
from schemas.common import Sector
from schemas.moderation import IdeaStatus
from schemas.votes import HoldDecision
from services.voting.domain.holds import (
    BallotVote,
    ClientVote,
    HoldRules,
    ballot_suspects,
    burst_suspects,
)

CAST = "cast"
WITHDRAW = "withdraw"

# states of a stored vote row
COUNTED = "counted"
REFUSED = "refused"
WITHDRAWN = "withdrawn"  # a counted vote its voter withdrew later
REPLACED = "replaced"  # an updown vote replaced by a later one with the other value
APPLIED = "applied"  # a withdrawal that took effect
MERGED_DUPLICATE = "merged_duplicate"  # its idea was merged into one the voter also voted for
HELD = "held"  # suspected by the anomaly detector: occupies budget, not in the tally
DISCARDED = "discarded"  # a held vote a moderator discarded: never counts, frees budget


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
    audience: frozenset[Sector] = frozenset(Sector)

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


class Vote(NamedTuple):
    """One cast or withdrawal to judge. A named tuple, not a frozen dataclass: the worker makes
    one per message, and a frozen dataclass's `__init__` cost about three times as much."""

    event_id: uuid.UUID
    kind: str  # CAST or WITHDRAW
    voter_id: str
    campaign_id: uuid.UUID
    idea_id: uuid.UUID
    value: int
    occurred_at: datetime
    sector: str | None = None
    client: str | None = None  # fingerprint of the caller; votes from the API only


@dataclass(slots=True)
class Verdict:
    vote: Vote
    state: str
    reason: str | None = None
    target_id: uuid.UUID | None = None


@dataclass(slots=True)
class ActiveVote:
    """A counted vote of a voter, stored before the batch or decided earlier in it."""

    event_id: uuid.UUID
    campaign_id: uuid.UUID
    target_id: uuid.UUID
    value: int
    verdict: Verdict | None = None  # set when decided in the current batch
    held: bool = False  # held votes occupy budget but are not in the tally


@dataclass
class Judgement:
    verdicts: list[Verdict] = field(default_factory=list)
    parked: list[tuple[Vote, str]] = field(default_factory=list)  # (vote, why)
    # counted votes stored before this batch whose state changes now: event_id -> new state
    superseded: dict[uuid.UUID, str] = field(default_factory=dict)
    # (campaign, target idea) -> [supports delta, opposes delta]
    deltas: dict[tuple[uuid.UUID, uuid.UUID], list[int]] = field(default_factory=dict)
    # stored votes held now: event_id -> why (their state is in `superseded`)
    hold_reasons: dict[uuid.UUID, str] = field(default_factory=dict)

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


def outside_window(campaign: Campaign, at: datetime) -> str | None:
    """Why a vote at `at` is outside the campaign's voting window, or None inside it."""
    if at < campaign.opens_at:
        return "campaign_not_open"
    if at >= campaign.closes_at:
        return "campaign_closed"
    return None


def votable_at(idea: Idea, ideas: dict[uuid.UUID, Idea], at: datetime) -> bool:
    """Published at `at`, or merged (then) into an idea that is, following the merges."""
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


def within_budget(used: int, rules: Rules) -> bool:
    """The budget rule: a voter with `used` counted or held votes in a campaign may add one."""
    return used < rules.max_votes


def duplicate(existing_value: int, value: int, rules: Rules) -> bool:
    """A cast on an idea the voter has an active vote on is a duplicate, unless the campaign
    votes up and down and the value differs (then the new value replaces the old one)."""
    return existing_value == value or rules.mode is VoteMode.SUPPORT


class _Voter:
    """One voter's counted votes during a batch: by target idea, and how many per campaign."""

    __slots__ = ("held", "used")

    def __init__(self, stored: list[ActiveVote]) -> None:
        self.held: dict[uuid.UUID, ActiveVote] = {a.target_id: a for a in stored}
        self.used: dict[uuid.UUID, int] = {}
        for a in stored:
            self.used[a.campaign_id] = self.used.get(a.campaign_id, 0) + 1

    def drop(self, out: Judgement, a: ActiveVote, state: str) -> None:
        """A counted vote stops counting (withdrawn or replaced)."""
        del self.held[a.target_id]
        self.used[a.campaign_id] -= 1
        if not a.held:
            out.add(a.campaign_id, a.target_id, a.value, -1)
        if a.verdict is not None:
            a.verdict.state = state  # decided earlier in this batch
        else:
            out.superseded[a.event_id] = state


@dataclass(frozen=True, slots=True)
class StoredClientVote:
    """A stored, not refused, cast vote with a fingerprint near the batch (for the holds)."""

    event_id: uuid.UUID
    client: str
    occurred_at: datetime
    state: str
    campaign_id: uuid.UUID
    target_id: uuid.UUID
    value: int
    voter_id: str = ""
    reason: str | None = None


def judge(
    votes: list[Vote],
    active: dict[str, list[ActiveVote]],
    campaigns: dict[uuid.UUID, Campaign],
    ideas: dict[uuid.UUID, Idea],
    stored_client_votes: list[StoredClientVote] | None = None,
    hold_rules: HoldRules | None = None,
    first_seen: dict[str, datetime] | None = None,
) -> Judgement:
    """Decide every vote in order, given the counted and held votes stored before the batch
    (`active`); then hold what the anomaly rules suspect (see `holds`). `first_seen`: each
    voter's earliest stored vote, for who is a new account."""
    out = judge_sets(votes, active, campaigns, ideas)
    if hold_rules is not None:
        hold(out, stored_client_votes or [], hold_rules, first_seen or {})
    return out


def hold(out: Judgement, stored: list[StoredClientVote], rules: HoldRules,
         first_seen: dict[str, datetime] | None = None) -> None:
    """Hold the counted votes, of this batch or stored, that `holds.burst_suspects` names.

    A moderator's decision on a vote is applied after the hold, in the same transaction
    (`projections.apply_hold_decisions`): a released vote held again is released again, and a
    decision that arrived before its hold (a replay) takes effect when the hold does."""
    fresh = [v for v in out.verdicts
             if v.vote.kind == CAST and v.vote.client and v.state != REFUSED]
    candidates = [ClientVote(s.event_id, s.client, s.occurred_at) for s in stored]
    candidates += [ClientVote(v.vote.event_id, v.vote.client, v.vote.occurred_at)
                   for v in fresh if v.vote.client]
    bursts = burst_suspects(candidates, rules)
    seen = dict(first_seen or {})
    for v in fresh:
        if v.vote.voter_id not in seen or v.vote.occurred_at < seen[v.vote.voter_id]:
            seen[v.vote.voter_id] = v.vote.occurred_at
    # Ballots are judged in the campaigns the batch votes in, where every stored API vote
    # near it is at hand. The stored votes also hold the batch's clients' votes in other
    # campaigns (for the burst rule): there only those clients' part of a group is at hand,
    # and a group judged from a part of it would release what the whole of it holds.
    voted_in = {v.vote.campaign_id for v in fresh}
    ballots = ballot_suspects(
        [BallotVote(s.event_id, s.voter_id, s.campaign_id, s.target_id, s.occurred_at)
         for s in stored if s.voter_id and s.campaign_id in voted_in]
        + [BallotVote(v.vote.event_id, v.vote.voter_id, v.vote.campaign_id, v.target_id,
                      v.vote.occurred_at) for v in fresh if v.target_id is not None],
        seen, rules)
    reasons = {i: rules.ballot_reason() for i in ballots}
    reasons.update({i: rules.burst_reason() for i in bursts})
    for v in fresh:
        if v.state == COUNTED and v.vote.event_id in reasons:
            assert v.target_id is not None
            v.state, v.reason = HELD, reasons[v.vote.event_id]
            out.add(v.vote.campaign_id, v.target_id, v.vote.value, -1)
    ballot_reason = rules.ballot_reason()
    for s in stored:
        if s.event_id in out.superseded:
            continue
        if s.state == COUNTED and s.event_id in reasons:
            out.superseded[s.event_id] = HELD
            out.hold_reasons[s.event_id] = reasons[s.event_id]
            out.add(s.campaign_id, s.target_id, s.value, -1)
        elif (s.state == HELD and s.reason == ballot_reason and s.event_id not in reasons
              and s.campaign_id in voted_in):
            # its ballot changed and left the group: it counts again
            out.superseded[s.event_id] = COUNTED
            out.hold_reasons[s.event_id] = "released: the ballot is no longer one of a group"
            out.add(s.campaign_id, s.target_id, s.value, +1)


def _judge(
    votes: list[Vote],
    active: dict[str, list[ActiveVote]],
    campaigns: dict[uuid.UUID, Campaign],
    ideas: dict[uuid.UUID, Idea],
) -> Judgement:
    out = Judgement()
    voters: dict[str, _Voter] = {}
    targets: dict[uuid.UUID, Idea | None] = {}
    # an idea whose (and whose target's) status never changed is votable or not at any time
    constant: dict[uuid.UUID, bool | None] = {}
    # the audience rule decided once per campaign and sector, not once per vote
    audience: dict[tuple[uuid.UUID, str | None], tuple[str, str] | None] = {}
    for vote in votes:
        campaign = campaigns.get(vote.campaign_id)
        idea = ideas.get(vote.idea_id)
        if campaign is None:
            out.parked.append((vote, "unknown_campaign"))
            continue
        if idea is None:
            out.parked.append((vote, "unknown_idea"))
            continue
        if idea.idea_id in targets:
            target = targets[idea.idea_id]
        else:
            target = targets[idea.idea_id] = final_target(idea, ideas)
            constant[idea.idea_id] = (
                idea.history[0].status is IdeaStatus.PUBLISHED
                if len(idea.history) == 1 and target is idea else None)
        if target is None:
            out.parked.append((vote, "unknown_idea"))
            continue
        verdict = Verdict(vote, REFUSED, target_id=target.idea_id)
        out.verdicts.append(verdict)
        if idea.campaign_id != vote.campaign_id:
            verdict.reason = "wrong_campaign"
            continue
        outside = outside_window(campaign, vote.occurred_at)
        if outside is not None:
            verdict.reason = outside
            continue
        if vote.kind == CAST:
            key = (vote.campaign_id, vote.sector)
            if key in audience:
                refused = audience[key]
            else:
                refused = audience[key] = audience_refusal(
                    campaign.audience, Sector(vote.sector) if vote.sector else None)
            if refused is not None:
                verdict.reason = refused[0]
                continue
        voter = voters.get(vote.voter_id)
        if voter is None:
            voter = voters[vote.voter_id] = _Voter(active.get(vote.voter_id, []))
        existing = voter.held.get(target.idea_id)

        if vote.kind == WITHDRAW:
            if existing is None:
                verdict.reason = "no_active_vote"
                continue
            voter.drop(out, existing, WITHDRAWN)
            verdict.state = APPLIED
            continue

        rules = campaign.rules_at(vote.occurred_at)
        if rules.mode is VoteMode.SUPPORT and vote.value != 1:
            verdict.reason = "invalid_value"
            continue
        votable = constant[idea.idea_id]
        if votable is None:
            votable = votable_at(idea, ideas, vote.occurred_at)
        if not votable:
            verdict.reason = "idea_not_votable"
            continue
        if existing is not None:
            if duplicate(existing.value, vote.value, rules):
                verdict.reason = "duplicate"
                continue
            voter.drop(out, existing, REPLACED)  # updown: the new value replaces the old one
        elif not within_budget(voter.used.get(vote.campaign_id, 0), rules):
            verdict.reason = "budget_exceeded"
            continue
        verdict.state = COUNTED
        voter.held[target.idea_id] = ActiveVote(vote.event_id, vote.campaign_id, target.idea_id,
                                                vote.value, verdict)
        voter.used[vote.campaign_id] = voter.used.get(vote.campaign_id, 0) + 1
        out.add(vote.campaign_id, target.idea_id, vote.value, +1)
    return out


# `admit`'s answer for a cast on an idea nobody but its author and staff may see
IDEA_NOT_SHOWN = "idea_not_shown"


@dataclass(frozen=True)
class CastVote:
    """A participant votes on an idea at the edge: +1 supports, -1 opposes (`updown` only)."""

    idea_id: uuid.UUID
    value: int
    # the caller, fingerprinted by the handler for anomaly detection (`clients.fingerprint`)
    address: str
    user_agent: str | None


@dataclass(frozen=True)
class WithdrawVote:
    idea_id: uuid.UUID


@dataclass(frozen=True)
class DecideHold:
    """A moderator releases or discards a held vote, with a reason."""

    event_id: uuid.UUID
    decision: HoldDecision
    reason: str


@dataclass(frozen=True)
class DecideHolds:
    """A moderator releases or discards many held votes at once, with one reason."""

    event_ids: tuple[uuid.UUID, ...]
    decision: HoldDecision
    reason: str


def hold_refusal(event_id: uuid.UUID, state: str | None, decided: bool) -> str | None:
    """Why a moderator's decision on the vote `event_id` is refused, or None: only a held vote
    that no moderator has decided yet is released or discarded (the first decision counts)."""
    if state is None:
        return f"no vote {event_id}"
    if state != HELD or decided:
        return (f"vote {event_id} is {state}" + (" and already decided" if decided else "")
                + ": only a held vote is released or discarded")
    return None


def admit(kind: str, campaign: Campaign, idea: Idea, ideas: dict[uuid.UUID, Idea],
          at: datetime, sector: Sector | None = None) -> tuple[str, str | None] | None:
    """Why the edge refuses a vote request now, as (code, message or None), or None: the same
    rules `judge` applies to the event later (for a cast, an idea that is not votable; a
    campaign outside its window; for a cast, an audience the voter is not in).

    A cast on an idea that is not votable (pending, hidden, rejected, withdrawn, or merged into
    one of those) is `IDEA_NOT_SHOWN`, checked first: the edge answers it as an idea that does not
    exist, as reading the idea does, so neither its status nor its campaign's window or audience
    tell anyone that an unpublished idea is there."""
    if kind == CAST and not votable_at(idea, ideas, at):
        return IDEA_NOT_SHOWN, None
    outside = outside_window(campaign, at)
    if outside is not None:
        return outside, None
    if kind == CAST and (refused := audience_refusal(campaign.audience, sector)) is not None:
        return refused
    return None


def shown_publicly(status: IdeaStatus) -> bool:
    """Whether a tally, ranking or export shows an idea (its title and its counts) to people
    other than staff: the one rule, `IdeaStatus.public`. Votes for other ideas are kept and
    counted, and shown to staff only."""
    return status.public


class BurstCounter:
    """Counts events per key in tumbling windows; says when a key reaches the threshold.

    `seen(key, at)` returns the count when it has just reached `threshold` in the window holding
    `at` (once per key and window), else None. Windows older than `keep` windows are dropped.
    """

    def __init__(self, threshold: int, window_s: float, keep: int = 3) -> None:
        self.threshold = threshold
        self.window_s = window_s
        self.keep = keep
        self.counts: dict[tuple[str, float], int] = {}
        self.latest = 0.0

    def window_start(self, at: float) -> float:
        return at - at % self.window_s

    def seen(self, key: str, at: float) -> int | None:
        start = self.window_start(at)
        if start > self.latest:
            self.latest = start
            horizon = start - self.keep * self.window_s
            self.counts = {k: n for k, n in self.counts.items() if k[1] > horizon}
        n = self.counts[(key, start)] = self.counts.get((key, start), 0) + 1
        return n if n == self.threshold else None


# The set-wise path for the common votes of a batch; it calls `_judge` for the others.
from services.voting.domain.sets import judge_sets  # noqa: E402  (it uses the names above)
