"""`GET /ideas/{idea_id}/journey`: one idea's whole path, from the reporting read model.

Public for a published idea; its author and staff also see it while it is not. The plan's part
(the initiative it went into, its milestones and progress) is shown whole to those who read the
plan, and to everyone else once the initiative's plan year is approved
(`domain.journey.initiative_shown`).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from schemas.envelope import utcnow
from services.infra.auth import Role
from services.infra.http import Context, OptionalPrincipal, WaitFor, not_found, wait_for_event
from services.reporting.domain.journey import Viewer, assemble, named_author
from services.reporting.journey import queries

router = APIRouter(tags=["ideas"])

_STAFF = {Role.MODERATOR, Role.PLANNER, Role.STEERING}
_PLAN_READERS = {Role.PLANNER, Role.STEERING}


@router.get("/ideas/{idea_id}/journey")
async def idea_journey(idea_id: uuid.UUID, ctx: Context, principal: OptionalPrincipal,
                       wait_for: WaitFor = None) -> dict[str, Any]:
    """One idea's whole path in time order: submitted, moderated (with the reason), revisions
    published, votes day by day, its place at the campaign's close, whether the budget funds it
    under the campaign's own rule and under which others, the official answer, the initiative
    it was adopted into and that initiative's milestones and progress since; with the author's
    name where the campaign shows names and the author agreed."""
    await wait_for_event(ctx, "reporting", wait_for)
    viewer = Viewer(sub=principal.sub if principal else None,
                    staff=principal is not None and principal.has_any(_STAFF),
                    plan_reader=principal is not None and principal.has_any(_PLAN_READERS))
    inputs = await queries.journey_inputs(ctx.pool, idea_id, utcnow())
    journey = None
    if inputs is not None:
        author = named_author(inputs)
        names = await ctx.shown_names({author}) if author else {}
        journey = assemble(inputs, viewer, names)
    if journey is None:
        raise not_found("idea", idea_id)
    return journey
