"""The ranking of a campaign's ideas by their votes: one order for the quarterly report's most
supported ideas and for an idea's journey (its place at the campaign's close)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping

from services.reporting.domain import IdeaState

# ideas taken out of the race: they are neither listed nor counted in a ranking
NOT_IN_RANKING = frozenset({"rejected", "withdrawn", "merged", "hidden"})


def ranking(ideas: Iterable[IdeaState], votes: Mapping[str, int],
            title: Callable[[uuid.UUID], str]) -> list[IdeaState]:
    """The ideas still in the race, most net votes first (`votes`: per idea id as text, each
    voter's latest vote counted); ties by the title the idea is shown by, then by id."""
    return sorted((i for i in ideas if i.status not in NOT_IN_RANKING),
                  key=lambda i: (-votes.get(str(i.idea_id), 0), title(i.idea_id),
                                 str(i.idea_id)))
