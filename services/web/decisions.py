"""The steering group's items, through the pages: the decisions of a plan year (open and
answered, with the meetings that had them on their agenda and deferred them), a planner's form
to ask the steering group for a decision, a planner's form to record a steering-group meeting
with its agenda of open items, and a steering member's form to record the answer to an item.

Every read and write is the action plan API's (`GET /plans/{year}/decisions`,
`POST /plans/{year}/decisions`, `POST /steering-meetings`, `POST /decisions/{id}/answer`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api, Reply
from services.web.errors import field_problem
from services.web.forms import refused
from services.web.i18n import translate
from services.web.pages import posted, signed_in
from services.web.render import back, page, unavailable
from services.web.session import Visit, visit

router = APIRouter(prefix="/staff", include_in_schema=False)

LOCAL = ZoneInfo("Europe/Copenhagen")
OPTION_ROWS = 4  # the ask form's rows for options (the API takes 2 to 5)
SEATS = ("state", "municipalities", "regions")  # three seats per funding party


def today() -> date:
    return datetime.now(LOCAL).date()


async def _decisions(api: Api, year: int, wait: uuid.UUID | None = None) -> Reply:
    return await api.get(f"/plans/{year}/decisions", wait_for=wait)


@router.get("/plan/{year}/decisions")
async def decisions(request: Request, year: int, wait: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "planner", "steering")) is not None:
        return refused_
    r = await _decisions(Api(request, v.token), year, wait)
    if not r.ok:
        return unavailable(request, v, r)
    items = r.body["decisions"]
    return page(request, v, "staff/decisions.html", year=year,
                open_items=[d for d in items if d["answer"] is None],
                answered=[d for d in items if d["answer"] is not None],
                meetings=r.body["meetings"])


# ---- asking for a decision ------------------------------------------------------------------

ASK_LABELS = {"title": "decision_title", "question": "decision_question",
              "recommendation": "recommendation", "initiative_id": "initiative",
              "requested_on": "requested_on", "for_meeting_on": "for_meeting_on"}


async def _ask_page(request: Request, v: Visit, year: int, *, status: int = 200,
                    initiative: str = "", **form_state: Any) -> Response:
    plan = await Api(request, v.token).get(f"/plans/{year}")
    if not plan.ok:
        return unavailable(request, v, plan)
    initiatives = [(i["initiative_id"], i["title"]) for tr in plan.body["tracks"]
                   for i in tr["initiatives"] if i["status"] != "closed"]
    form_state.setdefault("values", {"requested_on": today().isoformat(),
                                     "initiative_id": initiative})
    return page(request, v, "staff/decision_new.html", status=status, year=year,
                rows=range(1, OPTION_ROWS + 1), initiatives=initiatives, **form_state)


@router.get("/plan/{year}/decisions/new")
async def new_decision(request: Request, year: int, initiative: str = "") -> Response:
    """The form; `?initiative=` chooses the initiative the item concerns (from its page)."""
    v = visit(request)
    if (refused_ := signed_in(request, v, "planner")) is not None:
        return refused_
    return await _ask_page(request, v, year, initiative=initiative)


@router.post("/plan/{year}/decisions")
async def ask_decision(request: Request, year: int) -> Response:
    if isinstance(got := await posted(request, "planner"), Response):
        return got
    v, f = got
    values = {k: f.get(k, "").strip() for k in ASK_LABELS}
    for n in range(1, OPTION_ROWS + 1):
        for part in ("label", "consequence"):
            values[f"option-{n}-{part}"] = f.get(f"option-{n}-{part}", "").strip()
    # the rows filled in, in order: row n of the form is the API's option `sent.index(n)`
    sent = [n for n in range(1, OPTION_ROWS + 1)
            if values[f"option-{n}-label"] or values[f"option-{n}-consequence"]]
    body: dict[str, Any] = {k: values[k] for k in ASK_LABELS if k != "initiative_id"}
    if values["initiative_id"]:
        body["initiative_id"] = values["initiative_id"]
    body["options"] = [{"label": values[f"option-{n}-label"],
                        "consequence": values[f"option-{n}-consequence"]} for n in sent]
    r = await Api(request, v.token).post(f"/plans/{year}/decisions", body)
    if not r.ok:
        labels = dict(ASK_LABELS)
        for i, n in enumerate(sent):
            labels[f"options.{i}.label"] = f"option_label_{n}"
            labels[f"options.{i}.consequence"] = f"option_consequence_{n}"
        labels["options"] = "options"
        state = refused(r, v.lang, labels, values, summary_field=(
            "initiative_id" if r.code == "unknown_initiative" else "title"))
        if (rule := _rule_of_the_whole(r, v.lang)) is not None:
            state = {"values": values, "errors": [rule], "err": dict([rule])}
        # the API counts the options it was sent; the form names its rows
        rename = {f"options-{i}-{part}": f"option-{n}-{part}"
                  for i, n in enumerate(sent) for part in ("label", "consequence")}
        rename["options"] = "option-1-label"
        state["err"] = {rename.get(k, k): m for k, m in state["err"].items()}
        state["errors"] = [(rename.get(k, k), m) for k, m in state["errors"]]
        return await _ask_page(request, v, year, status=r.status, **state)
    return back(request, v, f"/staff/plan/{year}/decisions?wait={r.body['event_id']}",
                ok="decision_asked")


# rules the API checks on the request as a whole (no field named): the field they are about
WHOLE_RULES = {"for_meeting_on must not be before": ("for_meeting_on", "for_meeting_on"),
               "option labels must be distinct": ("option-1-label", "options")}


def _rule_of_the_whole(r: Reply, lang: str) -> tuple[str, str] | None:
    """A refusal by a rule about two fields at once, as (field id, message) on the field."""
    for words, (field_id, label) in WHOLE_RULES.items():
        if r.code == "invalid_request" and words in r.message:
            return field_id, f"{translate(label, lang)} {field_problem(words, lang)}."
    return None


# ---- a steering-group meeting and its agenda --------------------------------------------------

MEETING_LABELS = {"held_on": "held_on", "members_present.state": "present_state",
                  "members_present.municipalities": "present_municipalities",
                  "members_present.regions": "present_regions",
                  "decisions": "meeting_decisions", "items_for_decision": "agenda"}


async def _meeting_page(request: Request, v: Visit, year: int, *, status: int = 200,
                        **form_state: Any) -> Response:
    r = await _decisions(Api(request, v.token), year)
    if not r.ok:
        return unavailable(request, v, r)
    form_state.setdefault("values", {"held_on": today().isoformat(),
                                     **{f"members_present-{s}": "3" for s in SEATS}})
    open_items = [d for d in r.body["decisions"] if d["answer"] is None]
    return page(request, v, "staff/meeting_new.html", status=status, year=year,
                open_items=open_items, **form_state)


@router.get("/plan/{year}/meetings/new")
async def new_meeting(request: Request, year: int) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "planner")) is not None:
        return refused_
    return await _meeting_page(request, v, year)


@router.post("/plan/{year}/meetings")
async def hold_meeting(request: Request, year: int) -> Response:
    if isinstance(got := await posted(request, "planner"), Response):
        return got
    v, f = got
    api = Api(request, v.token)
    listed = await _decisions(api, year)
    if not listed.ok:
        return unavailable(request, v, listed)
    titles = {d["decision_id"]: d["title"] for d in listed.body["decisions"]}
    values = {k: f.get(k, "").strip() for k in ("held_on", "decisions")}
    values |= {f"members_present-{s}": f.get(f"members_present-{s}", "").strip() for s in SEATS}
    chosen = [d for d in titles if f.get(f"agenda-{d}") == "yes"]
    values |= {f"agenda-{d}": "yes" for d in chosen}
    body = {
        "meeting_id": str(uuid.uuid4()), "held_on": values["held_on"],
        "members_present": {s: _count(values[f"members_present-{s}"]) for s in SEATS},
        "decisions": [line.strip() for line in values["decisions"].splitlines() if line.strip()],
        "items_for_decision": [titles[d] for d in chosen]}
    r = await api.post("/steering-meetings", body)
    if not r.ok:
        state = refused(r, v.lang, MEETING_LABELS, values, summary_field="held_on")
        # a problem with one agenda item or decision line is about the whole field
        state["err"] = {("agenda" if k == "items_for_decision" else k): m
                        for k, m in state["err"].items()}
        state["errors"] = [("agenda" if k == "items_for_decision" else k, m)
                           for k, m in state["errors"]]
        return await _meeting_page(request, v, year, status=r.status, **state)
    return back(request, v, f"/staff/plan/{year}/decisions?wait={r.body['event_id']}",
                ok="meeting_recorded")


def _count(text: str) -> int | str:
    """A number of members as typed; other text goes to the API as it is, to be named."""
    return int(text) if text.isdigit() else text


# ---- the steering group's answer --------------------------------------------------------------

ANSWER_LABELS = {"meeting_id": "meeting", "decided_on": "decided_on", "chosen": "chosen",
                 "note": "answer_note"}


async def _answer_page(request: Request, v: Visit, year: int, decision_id: uuid.UUID, *,
                       status: int = 200, **form_state: Any) -> Response:
    r = await _decisions(Api(request, v.token), year)
    if not r.ok:
        return unavailable(request, v, r)
    item = next((d for d in r.body["decisions"] if d["decision_id"] == str(decision_id)), None)
    if item is None:
        return unavailable(request, v, Reply(404, {"detail": {
            "code": "unknown_decision", "message": f"no decision {decision_id} in {year}"}},
            b"", r.headers))
    # the meetings that had the item on their agenda come first; the latest of them is chosen
    on_agenda = {m["meeting_id"] for m in item["agenda"]}
    meetings = sorted(r.body["meetings"], key=lambda m: m["meeting_id"] not in on_agenda)
    form_state.setdefault("values", {
        "decided_on": today().isoformat(),
        "meeting_id": item["agenda"][-1]["meeting_id"] if item["agenda"] else ""})
    return page(request, v, "staff/decision_answer.html", status=status, year=year, item=item,
                meetings=meetings, **form_state)


@router.get("/plan/{year}/decisions/{decision_id}/answer")
async def answer_form(request: Request, year: int, decision_id: uuid.UUID) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "steering")) is not None:
        return refused_
    return await _answer_page(request, v, year, decision_id)


@router.post("/plan/{year}/decisions/{decision_id}/answer")
async def answer(request: Request, year: int, decision_id: uuid.UUID) -> Response:
    if isinstance(got := await posted(request, "steering"), Response):
        return got
    v, f = got
    values = {k: f.get(k, "").strip() for k in ANSWER_LABELS}
    body: dict[str, Any] = {k: values[k] for k in ("meeting_id", "decided_on", "chosen")}
    if values["note"]:
        body["note"] = values["note"]
    r = await Api(request, v.token).post(f"/decisions/{decision_id}/answer", body)
    if not r.ok:
        summary = {"unknown_option": "chosen", "dated_in_future": "decided_on",
                   "implausible_date": "decided_on"}.get(r.code, "meeting_id")
        state = refused(r, v.lang, ANSWER_LABELS, values, summary_field=summary)
        return await _answer_page(request, v, year, decision_id, status=r.status, **state)
    return back(request, v,
                f"/staff/plan/{year}/decisions?wait={r.body['event_id']}#d-{decision_id}",
                ok="answer_recorded")
