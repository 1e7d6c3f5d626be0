"""HTTP routes of following and notifications: follow or stop following an idea or a campaign,
your follows, your inbox (and marking it read), your e-mail choice, and the one-click unsubscribe
of every e-mail (RFC 8058: a POST to the link, no session)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from schemas.participation import (
    EmailFrequency,
    FollowChanged,
    FollowTarget,
    NotificationPreferencesChanged,
)
from services.identity import domain
from services.identity import queries as identity_queries
from services.identity.notifications import mail, projections, queries
from services.identity.notifications.models import (
    FollowOut,
    Inbox,
    PreferencesIn,
    PreferencesOut,
    ReadIn,
    ReadOut,
)
from services.identity.notifications.sender import unsubscribe_secret, with_titles
from services.infra.auth import Principal, Role
from services.infra.http import (
    Accepted,
    ApiError,
    Context,
    HttpContext,
    IdempotencyKey,
    Limit,
    Offset,
    Participant,
    WaitFor,
    accept,
    build,
    wait_for_event,
)

router = APIRouter(tags=["notifications"])

Accepted202: dict[str, Any] = {"status_code": 202, "response_model": Accepted}


async def _follow(ctx: HttpContext, principal: Principal, target: FollowTarget,
                  target_id: uuid.UUID, following: bool, key: str | None) -> Accepted:
    event = build(FollowChanged, participant_id=principal.sub, target=target,
                  target_id=target_id, following=following)
    return await accept(ctx, principal, event, idempotency_key=key)


@router.put("/ideas/{idea_id}/follow", **Accepted202)
async def follow_idea(idea_id: uuid.UUID, ctx: Context, principal: Participant,
                      key: IdempotencyKey = None) -> Accepted:
    """Follow an idea: hear when it is approved, answered, adopted or its initiative moves."""
    return await _follow(ctx, principal, FollowTarget.IDEA, idea_id, True, key)


@router.delete("/ideas/{idea_id}/follow", **Accepted202)
async def unfollow_idea(idea_id: uuid.UUID, ctx: Context, principal: Participant,
                        key: IdempotencyKey = None) -> Accepted:
    """Stop following an idea (also one you wrote or voted for: later votes do not undo it)."""
    return await _follow(ctx, principal, FollowTarget.IDEA, idea_id, False, key)


@router.put("/campaigns/{campaign_id}/follow", **Accepted202)
async def follow_campaign(campaign_id: uuid.UUID, ctx: Context, principal: Participant,
                          key: IdempotencyKey = None) -> Accepted:
    """Follow a campaign: hear when it opens, and when it closes with its results."""
    return await _follow(ctx, principal, FollowTarget.CAMPAIGN, campaign_id, True, key)


@router.delete("/campaigns/{campaign_id}/follow", **Accepted202)
async def unfollow_campaign(campaign_id: uuid.UUID, ctx: Context, principal: Participant,
                            key: IdempotencyKey = None) -> Accepted:
    """Stop following a campaign."""
    return await _follow(ctx, principal, FollowTarget.CAMPAIGN, campaign_id, False, key)


@router.get("/me/follows", response_model=list[FollowOut])
async def my_follows(ctx: Context, principal: Participant, wait_for: WaitFor = None
                     ) -> list[dict[str, Any]]:
    """What you follow: what you chose, the ideas you wrote and those you voted for."""
    await wait_for_event(ctx, "identity", wait_for)
    return await queries.follows(ctx.pool, principal.sub)


@router.get("/me/notifications", response_model=Inbox)
async def my_notifications(ctx: Context, principal: Participant, limit: Limit = 50,
                           offset: Offset = 0) -> dict[str, Any]:
    """Your notifications, unread first, newest first, and how many are unread."""
    # the list and the count from one snapshot: a notification arriving between two reads
    # would be counted unread yet missing from the list
    async with ctx.pool.acquire() as conn, conn.transaction(isolation="repeatable_read",
                                                            readonly=True):
        listed = await queries.inbox(conn, principal.sub, limit=limit, offset=offset)
        unread = await queries.unread(conn, principal.sub)
    rows = await with_titles(ctx.pool, listed, reader=principal.sub)
    items = [{**r, "link": mail.link(r), "read": r["read_at"] is not None,
              "yours": domain.own_idea(r["idea_author"], principal.sub)} for r in rows]
    return {"unread": unread, "notifications": items}


@router.post("/me/notifications/read", response_model=ReadOut)
async def mark_read(body: ReadIn, ctx: Context, principal: Participant) -> dict[str, int]:
    """Mark notifications read: those named, or all of yours."""
    marked = await projections.mark_read(ctx.pool, principal.sub, body.notification_ids)
    return {"marked": marked, "unread": await queries.unread(ctx.pool, principal.sub)}


@router.get("/me/notification-preferences", response_model=PreferencesOut)
async def my_preferences(ctx: Context, principal: Participant, wait_for: WaitFor = None
                         ) -> dict[str, Any]:
    """How you get e-mail about what you follow (before you choose: a daily digest)."""
    await wait_for_event(ctx, "identity", wait_for)
    stored = await queries.preference(ctx.pool, principal.sub)
    return {"email": domain.email_frequency(stored),
            "language": await queries.language(ctx.pool, principal.sub)}


@router.put("/me/notification-preferences", **Accepted202)
async def put_preferences(body: PreferencesIn, ctx: Context, principal: Participant,
                          key: IdempotencyKey = None) -> Accepted:
    """Choose how you get e-mail: `immediately`, `daily` or `weekly` digest, or `never`; and
    the language it is written in (kept in your profile)."""
    if await identity_queries.erasure(ctx.pool, principal.sub) is not None:
        raise ApiError(403, "participant_erased",
                       f"participant {principal.sub} was erased; nothing is sent to them")
    if body.language is not None:
        await projections.set_language(ctx.pool, principal.sub, body.language)
    event = build(NotificationPreferencesChanged, participant_id=principal.sub,
                  email=body.email, via="settings")
    return await accept(ctx, principal, event, idempotency_key=key)


_BAD_TOKEN: dict[int | str, dict[str, Any]] = {403: {
    "description": "The link's token is not valid (not signed by us, or altered): code"
                   " `bad_unsubscribe_token`."}}


@router.get("/unsubscribe", status_code=303, response_class=RedirectResponse, responses={
    303: {"description": "The link opened in a browser: on to the page that asks before it"
                         " stops the e-mails (`/afmeld`); a GET changes nothing."}})
async def unsubscribe_link(token: Annotated[str, Query(min_length=3, max_length=300)]
                           ) -> RedirectResponse:
    """The one-click link of an e-mail opened in a browser (where the mail program does not
    POST it, RFC 8058): sent on to the confirmation page."""
    return RedirectResponse(f"/afmeld?token={quote(token, safe='')}", status_code=303)


@router.post("/unsubscribe", **Accepted202, responses=_BAD_TOKEN)
async def unsubscribe(ctx: Context,
                      token: Annotated[str, Query(min_length=3, max_length=300)]) -> Accepted:
    """One-click unsubscribe (RFC 8058), the link in every e-mail's `List-Unsubscribe`: a POST
    (body `List-Unsubscribe=One-Click`, no session) stops all e-mail to the person the signed
    token names. The inbox stays."""
    person = domain.token_person(unsubscribe_secret(ctx.settings), token)
    if person is None:
        raise ApiError(403, "bad_unsubscribe_token",
                       "the unsubscribe link is not valid: it was not signed by this service")
    if await identity_queries.erasure(ctx.pool, person) is not None:
        raise ApiError(404, "not_found", "no one to unsubscribe: the person was erased")
    principal = Principal(sub=person, roles=frozenset({Role.PARTICIPANT}))
    event = build(NotificationPreferencesChanged, participant_id=person,
                  email=EmailFrequency.NEVER, via="unsubscribe")
    return await accept(ctx, principal, event, idempotency_key=None)
