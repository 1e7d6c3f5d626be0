"""Moderators' pages: the moderation queue and its decisions, held votes (one by one or many
at once), and the moderation log."""

from __future__ import annotations

import asyncio
import difflib
import uuid
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api
from services.web.errors import explain
from services.web.forms import refused
from services.web.i18n import translate
from services.web.pages import local, posted, reason_text, signed_in
from services.web.render import back, page, unavailable
from services.web.session import Visit, visit

router = APIRouter(prefix="/staff", include_in_schema=False)

# below this likeness two titles are only loosely alike: not called possible duplicates
DUPLICATE_LIKENESS = 0.25
# held votes listed, and decided with one form (each is one API call; the API has no bulk
# route, so a moderator's per-person write limit applies to each)
MAX_BULK = 500


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """Lines of two revisions as (mark, text): '+' added, '-' removed, ' ' kept."""
    a = [old["title"], "", *old["body"].splitlines()]
    b = [new["title"], "", *new["body"].splitlines()]
    return [(line[0], line[2:]) for line in difflib.ndiff(a, b) if line[:1] in "+- "]


@router.get("/")
async def home(request: Request) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "moderator", "planner", "steering")) is not None:
        return refused_
    return page(request, v, "staff/home.html")


async def queue_page(request: Request, v: Visit, *, campaign: uuid.UUID | None = None,
                     wait: uuid.UUID | None = None, status: int = 200,
                     **form_state: Any) -> Response:
    api = Api(request, v.token)
    r = await api.get("/moderation/queue", campaign_id=campaign, wait_for=wait)
    if not r.ok:
        return unavailable(request, v, r)
    others: dict[str, dict[str, Any]] = {}
    diffs: dict[str, list[tuple[str, str]]] = {}
    for group in r.body:
        for item in group["ideas"]:
            for hint in item["similar"]:
                key = str(hint["idea_id"])
                if key not in others:
                    found = await api.get(f"/ideas/{key}")
                    others[key] = found.body if found.ok else {"title": hint["title"], "body": ""}
            if item.get("kind") == "revision" and item.get("published"):
                # a revision waiting for a decision: shown against what is public now
                diffs[f"{item['idea_id']}-{item['revision']}"] = diff(item["published"], item)
                continue
            history = await api.get(f"/ideas/{item['idea_id']}/history")
            if history.ok and len(history.body) > 1:
                diffs[str(item["idea_id"])] = diff(history.body[-2], history.body[-1])
    return page(request, v, "staff/moderation.html", status=status, groups=r.body,
                others=others, diffs=diffs, campaign=campaign, likeness=DUPLICATE_LIKENESS,
                **form_state)


@router.get("/moderation")
async def queue(request: Request, campaign: uuid.UUID | None = None,
                wait: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "moderator")) is not None:
        return refused_
    return await queue_page(request, v, campaign=campaign, wait=wait)


@router.post("/moderation/decisions")
async def decide(request: Request) -> Response:
    if isinstance(got := await posted(request, "moderator"), Response):
        return got
    v, f = got
    revision = f.get("revision", "")
    key = f.get("idea_id", "") + (f"-{revision}" if revision else "")
    reason = f.get("reason", f.get("mod-reason", ""))
    body: dict[str, Any] = {"idea_id": f.get("idea_id", ""), "decision": f.get("decision", ""),
                            "reason": reason}
    if body["decision"] == "merge":
        body["merge_into"] = f.get("merge_into") or None
    if revision.isdigit():
        body["revision"] = int(revision)  # the API wants a number, the form sends text
    r = await Api(request, v.token).post("/moderation/decisions", body)
    next_page = local(f.get("next"), "")
    if next_page:  # decided from the idea's own page
        return back(request, v, next_page, ok="decided", reply=r)
    if not r.ok:
        field = f"reason-{key}"
        state = refused(r, v.lang, {"reason": "reason"}, {field: reason}, summary_field=field)
        if "reason" in state["err"]:  # the API's field name, on this item's field
            state["err"] = {field: state["err"].pop("reason")}
            state["errors"] = [(field, m) for _, m in state["errors"]]
        return await queue_page(request, v, status=r.status, **state)
    return back(request, v, f"/staff/moderation?wait={r.body['event_id']}", ok="decided")


def held_groups(held: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Held votes for the same idea, way and reason as one row: a burst of 200 is one decision
    to take, not 200 lines to read."""
    groups: dict[str, dict[str, Any]] = {}
    for h in held:
        key = f"{h['idea_id']}|{str(h.get('reason') or '').split(':', 1)[0]}|{h.get('value', 1)}"
        g = groups.setdefault(key, {"key": key, "idea_id": h["idea_id"],
                                    "idea_title": h.get("idea_title"), "value": h.get("value"),
                                    "reason": h.get("reason"), "voters": [], "event_ids": [],
                                    "first_at": h["occurred_at"], "last_at": h["occurred_at"]})
        g["voters"].append(h["voter_id"])
        g["event_ids"].append(str(h["event_id"]))
        g["last_at"] = h["occurred_at"]
    return list(groups.values())


@router.get("/votes")
async def held_votes(request: Request, wait: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "moderator")) is not None:
        return refused_
    r = await Api(request, v.token).get("/moderation/votes", wait_for=wait, limit=MAX_BULK)
    if not r.ok and not r.missing:
        return unavailable(request, v, r)
    return page(request, v, "staff/votes.html", held=r,
                groups=held_groups(r.body) if r.ok else [],
                reason_text=lambda text: reason_text(text, v.lang))


@router.post("/votes/decisions")
async def decide_votes(request: Request) -> Response:
    """Release or discard the held votes of every group ticked, with one reason."""
    if isinstance(got := await posted(request, "moderator"), Response):
        return got
    v, f = got
    ticked = set(parse_qs((await request.body()).decode("utf-8", errors="replace"))
                 .get("group", []))
    api = Api(request, v.token)
    listed = await api.get("/moderation/votes", limit=MAX_BULK)
    chosen = [e for g in held_groups(listed.body if listed.ok else []) if g["key"] in ticked
              for e in g["event_ids"]]
    if not chosen:
        return back(request, v, "/staff/votes", error=translate("nothing_selected", v.lang))
    # one request for them all: a burst of hundreds is one write, not one per vote
    r = await api.post("/moderation/votes/decisions/bulk", {
        "event_ids": chosen, "decision": f.get("decision", ""), "reason": f.get("reason", "")})
    if not r.ok:
        why = explain(r, v.lang, {"reason": translate("reason", v.lang)})
        return back(request, v, "/staff/votes", error=why.fields.get("reason") or why.summary)
    decided = r.body["decided"]
    done = (translate("n_decided", v.lang) % len(decided) if len(decided) > 1
            else translate("decided", v.lang))
    if r.body["skipped"]:
        done += " " + translate("n_skipped", v.lang) % len(r.body["skipped"])
    # the list shows the state after the decisions: they are on several partitions, so wait
    # (bounded) until none of the decided votes is listed as held any more
    await until_gone(api, {str(d["vote_event_id"]) for d in decided})
    return back(request, v, "/staff/votes", done=done)


async def until_gone(api: Api, vote_ids: set[str], timeout_s: float = 10.0) -> None:
    """Wait until no vote of `vote_ids` is listed as held (or `timeout_s` has passed: the list
    then still shows some, and says so by listing them)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        listed = await api.get("/moderation/votes", limit=MAX_BULK)
        if listed.ok and not vote_ids & {str(h["event_id"]) for h in listed.body}:
            return
        await asyncio.sleep(0.2)


@router.get("/log")
async def log(request: Request, campaign: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "moderator")) is not None:
        return refused_
    r = await Api(request, v.token).get("/moderation/log", campaign_id=campaign, limit=200)
    if not r.ok:
        return unavailable(request, v, r)
    return page(request, v, "staff/log.html", entries=folded(r.body))


def folded(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of the same decision on the same idea for the same reason by the same moderator
    (a burst of held votes discarded together) as one line with a count."""
    out: list[dict[str, Any]] = []
    for e in entries:
        same = ("idea_id", "decision", "reason", "moderator")
        if out and all(out[-1].get(k) == e.get(k) for k in same):
            out[-1]["count"] += 1
            continue
        out.append({**e, "count": 1})
    return out
