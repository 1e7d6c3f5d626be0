"""The common votes of a batch judged as sets, by ranks per voter, not one `_judge` step each.

Most batches are imports or ordinary casts: votes of known campaigns with one set of vote rules
in `support` mode, on ideas whose status never changed, cast without a client fingerprint. For
such votes every refusal but two depends on the vote alone (its campaign, window, audience,
value, the idea's status), decided once per campaign, idea and sector. The two that depend on
the voter's other votes are decided by ranks: within a campaign, a voter's casts are either a
first cast on a target or a repeat, and nothing in such a batch frees budget, so the first cast
of rank n (counted from 0, in the batch's order) counts iff `within_budget(stored + n)`; a cast
on a target the voter holds is a `duplicate`, and a repeat of a first cast in the batch is a
duplicate if that one counted, else over the budget as it was.

A voter with any other vote in the batch (a withdrawal, a client fingerprint, an unknown
campaign or idea, a merged idea or one whose status changed, rules that change, `updown`) is
judged wholly by `_judge`: voters are independent, so the two results add up. The rules are
those of the domain (`outside_window`, `audience_refusal`, `within_budget`, `duplicate`), called
here, stated there; a unit test holds this path to `_judge` on whole Pabulib files.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from schemas.campaigns import VoteMode, audience_refusal
from schemas.common import Sector
from schemas.moderation import IdeaStatus
from services.voting.domain import (
    CAST,
    COUNTED,
    REFUSED,
    ActiveVote,
    Campaign,
    Idea,
    Judgement,
    Rules,
    Verdict,
    Vote,
    _judge,
    duplicate,
    outside_window,
    within_budget,
)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a cast on (campaign, idea) needs, when such casts can be judged as a set."""

    campaign: Campaign
    target: uuid.UUID
    rules: Rules
    wrong_campaign: bool
    votable: bool


def _plan(campaign_id: uuid.UUID, campaign: Campaign | None, idea: Idea | None) -> _Plan | None:
    if campaign is None or idea is None:
        return None  # parked: `_judge` says why
    if len(idea.history) != 1 or idea.merged_into is not None:
        return None  # its votability or its target depends on the time or on other ideas
    if len(campaign.rules) != 1 or campaign.rules[0].mode is not VoteMode.SUPPORT:
        return None
    return _Plan(campaign, idea.idea_id, campaign.rules[0], idea.campaign_id != campaign_id,
                 idea.history[0].status is IdeaStatus.PUBLISHED)


class _Ranks:
    """One voter's ranks in the batch: the targets held before it, the first casts made in it."""

    __slots__ = ("firsts", "held", "new", "used")

    def __init__(self, stored: list[ActiveVote]) -> None:
        self.held: dict[int, ActiveVote] = {a.target_id.int: a for a in stored}
        self.used: dict[int, int] = {}  # by campaign (the ints of the ids: hashed in C)
        for a in stored:
            c = a.campaign_id.int
            self.used[c] = self.used.get(c, 0) + 1
        self.new: dict[int, int] = {}  # first casts of the batch so far, per campaign
        self.firsts: dict[int, Verdict] = {}  # target -> the batch's first cast on it


def judge_sets(votes: list[Vote], active: dict[str, list[ActiveVote]],
               campaigns: dict[uuid.UUID, Campaign], ideas: dict[uuid.UUID, Idea]) -> Judgement:
    """The verdicts `_judge` gives, in the batch's order: the common votes by ranks per voter,
    the other voters' votes by `_judge`."""
    plans: dict[tuple[int, int], _Plan | None] = {}
    planned: list[_Plan | None] = []
    others: set[str] = set()
    for v in votes:
        if v.kind != CAST or v.client is not None:
            others.add(v.voter_id)
            planned.append(None)
            continue
        key = (v.campaign_id.int, v.idea_id.int)
        if key in plans:
            plan = plans[key]
        else:
            plan = plans[key] = _plan(v.campaign_id, campaigns.get(v.campaign_id),
                                      ideas.get(v.idea_id))
        if plan is None:
            others.add(v.voter_id)
        planned.append(plan)
    if not others:
        out = Judgement()
        rest: list[Vote] = []
    else:
        rest = [v for v in votes if v.voter_id in others]
        out = _judge(rest, active, campaigns, ideas)
        if len(rest) == len(votes):
            return out
    slow = out.verdicts
    verdicts = out.verdicts = []
    audience: dict[tuple[int, str | None], tuple[str, str] | None] = {}
    ranks: dict[str, _Ranks] = {}
    counted: dict[int, int] = {}  # id of the plan -> casts it counted
    by_id: dict[int, _Plan] = {}
    n_slow = 0
    for v, plan in zip(votes, planned, strict=True):
        if plan is None or v.voter_id in others:
            if n_slow < len(slow) and slow[n_slow].vote is v:
                verdicts.append(slow[n_slow])
                n_slow += 1
            continue  # parked, or judged by `_judge`
        verdict = Verdict(v, REFUSED, target_id=plan.target)
        verdicts.append(verdict)
        if plan.wrong_campaign:
            verdict.reason = "wrong_campaign"
            continue
        outside = outside_window(plan.campaign, v.occurred_at)
        if outside is not None:
            verdict.reason = outside
            continue
        akey = (v.campaign_id.int, v.sector)
        if akey in audience:
            refused = audience[akey]
        else:
            refused = audience[akey] = audience_refusal(
                plan.campaign.audience, Sector(v.sector) if v.sector else None)
        if refused is not None:
            verdict.reason = refused[0]
            continue
        if v.value != 1:  # `support` campaigns only here
            verdict.reason = "invalid_value"
            continue
        if not plan.votable:
            verdict.reason = "idea_not_votable"
            continue
        r = ranks.get(v.voter_id)
        if r is None:
            r = ranks[v.voter_id] = _Ranks(active.get(v.voter_id, []))
        target = plan.target.int
        stored = r.held.get(target)
        first = r.firsts.get(target)
        if stored is not None:
            assert duplicate(stored.value, v.value, plan.rules)  # `support`: always
            verdict.reason = "duplicate"
        elif first is not None:
            # its first cast in the batch counted (a duplicate), or the budget was full then
            # and still is
            verdict.reason = ("duplicate" if first.state == COUNTED
                              and duplicate(first.vote.value, v.value, plan.rules)
                              else "budget_exceeded")
        else:
            r.firsts[target] = verdict
            cid = v.campaign_id.int
            rank = r.new.get(cid, 0)
            r.new[cid] = rank + 1
            if within_budget(r.used.get(cid, 0) + rank, plan.rules):
                verdict.state, verdict.reason = COUNTED, None
                p = id(plan)
                if p not in counted:
                    by_id[p], counted[p] = plan, 0
                counted[p] += 1
            else:
                verdict.reason = "budget_exceeded"
    assert n_slow == len(slow)
    for p, n in counted.items():
        out.add(by_id[p].campaign.campaign_id, by_id[p].target, 1, n)
    return out
