"""What the ideastorms produced: per campaign its question, whether it was imported (and from
where), participants by sector, the most supported ideas by approved title, what became of
each idea taken into the plan, and, for a campaign with a budget that closed, which ideas win
under every rule and which depend on the choice (the voting service's replay)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from schemas.campaigns import VoteTimes
from services.reporting.domain import end_of_day, local_day
from services.reporting.domain.ranking import ranking
from services.reporting.report.model import (
    AdoptedIdea,
    CampaignSection,
    DependentIdea,
    Rag,
    RankedIdea,
    ScenarioLine,
    SectorCount,
    Source,
    Stability,
    fingerprint_of,
)
from services.reporting.report.sections.answers import answered_campaigns, answers
from services.reporting.report.sections.common import (
    CampaignVotes,
    Ctx,
    adoptions,
    idea_title,
    source,
    title,
    types,
)
from services.reporting.report.sections.milestones import next_step
from services.reporting.report.sections.participation import participants

SECTOR_ORDER = ("state", "municipality", "region", "private", "citizen", "unknown")
TOP = 10


def window_days(opens: datetime, closes: datetime) -> tuple[date, date]:
    """The days a campaign was open, both included. A window given as whole calendar days (both
    ends at midnight UTC, as an import from a source that has only dates writes it) is shown as
    those days; any other window by the days it touches in Danish time (the closing instant
    itself is not open)."""
    at_midnight = all(m.astimezone(UTC).time() == time() for m in (opens, closes))
    if at_midnight:
        return opens.astimezone(UTC).date(), (closes.astimezone(UTC) - timedelta(days=1)).date()
    return local_day(opens), local_day(closes - timedelta(microseconds=1))


def _adopted(ctx: Ctx, ideas: set[uuid.UUID]) -> tuple[list[AdoptedIdea], list[uuid.UUID]]:
    out: dict[uuid.UUID, AdoptedIdea] = {}
    ids = []
    for ini in sorted(ctx.state.initiatives.values(), key=lambda i: (title(i),
                                                                     str(i.definition.initiative_id))):
        for idea_id, day, event_id in adoptions(ini):
            if idea_id not in ideas:
                continue
            ids.append(event_id)
            known = out.get(idea_id)
            if known is not None and known.adopted_on <= day:
                continue  # each idea once: where it was first taken in
            step, due = next_step(ini, ctx.day)
            plan_ini = ctx.plan is not None and ini in ctx.plan.initiatives.values()
            out[idea_id] = AdoptedIdea(
                idea_title(ctx.state, idea_id), title(ini), day,
                owner=ctx.name(ini.definition.owner), next_step=step,
                next_step_due=due if isinstance(due, date) else None,
                status=Rag(ctx.status(ini).rag) if plan_ini else Rag.NONE)
    return sorted(out.values(), key=lambda a: (a.adopted_on, a.idea_title)), ids


def stability(ctx: Ctx, cid: uuid.UUID) -> tuple[Stability | None, list[Source]]:
    """For a campaign with a budget that closed by the cut-off: the voting service's latest
    replay under other rules that occurred before it, its ideas by approved title; or that it is
    not yet available. None for a campaign still open, or without a budget (nothing to fund)."""
    created = ctx.state.campaigns[cid].created
    cutoff = end_of_day(ctx.day)
    if created.budget is None or created.closes_at >= cutoff:
        return None, []
    found = ctx.inputs.what_ifs.get(str(cid))
    if found is None or found.occurred_at >= cutoff:
        return Stability("not_yet_available"), []
    w = found.what_if

    def named(ids: list[uuid.UUID]) -> tuple[str, ...]:
        return tuple(idea_title(ctx.state, i) for i in ids)

    section = Stability(
        "computed", settled_at=found.occurred_at, votes=w.votes, budget=w.budget,
        min_votes=w.min_votes,
        scenarios=tuple(ScenarioLine(sc.name, sc.rule, sc.variation, sc.name == w.official,
                                     named(sc.selected), sc.total_cost, sc.funded_voters,
                                     sc.voters) for sc in w.scenarios),
        stable=named(w.stable),
        depends=tuple(DependentIdea(idea_title(ctx.state, d.idea_id), tuple(d.funded_in))
                      for d in w.depends),
        skipped=tuple(sorted(w.skipped)))
    ids = (str(found.event_id),)
    return section, [Source("what_if", created.title, (type(w).__event_type__,),
                            fingerprint_of(ids), ids)]


def campaign(ctx: Ctx, cid: uuid.UUID, votes: CampaignVotes | None
             ) -> tuple[CampaignSection, list[Source]]:
    state = ctx.state
    c = state.campaigns[cid]
    created = c.created
    ideas = [i for i in state.ideas.values() if i.campaign_id == cid]
    by_idea = dict(votes.by_idea) if votes else {}
    sectors = participants(state, cid, votes)
    counts = Counter(s or "unknown" for s in sectors.values())
    ranked = ranking(ideas, by_idea, lambda i: idea_title(state, i))
    adopted, adoption_ids = _adopted(ctx, {i.idea_id for i in ideas})
    real_times = created.vote_times is VoteTimes.RECORDED
    stable, stability_sources = stability(ctx, cid)
    answered, answer_sources = answers(ctx, cid)
    first, last = window_days(created.opens_at, created.closes_at)
    section = CampaignSection(
        campaign_id=str(cid), title=created.title, opens_at=created.opens_at,
        closes_at=created.closes_at,
        participants=len(sectors),
        participants_by_sector=tuple(SectorCount(s, counts[s]) for s in SECTOR_ORDER if counts[s]),
        ideas_submitted=len(ideas),
        ideas_published=sum(1 for i in ideas if i.ever_published),
        ideas_rejected=sum(1 for i in ideas if i.status == "rejected"),
        votes=sum(by_idea.values()),
        top_ideas=tuple(RankedIdea(n, idea_title(state, i.idea_id),
                                   by_idea.get(str(i.idea_id), 0), i.status or "pending")
                        for n, i in enumerate(ranked[:TOP], start=1)),
        adopted_ideas=tuple(adopted),
        votes_by_day=votes.cast_by_day if votes and real_times else (),
        first_day=first, last_day=last,
        vote_times=created.vote_times.value,
        question=created.question,
        imported_from=created.imported_from,
        counts_for_goals=created.imported_from is None,
        stability=stable,
        answers=answered,
    )
    idea_ids = [e for i in ideas for e in i.ids] + c.ids
    sources = [source("campaign", created.title, types(ctx.by_id, idea_ids), idea_ids)]
    if votes:
        sources.append(Source("votes", created.title, ("vote.cast", "vote.withdrawn"),
                              votes.fingerprint))
    if adoption_ids:
        sources.append(source("adoptions", created.title, {"progress.idea_adopted"},
                              adoption_ids))
    return section, sources + stability_sources + answer_sources


def campaigns(ctx: Ctx) -> tuple[list[CampaignSection], list[Source]]:
    q = ctx.q
    answered = answered_campaigns(ctx)
    active = sorted((c.created for c in ctx.state.campaigns.values()
                     if (c.created.opens_at < q.end and c.created.closes_at > q.start)
                     or c.created.campaign_id in answered),
                    key=lambda c: (c.opens_at, c.title, str(c.campaign_id)))
    out, sources = [], []
    for c in active:
        section, more = campaign(ctx, c.campaign_id, ctx.inputs.votes.get(str(c.campaign_id)))
        out.append(section)
        sources += more
    return out, sources
