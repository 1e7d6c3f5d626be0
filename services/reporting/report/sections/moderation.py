"""Moderation in the quarter: decisions by kind, the queue at the end, time to a decision."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter

from schemas.moderation import ModerationDecided
from services.reporting.domain import World
from services.reporting.report.model import DecisionCount, ModerationSection
from services.reporting.report.quarter import Quarter

DECISION_ORDER = ("approve", "reject", "hide", "restore", "merge", "keep")


def moderation(state: World, q: Quarter) -> tuple[ModerationSection, list[uuid.UUID]]:
    in_quarter = [d for d in state.decisions if q.contains(d.occurred_at)]
    decided = [d.payload for d in in_quarter if isinstance(d.payload, ModerationDecided)]
    counts = Counter(p.decision.value for p in decided)
    waits = []
    for d in in_quarter:
        assert isinstance(d.payload, ModerationDecided)
        idea = state.ideas.get(d.payload.idea_id)
        if idea and idea.submitted_at and idea.first_decision_at == d.occurred_at:
            waits.append((d.occurred_at - idea.submitted_at).total_seconds() / 3600)
    queue = 0
    for idea in state.ideas.values():
        campaign = state.campaigns.get(idea.campaign_id)
        if idea.status == "pending" or (
                idea.status is None and idea.first_decision_at is None
                and idea.submitted_at is not None and campaign is not None
                and campaign.created.moderation.value == "pre"):
            queue += 1
    section = ModerationSection(
        decisions=tuple(DecisionCount(k, counts[k]) for k in DECISION_ORDER if counts[k]),
        decisions_in_quarter=len(in_quarter), queue_at_end=queue,
        median_hours_to_decision=round(statistics.median(waits), 2) if waits else None)
    return section, [d.event_id for d in in_quarter]
