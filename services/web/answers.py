"""Official answers on the staff pages: the ideas whose campaign promised an answer, overdue
first, each with a form to answer it; the same form on an idea's own page."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api, Reply
from services.web.errors import explain, sentence
from services.web.forms import refused
from services.web.i18n import translate
from services.web.initiatives import PLAN_READERS, named, plan_choices
from services.web.pages import posted, signed_in
from services.web.render import back, page, unavailable
from services.web.session import Visit, visit

router = APIRouter(prefix="/staff", include_in_schema=False)

STAFF = ("moderator", "planner")  # who answers (admins pass every check)
STATES = ("under_consideration", "taken_forward", "taken_forward_into_initiative",
          "not_taken_forward")


async def answers_page(request: Request, v: Visit, *, wait: uuid.UUID | None = None,
                       idea: str = "", status: int = 200, **form_state: Any) -> Response:
    """The answers owed, and on top the form for `idea` (an idea chosen on its own page, which
    need not be owed an answer: any published idea may be answered)."""
    api = Api(request, v.token)
    r = await api.get("/moderation/answers", wait_for=wait)
    if not r.ok:
        return unavailable(request, v, r)
    # the initiatives to choose from; None (the id typed by hand) when the plan cannot be read
    choices = await plan_choices(api) if v.has(*PLAN_READERS) else None
    chosen, into = None, None
    if idea:
        found = await api.get(f"/ideas/{idea}")
        if not found.ok:
            return unavailable(request, v, found)
        chosen = found.body
        if iid := (chosen.get("answer") or {}).get("initiative_id"):
            into = await named(api, v, idea, str(iid), choices)
    overdue = [i for i in r.body if i["standing"] == "overdue"]
    due = [i for i in r.body if i["standing"] == "due"]
    return page(request, v, "staff/answers.html", status=status, overdue=overdue, due=due,
                states=STATES, chosen=chosen, into=into, choices=choices, **form_state)


@router.get("/answers")
async def answers(request: Request, wait: uuid.UUID | None = None,
                  idea: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, *STAFF)) is not None:
        return refused_
    return await answers_page(request, v, wait=wait, idea=str(idea) if idea else "")


@router.post("/answers")
async def answer(request: Request) -> Response:
    if isinstance(got := await posted(request, *STAFF), Response):
        return got
    v, f = got
    try:  # the form's own hidden field: anything else did not come from the page
        idea_id = str(uuid.UUID(f.get("idea_id", "")))
    except ValueError:
        return back(request, v, "/staff/answers", error=sentence("not_found", v.lang))
    values = {name: f.get(name, "").strip() for name in ("state", "reason", "initiative_id")}
    body: dict[str, Any] = {"state": values["state"], "reason": values["reason"]}
    if values["initiative_id"]:
        body["initiative_id"] = values["initiative_id"]
    r = await Api(request, v.token).post(f"/ideas/{idea_id}/answers", body)
    chosen = f.get("chosen", "")  # the form of an idea chosen on its own page
    try:
        chosen = str(uuid.UUID(chosen)) if chosen else ""
    except ValueError:
        chosen = ""
    if not r.ok:
        # the fields of this idea's form: the API's names, suffixed with the idea
        ids = {name: f"{name.replace('_', '-')}-{idea_id}" for name in values}
        state = refused(r, v.lang, {"reason": "reason", "initiative_id": "answer_initiative_field",
                                    "state": "answer_state"},
                        {ids[k]: val for k, val in values.items()},
                        summary_field=ids["reason"])
        state["err"] = {ids.get(k.replace("-", "_"), k): m for k, m in state["err"].items()}
        state["errors"] = [(ids.get(k.replace("-", "_"), k), m) for k, m in state["errors"]]
        if (why := _initiative_problem(r, values, v.lang)) is not None:
            state["err"] = {ids["initiative_id"]: why}
            state["errors"] = [(ids["initiative_id"], why)]
        return await answers_page(request, v, status=r.status, idea=chosen, **state)
    if chosen:  # back to the idea, which shows the answer now
        return back(request, v, f"/i/{idea_id}?wait={r.body['event_id']}", ok="answer_given_ok")
    return back(request, v, f"/staff/answers?wait={r.body['event_id']}", ok="answer_given_ok")


def _initiative_problem(r: Reply, values: dict[str, str], lang: str) -> str | None:
    """The API refuses an initiative missing for "taken forward into an initiative", or given
    for another state, without naming a field: said beside the initiative's field instead."""
    if r.status != 422 or explain(r, lang, {k: k for k in values}).fields:
        return None
    into = values["state"] == "taken_forward_into_initiative"
    if into and not values["initiative_id"]:
        return translate("answer_initiative_missing", lang)
    if values["initiative_id"] and not into:
        return translate("answer_initiative_unwanted", lang)
    return None
