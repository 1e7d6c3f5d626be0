"""Planners' and the steering group's pages: the action plan with its change feed, one
initiative with the forms that keep it current (progress, milestones, spend, risks, a decision
for the steering group), the reports and a request for one, and creating a campaign."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemas.common import Sector
from services.web.api import Api, Reply
from services.web.campaigns import ANSWER_FIELDS, promise_of
from services.web.changes import in_words
from services.web.errors import explain
from services.web.forms import refused
from services.web.pages import posted, signed_in
from services.web.render import back, page, unavailable
from services.web.session import Visit, visit

router = APIRouter(prefix="/staff", include_in_schema=False)

REPORT_FORMATS = ("pdf", "html", "md", "json")
LOCAL = ZoneInfo("Europe/Copenhagen")

# each form of the initiative page: the API route under the initiative, its fields (API name ->
# label key) and how a field's text becomes the API's value
FORMS: dict[str, tuple[str, dict[str, str]]] = {
    "progress": ("progress", {"as_of": "as_of", "percent": "percent", "rag": "rag",
                              "narrative": "narrative"}),
    "milestone": ("milestones/{milestone_id}/completion", {"milestone_id": "milestone",
                                                          "completed_on": "completed_on"}),
    "spend": ("spend", {"as_of": "spent_on", "spent_dkk": "amount_dkk",
                        "forecast_dkk": "forecast_dkk"}),
    "risk": ("risks", {"risk_id": "risk_title", "title": "risk_title", "owner": "risk_owner",
                       "likelihood": "risk_likelihood", "impact": "risk_impact",
                       "mitigation": "risk_mitigation", "raised_on": "spent_on"}),
}
NUMBERS = {"percent", "spent_dkk", "forecast_dkk", "likelihood", "impact"}


def today() -> date:
    return datetime.now(LOCAL).date()


@router.get("/plan")
async def plan(request: Request, year: int | None = None, as_of: date | None = None,
               start: date | None = None, end: date | None = None) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "planner", "steering")) is not None:
        return refused_
    api = Api(request, v.token)
    plans = await api.get("/plans", as_of=as_of)
    if not plans.ok:
        return unavailable(request, v, plans)
    years = [p["year"] for p in plans.body]
    year = year if year is not None else (max(years) if years else today().year)
    view = await api.get(f"/plans/{year}", as_of=as_of)
    end = end or as_of or today()
    start = start or end - timedelta(days=90)
    changes = await api.get(f"/plans/{year}/changes", **{"from": start, "to": end})
    entries = [{**ch, "words": in_words(ch, v.lang)} for ch in changes.body] if changes.ok else []
    return page(request, v, "staff/plan.html", plans=plans.body, year=year, as_of=as_of,
                view=view.body if view.ok else None, view_error=None if view.ok else view.message,
                changes=entries,
                changes_error=None if changes.ok else explain(changes, v.lang).summary,
                start=start, end=end)


async def initiative_page(request: Request, v: Visit, year: int, initiative_id: uuid.UUID, *,
                          status: int = 200, wait: uuid.UUID | None = None,
                          **form_state: Any) -> Response:
    r = await Api(request, v.token).get(f"/plans/{year}/initiatives/{initiative_id}",
                                        wait_for=wait)
    if not r.ok:
        return unavailable(request, v, r)
    form_state.setdefault("values", {})
    for key, value in (("progress-as_of", today().isoformat()),
                       ("milestone-completed_on", today().isoformat()),
                       ("spend-as_of", today().isoformat()),
                       ("risk-raised_on", today().isoformat())):
        form_state["values"].setdefault(key, value)
    open_milestones = [*r.body["milestones"]["overdue"], *r.body["milestones"]["upcoming"]]
    return page(request, v, "staff/initiative.html", status=status, year=year, ini=r.body,
                open_milestones=open_milestones, **form_state)


@router.get("/plan/{year}/initiatives/{initiative_id}")
async def initiative(request: Request, year: int, initiative_id: uuid.UUID,
                     wait: uuid.UUID | None = None) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "planner", "steering")) is not None:
        return refused_
    return await initiative_page(request, v, year, initiative_id, wait=wait)


@router.post("/plan/{year}/initiatives/{initiative_id}/{kind}")
async def update_initiative(request: Request, year: int, initiative_id: uuid.UUID,
                            kind: str) -> Response:
    if isinstance(got := await posted(request, "planner"), Response):
        return got
    v, f = got
    if kind not in FORMS:
        return back(request, v, f"/staff/plan/{year}/initiatives/{initiative_id}")
    route, fields = FORMS[kind]
    values = {f"{kind}-{k}": f.get(f"{kind}-{k}", "").strip() for k in fields}
    body: dict[str, Any] = {}
    for k in fields:
        text = values[f"{kind}-{k}"]
        if k == "milestone_id":
            continue
        body[k] = _number(text) if k in NUMBERS else text
    if kind == "risk":
        body["risk_id"] = values["risk-risk_id"] or f"r-{uuid.uuid4().hex[:8]}"
    path = route.format(milestone_id=values.get("milestone-milestone_id", "") or "-")
    r = await Api(request, v.token).post(
        f"/plans/{year}/initiatives/{initiative_id}/{path}", body)
    here = f"/staff/plan/{year}/initiatives/{initiative_id}"
    if not r.ok:
        state = refused(r, v.lang, dict(fields), values,
                        summary_field=f"{kind}-{next(iter(fields))}")
        # the API names a field `percent`; this form's field is `progress-percent`
        state["err"] = {(k if k.startswith(f"{kind}-") else f"{kind}-{k}"): m
                        for k, m in state["err"].items()}
        state["errors"] = [((k if not k or k.startswith(f"{kind}-") else f"{kind}-{k}"), m)
                           for k, m in state["errors"]]
        return await initiative_page(request, v, year, initiative_id, status=r.status, **state)
    return back(request, v, f"{here}?wait={r.body['event_id']}#{kind}-h", ok="saved")


def _number(text: str) -> int | str:
    """A whole number as a person writes it ("9.000.000", "35 %"); other text is sent as it is,
    for the API to refuse with the field's name."""
    cleaned = text.replace(".", "").replace(" ", "").replace("%", "").replace("kr", "")
    return int(cleaned) if cleaned.lstrip("-").isdigit() else text


async def _reports_state(api: Api) -> dict[str, Any] | Reply:
    """The stored reports and the quarters a report can be requested for, or the reply that
    failed."""
    listed = await api.get("/reports")
    if not listed.ok:
        return listed
    requestable = await api.get("/reports/requestable")
    if not requestable.ok:
        return requestable
    return {"reports": listed.body["reports"], "quarters": requestable.body["quarters"],
            "formats": REPORT_FORMATS}


@router.get("/reports")
async def reports(request: Request) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "planner", "steering")) is not None:
        return refused_
    state = await _reports_state(Api(request, v.token))
    if isinstance(state, Reply):
        return unavailable(request, v, state)
    return page(request, v, "staff/reports.html", **state)


@router.post("/reports")
async def request_report(request: Request) -> Response:
    """Make a quarter's report now (today's `POST /reports`) and show it in the list: the
    choice names the quarter and whether it is a marked draft ("2026Q4:draft")."""
    if isinstance(got := await posted(request, "planner", "steering"), Response):
        return got
    v, f = got
    choice = f.get("quarter", "").strip()
    quarter, _, kind = choice.partition(":")
    api = Api(request, v.token)
    r = await api.post("/reports", {"quarter": quarter.upper(), "draft": kind == "draft"})
    if not r.ok:
        state = await _reports_state(api)
        shown = state if isinstance(state, dict) else {"reports": [], "quarters": [],
                                                       "formats": REPORT_FORMATS}
        return page(request, v, "staff/reports.html", status=r.status, **shown,
                    **refused(r, v.lang, {"quarter": "quarter"}, {"quarter": choice},
                              summary_field="quarter"))
    return back(request, v, f"/staff/reports#r-{r.body['report_id']}", ok="report_requested")


@router.get("/reports/{report_id}.{fmt}")
async def download(request: Request, report_id: uuid.UUID, fmt: str,
                   lang: str = "da") -> Response:
    """A report file from the API, as a download named by quarter, language and format."""
    v = visit(request)
    if (refused_ := signed_in(request, v, "planner", "steering")) is not None:
        return refused_
    r = await Api(request, v.token).get(f"/reports/{report_id}.{fmt}", lang=lang)
    if not r.ok:
        return unavailable(request, v, r)
    name = f"report-{report_id}-{lang}.{fmt}"
    return Response(r.content, media_type=r.headers.get("content-type"), headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


CAMPAIGN_FIELDS = {"title": "title", "question": "question_label", "description": "description",
                   "opens_at": "opens_at", "closes_at": "closes_at",
                   "vote_rules.max_votes_per_participant": "max_votes",
                   "flag_threshold": "flag_threshold", "audience": "audience",
                   "answer_threshold.supports": "answer_supports",
                   "answer_threshold.days": "answer_days", "answer_threshold": "answer_promise"}


def _campaign_page(request: Request, v: Visit, *, status: int = 200,
                   **form_state: Any) -> Response:
    now = datetime.now(LOCAL).replace(second=0, microsecond=0)
    form_state.setdefault("values", {
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "vote_rules-max_votes_per_participant": "5", "flag_threshold": "3",
        "moderation": "pre", "vote_rules-mode": "support",
        **{f"audience-{s.value}": "yes" for s in Sector}})
    return page(request, v, "staff/campaign_new.html", status=status,
                sectors=[s.value for s in Sector], **form_state)


@router.get("/campaigns/new")
async def new_campaign(request: Request) -> Response:
    v = visit(request)
    if (refused_ := signed_in(request, v, "admin")) is not None:
        return refused_
    return _campaign_page(request, v)


@router.post("/campaigns")
async def create_campaign(request: Request) -> Response:
    if isinstance(got := await posted(request, "admin"), Response):
        return got
    v, f = got
    names = ("title", "question", "description", "opens_at", "closes_at", "moderation",
             "vote_rules-mode", "vote_rules-max_votes_per_participant", "flag_threshold",
             "shows_author_names", *ANSWER_FIELDS)
    values = {k: f.get(k, "").strip() for k in names}
    values |= {f"audience-{s.value}": f.get(f"audience-{s.value}", "") for s in Sector}
    body: dict[str, Any] = {
        "title": values["title"], "question": values["question"],
        "opens_at": _local_time(values["opens_at"]), "closes_at": _local_time(values["closes_at"]),
        "audience": [s.value for s in Sector if values[f"audience-{s.value}"] == "yes"],
        "moderation": values["moderation"] or "pre",
        "vote_rules": {"mode": values["vote_rules-mode"] or "support",
                       "max_votes_per_participant":
                           _number(values["vote_rules-max_votes_per_participant"])},
        "flag_threshold": _number(values["flag_threshold"]),
        "shows_author_names": values["shows_author_names"] == "yes"}
    if values["description"]:
        body["description"] = values["description"]
    if (promise := promise_of(values)) is not None:
        body["answer_threshold"] = promise
    r = await Api(request, v.token).post("/campaigns", body)
    if not r.ok:
        return _campaign_page(request, v, status=r.status, **refused(
            r, v.lang, CAMPAIGN_FIELDS, values, summary_field="title"))
    return back(request, v, f"/c/{r.body['campaign_id']}?wait={r.body['event_id']}",
                ok="campaign_created")


def _local_time(text: str) -> str:
    """A `datetime-local` field's value, in Danish time, as the API's aware timestamp."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=LOCAL).isoformat()
    except ValueError:
        return text
