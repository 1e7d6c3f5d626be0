"""HTTP routes of the ideas service: campaigns, ideas, and the staff moderation queue.

A write route parses the request into a command and calls its one handler (`handlers.py`); a read
route calls `queries.py`, showing an idea only to whom `domain.may_see` allows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder

from schemas.moderation import Decision, IdeaStatus
from services.ideas import handlers, queries
from services.ideas.comments import queries as comment_queries
from services.ideas.domain import (
    CURSOR_MAX,
    AnswerStanding,
    BadCursor,
    PageCursor,
    PageOrder,
    answer_standing,
    applicable_decisions,
    auto_hide_reason,
    credited_name,
    frozen_settings,
    revision_diff,
    sees_unreviewed,
)
from services.ideas.handlers import is_staff, settings_of, visible_idea, window_of
from services.ideas.models import (
    AcceptedCampaign,
    AcceptedIdea,
    AnswerDueOut,
    AnswerIdea,
    AnswerIn,
    CampaignChangeIn,
    CampaignIdeasPage,
    CampaignIn,
    CampaignOut,
    ChangeCampaign,
    CreateCampaign,
    DecideModeration,
    DecisionIn,
    FlagIdea,
    FlagIn,
    IdeaIn,
    IdeaOut,
    LogEntry,
    PageIdea,
    PublishedContent,
    QueueCampaign,
    QueueItem,
    ReviseIdea,
    RevisionOut,
    SubmitIdea,
    WithdrawalIn,
    WithdrawIdea,
)
from services.infra.auth import Principal, Role
from services.infra.http import (
    Accepted,
    Admin,
    ApiError,
    Context,
    HttpContext,
    IdempotencyKey,
    Limit,
    Moderator,
    Offset,
    OptionalPrincipal,
    Participant,
    WaitFor,
    not_found,
    require,
    wait_for_event,
)

router = APIRouter()
campaigns = APIRouter(tags=["campaigns"])
ideas = APIRouter(tags=["ideas"])
moderation = APIRouter(tags=["moderation"])

CampaignFilter = Annotated[uuid.UUID | None, Query(description="only this campaign")]
PageSort = Annotated[PageOrder, Query(description="support: most supports first (the"
                                      " tally's figure); newest: latest submitted first")]
After = Annotated[str | None, Query(
    min_length=1, max_length=CURSOR_MAX, pattern="^[A-Za-z0-9_-]+$",
    description="the `next` of the previous page, unchanged; a cursor that is not one, or was"
                " made for the other `sort`, is a 422 `invalid_cursor`")]


# -- campaigns

@campaigns.post("/campaigns", status_code=202, response_model=AcceptedCampaign)
async def create_campaign(body: CampaignIn, ctx: Context, principal: Admin,
                          idempotency_key: IdempotencyKey = None) -> Accepted:
    """Create a campaign (admin). It opens and closes by itself at `opens_at` / `closes_at`."""
    return await handlers.handle(ctx, principal, CreateCampaign(body),
                                 idempotency_key=idempotency_key)


@campaigns.patch("/campaigns/{campaign_id}", status_code=202, response_model=Accepted, responses={
    409: {"description": (
        "A setting that may not change now: `campaign_open_settings` (once the campaign is"
        " open its opening, audience, moderation mode, flag threshold, vote rules, budget and"
        " fewest votes to fund are fixed), `author_names_after_opening` (showing authors'"
        " names can be turned on only before it opens), `campaign_closed_settings` (once"
        " closed only the title, question and description can be corrected, and showing"
        " names turned off); or an earlier request of the same `Idempotency-Key`"
        " (`idempotency_key_reused`, `idempotency_key_in_use`)")},
    422: {"description": (
        "The body is not valid (`invalid_request`, naming each field), or the change is not:"
        " `nothing_changed` (every setting given has that value already), `opens_in_past` /"
        " `closes_in_past` (a new opening or close that has passed), `closes_before_opens`,"
        " `campaign_too_long` (open for more than two years)")},
})
async def change_campaign(campaign_id: uuid.UUID, body: CampaignChangeIn, ctx: Context,
                          principal: Admin, idempotency_key: IdempotencyKey = None) -> Accepted:
    """Change a campaign's settings (admin): only those given change, as `campaign.changed`."""
    return await handlers.handle(ctx, principal, ChangeCampaign(campaign_id, body),
                                 idempotency_key=idempotency_key)


@campaigns.get("/campaigns", response_model=list[CampaignOut])
async def list_campaigns(ctx: Context, wait_for: WaitFor = None, limit: Limit = 100,
                         offset: Offset = 0) -> list[CampaignOut]:
    """Every campaign, newest first, with its phase (scheduled, open, closed)."""
    await wait_for_event(ctx, "ideas", wait_for)
    at = datetime.now(UTC)
    return [CampaignOut.of(r, window_of(r).phase(at), frozen_settings(settings_of(r), at))
            for r in await queries.campaigns(ctx.pool, limit=limit, offset=offset)]


@campaigns.get("/campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: uuid.UUID, ctx: Context,
                       wait_for: WaitFor = None) -> CampaignOut:
    """One campaign."""
    await wait_for_event(ctx, "ideas", wait_for)
    row = await queries.campaign(ctx.pool, campaign_id)
    if row is None:
        raise not_found("campaign", campaign_id)
    at = datetime.now(UTC)
    return CampaignOut.of(row, window_of(row).phase(at), frozen_settings(settings_of(row), at))


@campaigns.get("/campaigns/{campaign_id}/ideas", response_model=CampaignIdeasPage)
async def campaign_ideas(campaign_id: uuid.UUID, ctx: Context, wait_for: WaitFor = None,
                         sort: PageSort = PageOrder.SUPPORT, limit: Limit = 50,
                         after: After = None) -> CampaignIdeasPage:
    """The campaign's published ideas in their approved revision, most supported or newest
    first (ties by idea id), a page at a time: pass a page's `next` as `after` for the next.
    By support the list moves while votes come in: an idea whose support changes between two
    pages may be listed twice or not at all in one walk. By newest every idea published before
    the walk began is listed once."""
    try:
        cursor = PageCursor.decode(after, sort) if after is not None else None
    except BadCursor as exc:
        raise ApiError(422, "invalid_cursor", str(exc)) from None
    await wait_for_event(ctx, "ideas", wait_for)
    rows, following = await queries.campaign_page(ctx.pool, campaign_id, sort, after=cursor,
                                                  limit=limit)
    # an idea listed names its campaign: only an empty page needs to ask whether it exists
    if not rows and await queries.campaign(ctx.pool, campaign_id) is None:
        raise not_found("campaign", campaign_id)
    # a public list: a revision waiting for a moderator is the author's and staff's business
    counts = await comment_queries.counts(ctx.pool, [r["idea_id"] for r in rows])
    return CampaignIdeasPage(
        sort=sort, next=following.encode() if following else None,
        comments=await comment_queries.campaign_count(ctx.pool, campaign_id),
        ideas=[PageIdea.model_validate({**r, "pending_revision": None,
                                        "comments": counts.get(r["idea_id"], 0)})
               for r in await _credited(ctx, rows)])


# -- ideas

@ideas.post("/campaigns/{campaign_id}/ideas", status_code=202, response_model=AcceptedIdea)
async def submit_idea(campaign_id: uuid.UUID, body: IdeaIn, ctx: Context,
                      principal: Participant, idempotency_key: IdempotencyKey = None) -> Accepted:
    """Submit an idea to an open campaign (participant; the sector comes from the token)."""
    return await handlers.handle(ctx, principal, SubmitIdea(campaign_id, body),
                                 idempotency_key=idempotency_key)


@ideas.get("/ideas/{idea_id}", response_model=IdeaOut)
async def get_idea(idea_id: uuid.UUID, ctx: Context, principal: OptionalPrincipal,
                   wait_for: WaitFor = None) -> IdeaOut:
    """One idea. Its author and moderators also see it while it is pending, hidden or rejected,
    with the status and the reason."""
    await wait_for_event(ctx, "ideas", wait_for)
    row = await visible_idea(ctx, idea_id, principal)
    if not sees_unreviewed(row["author"], principal.sub if principal else None,
                           is_staff(principal)):
        row = {**row, "pending_revision": None}
    answer = await queries.current_answer(ctx.pool, idea_id)
    if answer is not None and not is_staff(principal):
        answer["answered_by"] = None  # the answer is the institution's; who gave it, staff's
    row = {**row, "answer": answer}
    return IdeaOut.model_validate((await _credited(ctx, [row]))[0])


@ideas.get("/me/ideas", response_model=list[IdeaOut])
async def my_ideas(ctx: Context, principal: Participant, wait_for: WaitFor = None,
                   limit: Limit = 100, offset: Offset = 0) -> list[IdeaOut]:
    """The caller's own ideas, newest first, each with its status and the reason for it."""
    await wait_for_event(ctx, "ideas", wait_for)
    rows = await queries.ideas_by_author(ctx.pool, principal.sub, limit=limit, offset=offset)
    return [IdeaOut.model_validate(r) for r in await _credited(ctx, rows)]


@ideas.post("/ideas/{idea_id}/revisions", status_code=202, response_model=Accepted)
async def revise_idea(idea_id: uuid.UUID, body: IdeaIn, ctx: Context, principal: Participant,
                      idempotency_key: IdempotencyKey = None) -> Accepted:
    """Revise your own idea while its campaign is open; every revision is kept."""
    return await handlers.handle(ctx, principal, ReviseIdea(idea_id, body),
                                 idempotency_key=idempotency_key)


@ideas.get("/ideas/{idea_id}/history", response_model=list[RevisionOut])
async def idea_history(idea_id: uuid.UUID, ctx: Context, principal: OptionalPrincipal,
                       wait_for: WaitFor = None) -> list[RevisionOut]:
    """Every approved revision of an idea, first to last, each credited to its author; its
    author and staff also see revisions waiting for, or refused by, a moderator."""
    await wait_for_event(ctx, "ideas", wait_for)
    row = await visible_idea(ctx, idea_id, principal)
    everything = sees_unreviewed(row["author"], principal.sub if principal else None,
                                 is_staff(principal))
    revisions = await queries.revisions(ctx.pool, idea_id, approved_only=not everything)
    return [RevisionOut.model_validate(r) for r in await _credited(
        ctx, [{**r, "campaign_id": row["campaign_id"]} for r in revisions])]


@ideas.post("/ideas/{idea_id}/flags", status_code=202, response_model=Accepted)
async def flag_idea(idea_id: uuid.UUID, body: FlagIn, ctx: Context, principal: Participant,
                    idempotency_key: IdempotencyKey = None) -> Accepted:
    """Flag a published idea (once per participant). Enough flags hide it for moderation."""
    return await handlers.handle(ctx, principal, FlagIdea(idea_id, body),
                                 idempotency_key=idempotency_key)


@ideas.post("/ideas/{idea_id}/withdrawal", status_code=202, response_model=Accepted)
async def withdraw_idea(idea_id: uuid.UUID, ctx: Context, principal: Participant,
                        body: WithdrawalIn | None = None,
                        idempotency_key: IdempotencyKey = None) -> Accepted:
    """Withdraw your own idea (the body, with a reason, is optional)."""
    return await handlers.handle(ctx, principal, WithdrawIdea(idea_id, body or WithdrawalIn()),
                                 idempotency_key=idempotency_key)


async def _credited(ctx: HttpContext, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with `author_name` (see `domain.credited_name`); names come from the identity
    service through the HTTP context."""
    if not rows:
        return rows
    showing = await queries.campaigns_showing_names(ctx.pool, {r["campaign_id"] for r in rows})
    names = await ctx.shown_names({r["author"] for r in rows if r["campaign_id"] in showing})
    return [{**r, "author_name": credited_name(r["campaign_id"] in showing, r["author"], names)}
            for r in rows]


# -- moderation

@moderation.get("/moderation/queue", response_model=list[QueueCampaign])
async def moderation_queue(ctx: Context, principal: Moderator, campaign_id: CampaignFilter = None,
                           wait_for: WaitFor = None, limit: Limit = 200) -> list[QueueCampaign]:
    """Ideas waiting for pre-moderation, flagged ideas (hidden by flags, or published with
    flags since their last decision), and revisions of published ideas (with their diff), per
    campaign, oldest first, with their flags and notes and the most
    similar published or pending ideas of the campaign as duplicate hints."""
    await wait_for_event(ctx, "ideas", wait_for)
    rows = await queries.moderation_queue(ctx.pool, campaign_id, limit=limit)
    groups: dict[uuid.UUID, QueueCampaign] = {}
    for r in rows:
        group = groups.setdefault(r["campaign_id"], QueueCampaign(
            campaign_id=r["campaign_id"], campaign_title=r["campaign_title"], ideas=[]))
        group.ideas.append(_queue_item(r))
    return list(groups.values())


def _queue_item(r: dict[str, Any]) -> QueueItem:
    if r["kind"] == "idea":
        return QueueItem.model_validate(
            {**r, "decisions": applicable_decisions(IdeaStatus(r["status"]))})
    published = PublishedContent(revision=r["published_revision"], title=r["published_title"],
                                 body=r["published_body"], tags=r["published_tags"])
    diff = revision_diff((published.title, published.body, published.tags),
                         (r["title"], r["body"], list(r["tags"])))
    return QueueItem.model_validate({**r, "published": published, "diff": diff,
                                     "decisions": [Decision.APPROVE, Decision.REJECT]})


@moderation.post("/moderation/decisions", status_code=202, response_model=Accepted)
async def decide(body: DecisionIn, ctx: Context, principal: Moderator,
                 idempotency_key: IdempotencyKey = None) -> Accepted:
    """Approve, reject, hide, restore or merge an idea, with a reason (kept in the audit log)."""
    return await handlers.handle(ctx, principal, DecideModeration(body),
                                 idempotency_key=idempotency_key)


@moderation.get("/moderation/log", response_model=list[LogEntry])
async def moderation_log(ctx: Context, principal: Moderator, campaign_id: CampaignFilter = None,
                         idea_id: Annotated[uuid.UUID | None, Query()] = None,
                         wait_for: WaitFor = None, limit: Limit = 100,
                         offset: Offset = 0) -> list[LogEntry]:
    """Every moderation decision, newest first: who decided what, when, and why. Decisions on
    revisions and on held votes are in it, and every idea the system hid because of flags."""
    await wait_for_event(ctx, "ideas", wait_for)
    rows = await queries.moderation_log(ctx.pool, campaign_id=campaign_id, idea_id=idea_id,
                                        limit=limit, offset=offset)
    return [LogEntry.model_validate(
        {**r, "reason": auto_hide_reason(r["flaggers"])} if r["kind"] == "auto_hide" else r)
        for r in rows]


async def personal_data(ctx: HttpContext, principal: Principal) -> dict[str, Any]:
    """The ideas service's part of `GET /me/data`."""
    data: dict[str, Any] = jsonable_encoder({
        **await queries.personal_data(ctx.pool, principal.sub),
        **await comment_queries.personal_data(ctx.pool, principal.sub)})
    return data


# -- official answers

Answerer = Annotated[Principal, Depends(require(Role.MODERATOR, Role.PLANNER))]
StandingFilter = Annotated[AnswerStanding | None, Query(
    alias="status", description="due: still in time; overdue: the date has passed; both when"
                                " left out")]


@ideas.post("/ideas/{idea_id}/answers", status_code=202, response_model=Accepted, responses={
    404: {"description": "No such idea (`not_found`)"},
    409: {"description": (
        "Only a published idea is answered: `not_published` (pending, hidden, rejected or"
        " withdrawn), `idea_merged` (answer the idea it was merged into)")},
    422: {"description": (
        "The body is not valid (`invalid_request`): a state that is none of the four, no"
        " reason, or `initiative_id` missing for `taken_forward_into_initiative` or given for"
        " another state")},
})
async def answer_idea(idea_id: uuid.UUID, body: AnswerIn, ctx: Context, principal: Answerer,
                      idempotency_key: IdempotencyKey = None) -> Accepted:
    """Give a published idea its official, public answer (moderator, planner, admin); a later
    answer replaces it, and every answer stays in the moderation log."""
    return await handlers.handle(ctx, principal, AnswerIdea(idea_id, body),
                                 idempotency_key=idempotency_key)


@moderation.get("/moderation/answers", response_model=list[AnswerDueOut])
async def answers_due(ctx: Context, principal: Answerer, status: StandingFilter = None,
                      campaign_id: CampaignFilter = None, wait_for: WaitFor = None,
                      limit: Limit = 200) -> list[AnswerDueOut]:
    """Ideas whose campaign promised an answer (they reached its support threshold) and that
    have none yet, soonest due first: `due` while in time, `overdue` once the date passed."""
    await wait_for_event(ctx, "ideas", wait_for)
    now = datetime.now(UTC)
    out = []
    for r in await queries.unanswered_due(ctx.pool, campaign_id, limit=limit):
        standing = answer_standing(r["due"], None, now,
                                   found_overdue=r["overdue_at"] is not None)
        if standing is not None and status in (None, standing):
            out.append(AnswerDueOut.model_validate({**r, "standing": standing}))
    return out


router.include_router(campaigns)
router.include_router(ideas)
router.include_router(moderation)
