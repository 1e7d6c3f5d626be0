"""Document control: what the report is about and computed from, its date, author, version,
recipients and approval state."""

from __future__ import annotations

from services.reporting.report.model import REPORT_FORMAT, Cover
from services.reporting.report.sections.common import Ctx, plan_title

RECIPIENTS = ("recipient.steering_group", "recipient.funders")


def author(ctx: Ctx) -> str:
    """The person who asked for the report as the plan names them ("Name, role"); the timer's
    report is the centre's own."""
    who = ctx.inputs.author
    if not who:
        return ""
    for m in ctx.plan.drafted.staff if ctx.plan is not None and ctx.plan.drafted else []:
        if m.staff_id == who:
            return f"{m.name}, {m.role}"
    return who


def cover(ctx: Ctx, plan_version: int, events_in_quarter: int) -> Cover:
    q, plan, inputs = ctx.q, ctx.plan, ctx.inputs
    draft = inputs.draft_as_of is not None
    meetings = sorted(r.request.for_meeting_on for r in ctx.state.requests.values()
                      if r.taken is None and r.request.for_meeting_on > ctx.day)
    approval = ("approval.draft" if draft
                else "approval.for_meeting" if meetings else "approval.for_next_meeting")
    return Cover(
        plan_id=str(plan.year) if plan else "", plan_title=plan_title(plan) if plan else "–",
        plan_year=plan.year if plan else None, plan_version=plan_version, quarter=str(q),
        period_start=q.first_day, period_end=q.last_day, cutoff=q.end,
        timezone="Europe/Copenhagen", fingerprint=inputs.fingerprint,
        previous_quarter=str(q.previous()), previous_fingerprint=inputs.previous_fingerprint,
        generated_by=REPORT_FORMAT, events_in_quarter=events_in_quarter,
        dated=ctx.day, author=author(ctx), version="0.1" if draft else "1.0",
        recipients=RECIPIENTS, approval=approval,
        approval_meeting=meetings[0] if meetings and not draft else None, draft=draft)
