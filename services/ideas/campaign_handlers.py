"""Campaigns in the ideas service: the projection's handlers of campaign events (and of the voting
service's tallies, shown on the campaign page), and the commands that create and change them.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from schemas.campaigns import (
    AnswerThreshold,
    CampaignChanged,
    CampaignCreated,
    ModerationMode,
    VoteRules,
)
from schemas.common import Sector
from schemas.envelope import derived_id
from services.ideas import queries
from services.ideas.batch import BatchContext
from services.ideas.domain import (
    CampaignSettings,
    ChangeRefused,
    check_change,
)
from services.ideas.models import (
    AcceptedCampaign,
    ChangeCampaign,
    CreateCampaign,
)
from services.infra.auth import Principal
from services.infra.consumer import Message
from services.infra.http import Accepted, ApiError, HttpContext, accept, build, new_id, not_found


async def campaign_created(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.insert_campaigns(messages)


async def campaign_changed(ctx: BatchContext, messages: list[Message]) -> None:
    known = await ctx.store.change_campaigns(messages)
    for m in messages:
        cid = m.payload.campaign_id  # type: ignore[attr-defined]
        if cid not in known:
            ctx.outcome.refuse.append((m, "unknown_campaign", f"no campaign {cid} to change"))


async def campaign_opened(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.mark_campaigns("opened_at", messages)


async def campaign_closed(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.mark_campaigns("closed_at", messages)


async def vote_rules_changed(ctx: BatchContext, messages: list[Message]) -> None:
    await ctx.store.change_vote_rules(messages)



async def create_campaign(ctx: HttpContext, principal: Principal, command: CreateCampaign,
                          idempotency_key: str | None) -> AcceptedCampaign:
    campaign_id = new_id("campaign", principal, idempotency_key)
    event = build(CampaignCreated, campaign_id=campaign_id, **command.body.model_dump())
    accepted = await accept(ctx, principal, event, idempotency_key=idempotency_key)
    return AcceptedCampaign(event_id=accepted.event_id, campaign_id=campaign_id)


def settings_of(row: dict[str, Any]) -> CampaignSettings:
    """A campaign's changeable settings, from its row in the read model."""
    return CampaignSettings(
        title=row["title"], question=row["question"], description=row["description"],
        opens_at=row["opens_at"], closes_at=row["closes_at"],
        audience=frozenset(Sector(a) for a in row["audience"]),
        moderation=ModerationMode(row["moderation"]),
        vote_rules=VoteRules.model_validate(row["vote_rules"]),
        flag_threshold=row["flag_threshold"], budget=row["budget"],
        min_votes_to_fund=row["min_votes_to_fund"],
        shows_author_names=row["shows_author_names"],
        answer_threshold=(AnswerThreshold.model_validate(row["answer_threshold"])
                          if row["answer_threshold"] is not None else None))


async def change_campaign(ctx: HttpContext, principal: Principal, command: ChangeCampaign,
                          idempotency_key: str | None) -> Accepted:
    """Judge the change against the campaign as the read model has it now (`check_change`) and
    publish `CampaignChanged` with every setting, naming the ones that change."""
    row = await queries.campaign(ctx.pool, command.campaign_id)
    if row is None:
        raise not_found("campaign", command.campaign_id)
    old = settings_of(row)
    given = command.body.model_dump(exclude_unset=True, exclude={"reason"})
    if "audience" in given:
        given["audience"] = frozenset(command.body.audience or ())
    if "vote_rules" in given:
        given["vote_rules"] = command.body.vote_rules
    if "answer_threshold" in given:
        given["answer_threshold"] = command.body.answer_threshold
    new = replace(old, **given)
    try:
        changed = check_change(old, new, datetime.now(UTC))
    except ChangeRefused as exc:
        if exc.code == "nothing_changed" and idempotency_key is not None:
            # a repeat of a change already applied: the answer the first request was given
            event_id = derived_id("idempotency", principal.sub, idempotency_key)
            if await ctx.idempotency.accepted(event_id):
                return Accepted(event_id=event_id)
        raise ApiError(409 if exc.conflict else 422, exc.code,
                       f"campaign {command.campaign_id}: {exc.detail}") from None
    event = build(CampaignChanged, campaign_id=command.campaign_id, changed=changed,
                  reason=command.body.reason,
                  **{**asdict(new), "audience": [s for s in Sector if s in new.audience],
                     "vote_rules": new.vote_rules})
    return await accept(ctx, principal, event, idempotency_key=idempotency_key)
