"""Staff's page for changing a campaign: the form pre-filled with the campaign as it is, the
settings that cannot change now shown read-only with the rule that holds them (the API says
which, in the campaign's `fixed`), and only what was changed sent as `PATCH /campaigns/{id}`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemas.common import Sector
from services.web.api import Api
from services.web.errors import sentence
from services.web.forms import refused
from services.web.pages import posted, signed_in
from services.web.render import back, page, unavailable
from services.web.session import Visit, visit

router = APIRouter(prefix="/staff", include_in_schema=False)

LOCAL = ZoneInfo("Europe/Copenhagen")

# each setting's label (keys of the pages' words); for an API refusal, by the API's field name
LABELS = {"title": "title", "question": "question_label", "description": "description",
          "opens_at": "opens_at", "closes_at": "closes_at", "audience": "audience",
          "moderation": "moderation_mode", "vote_rules.mode": "vote_mode",
          "vote_rules.max_votes_per_participant": "max_votes", "vote_rules": "rules",
          "flag_threshold": "flag_threshold", "budget": "campaign_budget",
          "min_votes_to_fund": "min_votes_to_fund", "shows_author_names": "shows_names",
          # a field's own name before the name of what holds it
          "answer_threshold.supports": "answer_supports", "answer_threshold.days": "answer_days",
          "answer_threshold": "answer_promise", "reason": "change_reason"}
# the field a refusal that names no field is about (the error summary links to it); a refusal
# about the campaign as a whole (what may change now, nothing changed) stands on its own
REFUSAL_FIELD = {"opens_in_past": "opens_at", "closes_in_past": "closes_at",
                 "closes_before_opens": "closes_at", "campaign_too_long": "closes_at"}
SECTOR_FIELDS = tuple(f"audience-{s.value}" for s in Sector)
ANSWER_FIELDS = ("answer_threshold-supports", "answer_threshold-days")
# setting -> the form's fields for it, and how their text becomes the API's value
SETTINGS: dict[str, tuple[tuple[str, ...], Callable[[dict[str, str]], Any]]] = {
    "title": (("title",), lambda f: f["title"]),
    "question": (("question",), lambda f: f["question"]),
    "description": (("description",), lambda f: f["description"] or None),
    "opens_at": (("opens_at",), lambda f: _api_time(f["opens_at"])),
    "closes_at": (("closes_at",), lambda f: _api_time(f["closes_at"])),
    "audience": (SECTOR_FIELDS, lambda f: [s.value for s in Sector
                                           if f[f"audience-{s.value}"] == "yes"]),
    "moderation": (("moderation",), lambda f: f["moderation"]),
    "vote_rules": (("vote_rules-mode", "vote_rules-max_votes_per_participant"), lambda f: {
        "mode": f["vote_rules-mode"],
        "max_votes_per_participant": _whole(f["vote_rules-max_votes_per_participant"])}),
    "flag_threshold": (("flag_threshold",), lambda f: _whole(f["flag_threshold"])),
    "budget": (("budget",), lambda f: _whole(f["budget"]) if f["budget"] else None),
    "shows_author_names": (("shows_author_names",), lambda f: f["shows_author_names"] == "yes"),
    "answer_threshold": (ANSWER_FIELDS, lambda f: promise_of(f)),
}
FIELDS = ("reason", *(fid for fids, _ in SETTINGS.values() for fid in fids))


def form_values(c: dict[str, Any]) -> dict[str, str]:
    """The form's fields, as the campaign `c` (from the API) has them now."""
    return {
        "title": c["title"], "question": c["question"], "description": c["description"] or "",
        "opens_at": _form_time(c["opens_at"]), "closes_at": _form_time(c["closes_at"]),
        "moderation": c["moderation"], "vote_rules-mode": c["vote_rules"]["mode"],
        "vote_rules-max_votes_per_participant":
            str(c["vote_rules"]["max_votes_per_participant"]),
        "flag_threshold": str(c["flag_threshold"]),
        "budget": "" if c.get("budget") is None else str(c["budget"]),
        "shows_author_names": "yes" if c["shows_author_names"] else "",
        **{f"audience-{s.value}": "yes" if s.value in c["audience"] else "" for s in Sector},
        **{fid: str((c.get("answer_threshold") or {}).get(fid.split("-")[1], ""))
           for fid in ANSWER_FIELDS},
        "reason": ""}


def change_of(typed: dict[str, str], now: dict[str, str], fixed: dict[str, str]
              ) -> dict[str, Any]:
    """The API's change: each setting whose fields were changed from what the form showed (so a
    time shown to the minute is not sent back as a change of its seconds), none held."""
    body = {name: value(typed) for name, (fids, value) in SETTINGS.items()
            if name not in fixed and any(typed[f] != now[f] for f in fids)}
    if body and typed["reason"]:
        body["reason"] = typed["reason"]
    return body


async def _campaign(request: Request, v: Visit, campaign_id: uuid.UUID
                    ) -> dict[str, Any] | Response:
    r = await Api(request, v.token).get(f"/campaigns/{campaign_id}")
    if not r.ok:
        return unavailable(request, v, r)
    found: dict[str, Any] = r.body
    return found


def _edit_page(request: Request, v: Visit, c: dict[str, Any], *, status: int = 200,
               **form_state: Any) -> Response:
    fixed: dict[str, str] = c.get("fixed", {})
    held: dict[str, list[str]] = {}
    for name, code in fixed.items():
        held.setdefault(code, []).append(name)
    form_state.setdefault("values", form_values(c))
    return page(request, v, "staff/campaign_edit.html", status=status, c=c, fixed=fixed,
                held=[(sentence(code, v.lang), names) for code, names in held.items()],
                labels=LABELS, sectors=[s.value for s in Sector], **form_state)


@router.get("/campaigns/{campaign_id}/edit")
async def edit_campaign(request: Request, campaign_id: uuid.UUID) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "admin")) is not None:
        return refused_
    got = await _campaign(request, v, campaign_id)
    if isinstance(got, Response):
        return got
    return _edit_page(request, v, got)


@router.post("/campaigns/{campaign_id}")
async def change_campaign(request: Request, campaign_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "admin"), Response):
        return got
    v, f = got
    c = await _campaign(request, v, campaign_id)
    if isinstance(c, Response):
        return c
    typed = {k: f.get(k, "").strip() for k in FIELDS}
    body = change_of(typed, form_values(c), c.get("fixed", {}))
    if not body:
        message = sentence("nothing_changed", v.lang)
        return _edit_page(request, v, c, status=422, values=typed, errors=[("", message)])
    r = await Api(request, v.token).patch(f"/campaigns/{campaign_id}", body)
    if not r.ok:
        return _edit_page(request, v, c, status=r.status, **refused(
            r, v.lang, LABELS, typed, summary_field=REFUSAL_FIELD.get(r.code or "")))
    return back(request, v, f"/c/{campaign_id}?wait={r.body['event_id']}",
                ok="campaign_changed")


def _form_time(text: str) -> str:
    """An API timestamp as a `datetime-local` field shows it: Danish time, to the minute."""
    return datetime.fromisoformat(text).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def _api_time(text: str) -> str:
    """A `datetime-local` field's value, in Danish time, as the API's aware timestamp (other
    text is sent as it is, for the API to refuse with the field's name)."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=LOCAL).isoformat()
    except ValueError:
        return text


def promise_of(f: dict[str, str]) -> dict[str, int | str] | None:
    """The promise of an answer as the API takes it; both fields emptied withdraw it."""
    supports, days = (f[fid] for fid in ANSWER_FIELDS)
    if not supports and not days:
        return None
    return {"supports": _whole(supports), "days": _whole(days)}


def _whole(text: str) -> int | str:
    """A whole number as a person writes it ("100.000", "100 000 kr"); other text is sent as it
    is, for the API to refuse with the field's name."""
    cleaned = text.replace(".", "").replace(" ", "").replace("kr", "")
    return int(cleaned) if cleaned.lstrip("-").isdigit() else text
