"""Who took part in a campaign, and the figures goals can be bound to (`computed_from`)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from schemas.plan import Goal, GoalFigure
from services.reporting.domain import World, local_day
from services.reporting.report.sections.common import CampaignVotes, adoptions


def participants(state: World, cid: uuid.UUID, votes: CampaignVotes | None
                 ) -> dict[str, str | None]:
    """Participants (id -> sector): every voter with an active vote and every author of an
    idea, except the staff who seeded the campaign (an import, say)."""
    c = state.campaigns[cid]
    sectors: dict[str, str | None] = dict(votes.voters) if votes else {}
    for idea in state.ideas.values():
        if (idea.campaign_id == cid and idea.author and idea.submitted_at is not None
                and idea.author != c.created_by):
            sectors[idea.author] = sectors.get(idea.author) or idea.sector
    return sectors


@dataclass(frozen=True)
class Figures:
    """Figures the system computes itself, that goals can be bound to."""

    participants: Mapping[uuid.UUID, int]
    ideas: Mapping[uuid.UUID, int]
    opened: Mapping[uuid.UUID, int]  # campaign -> year it opened (Danish time)
    imported: frozenset[uuid.UUID]  # campaigns imported from elsewhere
    adopted_by_year: Mapping[int, int]

    def value(self, goal: Goal) -> float | None:
        """A goal bound to a year counts the centre's own campaigns of that year; an imported
        campaign counts only for a goal that names it."""
        c = goal.computed_from
        if c is None:
            return None
        if c.figure is GoalFigure.IDEAS_ADOPTED:
            return float(self.adopted_by_year.get(c.year or 0, 0)) if c.year else None
        per = self.participants if c.figure is GoalFigure.PARTICIPANTS else self.ideas
        if c.campaign_id is not None:
            return float(per.get(c.campaign_id, 0))
        return float(sum(n for cid, n in per.items()
                         if self.opened.get(cid) == c.year and cid not in self.imported))


def figures(state: World, votes: Mapping[str, CampaignVotes]) -> Figures:
    people, ideas, opened = {}, {}, {}
    for cid, c in state.campaigns.items():
        people[cid] = len(participants(state, cid, votes.get(str(cid))))
        ideas[cid] = sum(1 for i in state.ideas.values() if i.campaign_id == cid)
        opened[cid] = local_day(c.created.opens_at).year
    imported = frozenset(cid for cid, c in state.campaigns.items() if c.created.imported_from)
    adopted: Counter[int] = Counter()
    for plan in state.plans.values():
        adopted[plan.year] += sum(len(adoptions(i)) for i in plan.initiatives.values())
    return Figures(people, ideas, opened, imported, adopted)
