"""The action-plan routes over HTTP against the running gateway and reporting worker."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from schemas.envelope import derived_id
from services.infra.stack import Stack
from tests.e2e.ideas_client import IdeasClient
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

# Plan years are a small space shared by every test of a session: these tests (and the browser
# tests that draft plans through `new_plan`) take years no other suite drafts (the example has
# 2015 and 2025, the quarterly-report tests use 2040-2099, the projection tests 2000-2013, the
# import tests 2020 and 2038-2039, the demo-report test 2022, the governance test this year).
_FREE = [*range(2016, 2020), 2021, 2023, 2024, *range(2028, 2038)]
_YEARS = random.sample(_FREE, len(_FREE))

TODAY = datetime.now(ZoneInfo("Europe/Copenhagen")).date()  # the day the plan's dates speak of


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post(http: httpx.AsyncClient, path: str, body: dict[str, Any], token: str,
               status: int = 202, **headers: str) -> dict[str, Any]:
    r = await http.post(path, json=body, headers={**auth(token), **headers})
    assert r.status_code == status, r.text
    result: dict[str, Any] = r.json()
    return result


def initiative_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "track": "FINDE", "code": "F1", "title": "Kortlægning af innovationslandskabet",
        "description": "Kortlægge hvor der arbejdes innovativt.", "owner": "staff-1",
        "period": {"start": (TODAY - timedelta(days=100)).isoformat(),
                   "end": (TODAY + timedelta(days=100)).isoformat()},
        "budget_dkk": 900_000,
        "goals": [{"goal_id": "cases", "title": "Eksempler", "indicator": "eksempler",
                   "unit": "eksempler", "baseline": 0, "target": 300,
                   "due": (TODAY + timedelta(days=90)).isoformat()}],
        "milestones": [{"milestone_id": "model", "title": "Model",
                        "due": (TODAY + timedelta(days=10)).isoformat()}]}
    body.update(extra)
    return body


async def new_plan(http: httpx.AsyncClient, planner: str, year: int | None = None
                   ) -> tuple[int, str]:
    """A drafted plan with one initiative; returns (year, initiative id)."""
    year = year or _YEARS.pop()
    drafted = await post(http, "/plans", {"year": year, "title": f"Handlingsplan {year}",
                                          "tracks": [{"code": "FINDE", "title": "Finde"},
                                                     {"code": "SPREDE", "title": "Sprede"}]},
                         planner)
    # the edge judges an initiative against the plan it has read: wait until the draft is in
    r = await http.get(f"/plans/{year}", params={"wait_for": drafted["event_id"]},
                       headers=auth(planner))
    assert r.status_code == 200, r.text
    iid = str(uuid.uuid4())
    accepted = await post(http, f"/plans/{year}/initiatives",
                          initiative_body(initiative_id=iid), planner)
    r = await http.get(f"/plans/{year}/initiatives/{iid}",
                       params={"wait_for": accepted["event_id"]}, headers=auth(planner))
    assert r.status_code == 200, r.text
    return year, iid


async def reporting_knows(http: httpx.AsyncClient, planner: str, caused_by: str) -> None:
    """Wait until the reporting service has the status change the ideas service published for
    a submission or a moderation decision (its event id is derived from that event's id)."""
    change = str(derived_id(uuid.UUID(caused_by), "idea.status_changed"))
    await eventually(lambda: http.get("/plans", params={"wait_for": change},
                                      headers=auth(planner)),
                     lambda r: r.status_code == 200, timeout=60,
                     what="the idea's status in the reporting service")


async def submit(ideas: IdeasClient, campaign_id: str, title: str) -> tuple[str, str]:
    """An idea submitted by a participant: (idea id, event id)."""
    r = await ideas.http.post(f"/campaigns/{campaign_id}/ideas", json={
        "title": title, "body": "Details follow."}, headers=ideas.participant("ann"))
    await ideas.wait(r, headers=ideas.participant("ann"))
    return str(r.json()["idea_id"]), str(r.json()["event_id"])


async def published_idea(http: httpx.AsyncClient, token: Callable[..., str], planner: str,
                         uid: str, title: str) -> str:
    """An idea published in a post-moderated campaign, once the reporting service knows it."""
    ideas = IdeasClient(http, token, uid)
    idea, submitted = await submit(ideas, await ideas.campaign(moderation="post"), title)
    await reporting_knows(http, planner, submitted)
    return idea


async def test_a_planner_records_progress_and_staff_see_it(
        stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    planner, steering = token("planner", sub="planner-e2e"), token("steering")
    year, iid = await new_plan(http, planner)
    idea = await published_idea(http, token, planner, uid, f"Benches by the canal {uid}")
    base = f"/plans/{year}/initiatives/{iid}"
    await post(http, f"{base}/progress", {"as_of": TODAY.isoformat(), "percent": 35,
                                          "rag": "amber", "narrative": "Forsinket data."},
               planner)
    await post(http, f"{base}/milestones/model/completion",
               {"completed_on": TODAY.isoformat()}, planner)
    await post(http, f"{base}/ideas", {"idea_id": idea, "note": "Fra idéstormen"}, planner)
    last = await post(http, f"{base}/goals/cases/measurements",
                      {"value": 120, "measured_on": TODAY.isoformat(), "source": "database"},
                      planner)

    r = await http.get(base, params={"wait_for": last["event_id"]}, headers=auth(steering))
    assert r.status_code == 200, r.text
    view = r.json()
    assert (view["percent"], view["rag_owner"], view["reports"][0]["reported_by"]) == (
        35, "amber", "planner-e2e")
    # the computed status, the report's: 35 % done where about 50 % was expected is 30 %
    # behind, red; the owner's amber is shown beside it
    assert (view["rag"], view["rag_differs"]) == ("red", True)
    assert view["schedule_deviation"] == pytest.approx(0.30, abs=0.02)
    assert view["expected_percent"] == pytest.approx(50.2, abs=0.5)
    assert view["milestones"]["done"][0]["milestone_id"] == "model"
    assert view["goals"][0]["latest"]["value"] == 120
    assert view["goals"][0]["share_of_target_reached"] == 0.4
    assert [(i["idea_id"], i["title"], i["status"], i["decided_by"], i["votes"])
            for i in view["ideas"]] == [(idea, f"Benches by the canal {uid}", "published",
                                         "planner-e2e", {"up": 0, "down": 0, "net": 0})]
    # the same idea again into the same initiative: a clear refusal, and still one adoption
    twice = await http.post(f"{base}/ideas", json={"idea_id": idea}, headers=auth(planner))
    assert twice.status_code == 409, twice.text
    assert twice.json()["detail"]["code"] == "already_adopted"

    plan = (await http.get(f"/plans/{year}", headers=auth(steering))).json()
    assert plan["status"] == "draft"
    finde = next(t for t in plan["tracks"] if t["code"] == "FINDE")
    assert finde["rollup"]["percent"] == 35.0 and finde["initiatives"][0]["rag"] == "red"
    assert finde["initiatives"][0]["rag_owner"] == "amber"
    listed = (await http.get("/plans", headers=auth(steering))).json()
    assert any(p["year"] == year and p["percent"] == 35.0 for p in listed)

    # yesterday nothing of this was known yet
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    r = await http.get(f"/plans/{year}", params={"as_of": yesterday}, headers=auth(steering))
    assert r.status_code == 404 and r.json()["detail"]["code"] == "not_found"

    changes = (await http.get(f"/plans/{year}/changes", headers=auth(steering), params={
        "from": TODAY.isoformat(), "to": TODAY.isoformat()})).json()
    assert [c["type"] for c in changes] == [
        "plan.drafted", "initiative.defined", "progress.reported",
        "progress.milestone_completed", "progress.idea_adopted", "progress.goal_measured"]
    assert {c["by"] for c in changes} == {"planner-e2e"}
    # each entry carries the fact's own fields, for a page to say it in its own words
    assert {k: changes[2]["details"][k] for k in ("percent", "rag", "as_of")} == {
        "percent": 35.0, "rag": "amber", "as_of": TODAY.isoformat()}
    rollups = (await http.get(f"/plans/{year}/rollups", params={"track": "FINDE"},
                              headers=auth(steering))).json()
    assert rollups[-1]["percent"] == 35.0


async def test_only_a_published_idea_is_adopted_and_each_refusal_says_why(
        stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    planner = token("planner", sub=f"planner-{uid}")
    year, iid = await new_plan(http, planner)
    base = f"/plans/{year}/initiatives/{iid}"
    ideas = IdeasClient(http, token, uid)
    campaign_id = await ideas.campaign(moderation="pre")
    pending, submitted = await submit(ideas, campaign_id, f"Longer library hours {uid}")
    rejected, _ = await submit(ideas, campaign_id, f"Call Jens on 12345678 {uid}")
    shown, _ = await submit(ideas, campaign_id, f"Benches by the canal {uid}")
    no = await ideas.decide(rejected, "reject", "names a person")
    yes = await ideas.decide(shown, "approve", "fits the question")
    for cause in (submitted, no.json()["event_id"], yes.json()["event_id"]):
        await reporting_knows(http, planner, cause)

    def refused(r: httpx.Response, status: int, code: str, message: str) -> None:
        assert r.status_code == status, r.text
        assert r.json()["detail"] == {"code": code, "message": message}

    nobody = str(uuid.uuid4())
    refused(await http.post(f"{base}/ideas", json={"idea_id": nobody}, headers=auth(planner)),
            404, "unknown_idea", f"idea {nobody} does not exist in any ideastorm")
    refused(await http.post(f"{base}/ideas", json={"idea_id": pending}, headers=auth(planner)),
            409, "idea_not_published",
            f"idea {pending} is pending moderation, only published ideas can be adopted")
    refused(await http.post(f"{base}/ideas", json={"idea_id": rejected}, headers=auth(planner)),
            409, "idea_not_published",
            f"idea {rejected} was rejected by moderation, only published ideas can be adopted")
    # an initiative the plan does not have is said first
    other = str(uuid.uuid4())
    refused(await http.post(f"/plans/{year}/initiatives/{other}/ideas",
                            json={"idea_id": nobody}, headers=auth(planner)),
            404, "unknown_initiative", f"initiative {other} is not defined")

    adopted = await post(http, f"{base}/ideas", {"idea_id": shown, "note": "Fra idéstormen"},
                         planner)
    r = await http.get(base, params={"wait_for": adopted["event_id"]}, headers=auth(planner))
    assert r.status_code == 200, r.text
    assert [(i["idea_id"], i["title"], i["status"]) for i in r.json()["ideas"]] == [
        (shown, f"Benches by the canal {uid}", "published")]


async def test_governance_revision_and_closure_show_in_the_plan(
        stack: Stack, http: httpx.AsyncClient, token: Callable[..., str]) -> None:
    planner, steering = token("planner", sub="planner-gov"), token("steering")
    # meetings belong to the year they are held in: this plan is for the current year
    year, iid = await new_plan(http, planner, TODAY.year)
    meeting = str(uuid.uuid4())
    await post(http, "/steering-meetings", {
        "meeting_id": meeting, "held_on": TODAY.isoformat(),
        "members_present": {"state": 3, "municipalities": 2, "regions": 3},
        "decisions": ["Handlingsplanen godkendt."], "items_for_decision": ["Handlingsplan"]},
        planner)
    await post(http, f"/plans/{year}/approval",
               {"meeting_id": meeting, "approved_on": TODAY.isoformat()}, planner)
    await post(http, f"/plans/{year}/budget", {"amount_dkk": 9_000_000, "meeting_id": meeting,
               "shares": {"state": 3_600_000, "municipalities": 3_600_000,
                          "regions": 1_800_000}}, planner)
    base = f"/plans/{year}/initiatives/{iid}"
    # a revision names what changes; the goals and milestones it does not name are kept
    await post(http, f"{base}/revisions", {"budget_dkk": 1_500_000,
                                           "reason": "Udvidet til regionerne"}, planner)
    closed = await post(http, f"{base}/closure", {"closed_on": TODAY.isoformat(),
                                                  "outcome": "Kortet er offentliggjort."},
                        planner)

    r = await http.get(f"/plans/{year}", params={"wait_for": closed["event_id"]},
                       headers=auth(steering))
    plan = r.json()
    assert plan["status"] == "approved" and plan["approved"]["meeting_id"] == meeting
    assert plan["budget"]["shares"]["regions"] == 1_800_000
    # other tests hold meetings this year too (the browser's steering journey): find ours
    [ours] = [m for m in plan["meetings"] if m["meeting_id"] == meeting]
    assert ours["members_present"]["municipalities"] == 2
    view = (await http.get(base, headers=auth(steering))).json()
    assert view["budget_dkk"] == 1_500_000 and view["status"] == "closed"
    # nothing is adopted into a closed initiative
    into_closed = await http.post(f"{base}/ideas", json={"idea_id": str(uuid.uuid4())},
                                  headers=auth(planner))
    assert into_closed.status_code == 409, into_closed.text
    assert into_closed.json()["detail"]["code"] == "initiative_closed"
    assert [g["goal_id"] for g in view["goals"]] == ["cases"]
    assert view["title"] == "Kortlægning af innovationslandskabet"
    assert view["revisions"][0]["reason"] == "Udvidet til regionerne"
    assert view["revisions"][0]["by"] == "planner-gov"
    assert view["closed"]["outcome"] == "Kortet er offentliggjort."
    late = {"as_of": TODAY.isoformat(), "percent": 100, "rag": "green", "narrative": "n"}
    assert await _refused(http, f"{base}/progress", late, planner) == (409, "initiative_closed")


async def _refused(http: httpx.AsyncClient, path: str, body: dict[str, Any], token: str
                   ) -> tuple[int, str]:
    r = await http.post(path, json=body, headers=auth(token))
    assert 400 <= r.status_code < 500, r.text
    return r.status_code, r.json()["detail"]["code"]


async def test_bad_progress_is_refused_at_the_edge_with_a_clear_4xx(
        stack: Stack, http: httpx.AsyncClient, token: Callable[..., str]) -> None:
    planner = token("planner")
    year, iid = await new_plan(http, planner)
    base = f"/plans/{year}/initiatives/{iid}"
    good = {"as_of": TODAY.isoformat(), "percent": 10, "rag": "green", "narrative": "n"}
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    cases = [
        (f"{base}/progress", {**good, "percent": 101}, 422, "invalid_request"),
        (f"{base}/progress", {**good, "percent": -5}, 422, "invalid_request"),
        (f"{base}/progress", {**good, "rag": "blue"}, 422, "invalid_request"),
        (f"{base}/progress", {**good, "narrative": "nul\u0000"}, 422, "malformed"),
        (f"/plans/{year}/initiatives/{uuid.uuid4()}/progress", good, 404, "unknown_initiative"),
        (f"/plans/2014/initiatives/{iid}/progress", good, 404, "unknown_plan"),
        (f"/plans/{year + 1000}/initiatives/{iid}/progress", good, 422, "invalid_request"),
        (f"{base}/progress", {**good, "as_of": tomorrow}, 422, "dated_in_future"),
        (f"{base}/progress", {**good, "as_of": yesterday}, 422, "before_plan"),
        (f"{base}/milestones/nope/completion", {"completed_on": TODAY.isoformat()}, 422,
         "unknown_milestone"),
        (f"/plans/{year}/initiatives", initiative_body(track="NOPE"), 422, "unknown_track"),
        (f"/plans/{year}/initiatives", initiative_body(initiative_id=iid), 409,
         "already_defined"),
        (f"/plans/{year}/budget", {"amount_dkk": 100, "shares": {
            "state": 40, "municipalities": 40, "regions": 10}}, 422, "invalid_request"),
    ]
    for path, body, status, code in cases:
        assert await _refused(http, path, body, planner) == (status, code), (path, body)


async def test_roles_decide_who_writes_and_who_reads(
        stack: Stack, http: httpx.AsyncClient, token: Callable[..., str]) -> None:
    planner = token("planner")
    year, _ = await new_plan(http, planner)
    draft = {"year": _YEARS.pop(), "title": "T", "tracks": [{"code": "A", "title": "A"}]}
    assert (await http.post("/plans", json=draft)).status_code == 401
    for role in ("steering", "participant", "moderator"):
        r = await http.post("/plans", json=draft, headers=auth(token(role)))
        assert r.status_code == 403 and r.json()["detail"]["code"] == "forbidden"
    for role in ("participant", "moderator"):
        assert (await http.get(f"/plans/{year}", headers=auth(token(role)))).status_code == 403
    for role in ("planner", "steering", "admin"):
        assert (await http.get(f"/plans/{year}", headers=auth(token(role)))).status_code == 200


async def test_a_repeated_request_with_the_same_idempotency_key_changes_nothing(
        stack: Stack, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    planner = token("planner")
    year, _ = await new_plan(http, planner)
    body = initiative_body(title="Innovationswiki", track="SPREDE")
    first = await post(http, f"/plans/{year}/initiatives", body, planner,
                       **{"Idempotency-Key": uid})
    r = await http.get(f"/plans/{year}", params={"wait_for": first["event_id"]},
                       headers=auth(planner))
    assert r.status_code == 200
    again = await post(http, f"/plans/{year}/initiatives", body, planner,
                       **{"Idempotency-Key": uid})
    assert again["event_id"] == first["event_id"]
    plan = (await http.get(f"/plans/{year}", headers=auth(planner))).json()
    sprede = next(t for t in plan["tracks"] if t["code"] == "SPREDE")
    assert [i["title"] for i in sprede["initiatives"]] == ["Innovationswiki"]


async def test_bad_query_parameters_are_4xx(
        stack: Stack, http: httpx.AsyncClient, token: Callable[..., str]) -> None:
    steering = token("steering")
    for path, params in (("/plans", {"as_of": "31-12-2025"}),
                         ("/plans", {"as_of": "9999-12-31"}),
                         ("/plans/99999999999", {}),
                         ("/plans/2015/changes", {"from": "2015-02-01", "to": "9999-12-31"}),
                         ("/plans/2015/changes", {"from": "2015-02-01"}),
                         ("/plans/2015/changes", {"from": "2015-02-01", "to": "2015-01-01"}),
                         ("/plans/2015/initiatives/not-a-uuid", {})):
        r = await http.get(path, params=params, headers=auth(steering))
        assert r.status_code == 422, (path, r.text)


async def test_items_for_decision_are_answered_by_id_and_risks_and_spend_are_recorded(
        stack: Stack, http: httpx.AsyncClient, token: Callable[..., str]) -> None:
    planner = token("planner", sub="planner-decisions")
    year, iid = await new_plan(http, planner)
    unknown = await http.post(f"/decisions/{uuid.uuid4()}/answer", headers=auth(planner), json={
        "meeting_id": str(uuid.uuid4()), "decided_on": TODAY.isoformat(), "chosen": "A"})
    assert unknown.status_code == 404 and unknown.json()["detail"]["code"] == "unknown_decision"

    decision_id = str(uuid.uuid4())
    body = {"title": "Rekruttering", "question": "Nu eller senere?", "recommendation": "Nu.",
            "options": [{"label": "Nu", "consequence": "0,1 mio. kr. i år"},
                        {"label": "Senere", "consequence": "Et halvt år tabt"}],
            "requested_on": TODAY.isoformat(), "for_meeting_on": TODAY.isoformat()}
    # an item can concern an initiative of its own plan year only
    elsewhere = await http.post(f"/plans/{year}/decisions", headers=auth(planner),
                                json={**body, "initiative_id": str(uuid.uuid4())})
    assert elsewhere.status_code == 404, elsewhere.text
    assert elsewhere.json()["detail"]["code"] == "unknown_initiative"
    asked = await post(http, f"/plans/{year}/decisions",
                       {**body, "decision_id": decision_id, "initiative_id": iid}, planner)
    seen = await http.get(f"/plans/{year}", params={"wait_for": asked["event_id"]},
                          headers=auth(planner))
    assert seen.status_code == 200, seen.text
    answer = {"meeting_id": str(uuid.uuid4()), "decided_on": TODAY.isoformat()}
    wrong = await http.post(f"/decisions/{decision_id}/answer", headers=auth(planner),
                            json={**answer, "chosen": "Aldrig"})
    assert wrong.status_code == 422 and wrong.json()["detail"]["code"] == "unknown_option"
    assert "Senere" in wrong.json()["detail"]["message"]
    # the steering group records its own answer; asking for a decision stays the planners'
    steering = token("steering", sub="chair-decisions")
    refused = await http.post(f"/plans/{year}/decisions", headers=auth(steering), json={})
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "forbidden"
    taken = await post(http, f"/decisions/{decision_id}/answer",
                       {**answer, "chosen": "Nu", "note": "Opslag i januar"}, steering)
    listed = await http.get(f"/plans/{year}/decisions", params={"wait_for": taken["event_id"]},
                            headers=auth(steering))
    assert listed.status_code == 200, listed.text
    item = next(d for d in listed.json()["decisions"] if d["decision_id"] == decision_id)
    assert item["status"] == "answered" and item["requested_by"] == "planner-decisions"
    assert (item["initiative_id"], item["initiative_title"]) == (
        iid, "Kortlægning af innovationslandskabet")
    assert {k: item["answer"][k] for k in ("chosen", "note", "decided_on", "recorded_by")} == {
        "chosen": "Nu", "note": "Opslag i januar", "decided_on": TODAY.isoformat(),
        "recorded_by": "chair-decisions"}
    for role in ("participant", "moderator"):
        r = await http.get(f"/plans/{year}/decisions", headers=auth(token(role)))
        assert r.status_code == 403, role
    again = await http.post(f"/decisions/{decision_id}/answer", headers=auth(planner),
                            json={**answer, "chosen": "Senere"})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "already_decided"

    base = f"/plans/{year}/initiatives/{iid}"
    await post(http, f"{base}/spend", {"as_of": TODAY.isoformat(), "spent_dkk": 100_000,
                                       "forecast_dkk": 900_000}, planner)
    missing = await http.post(f"{base}/risks/r1/assessments", headers=auth(planner), json={
        "likelihood": 2, "impact": 2, "mitigation": "m", "assessed_on": TODAY.isoformat()})
    assert missing.status_code == 422 and missing.json()["detail"]["code"] == "unknown_risk"
    await post(http, f"{base}/risks", {
        "risk_id": "r1", "title": "For få deltagere", "owner": "staff-1", "likelihood": 3,
        "impact": 4, "mitigation": "Invitation via KL", "raised_on": TODAY.isoformat()}, planner)
    bad = await http.post(f"{base}/risks", headers=auth(planner), json={
        "risk_id": "r2", "title": "X", "owner": "staff-1", "likelihood": 6, "impact": 1,
        "mitigation": "m", "raised_on": TODAY.isoformat()})
    assert bad.status_code == 422  # likelihood is 1-5
