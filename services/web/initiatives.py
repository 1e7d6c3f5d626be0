"""The action plan's initiatives where an official answer names one: the choices on the answer
form, and the initiative an answer went into named by its code and title. The ideas service
knows only the id; the plan belongs to the reporting service, whose API says who may read what:
the plan to its readers, and an initiative to everyone once the steering group approved its plan
year (as the idea's journey shows it)."""

from __future__ import annotations

from typing import Any

from services.web.api import Api
from services.web.session import Visit

PLAN_READERS = ("planner", "steering")  # who reads the plan (admins pass every check)


async def plan_choices(api: Api) -> list[dict[str, Any]] | None:
    """The initiatives of every plan year the caller may read, newest year first, each year's
    in code order: [{year, title, initiatives: [{initiative_id, code, title, year}]}]. None when
    the plan cannot be read or holds no initiative (the form then asks for the id)."""
    plans = await api.get("/plans")
    if not plans.ok or not isinstance(plans.body, list):
        return None
    groups = []
    for year in sorted((int(p["year"]) for p in plans.body), reverse=True):
        view = await api.get(f"/plans/{year}")
        if not view.ok:
            continue
        found = [{"initiative_id": str(i["initiative_id"]), "code": i["code"],
                  "title": i["title"], "year": year}
                 for track in view.body.get("tracks", []) for i in track.get("initiatives", [])]
        if found:
            found.sort(key=lambda i: (_natural(i["code"]), i["title"]))
            groups.append({"year": year, "title": view.body.get("title", str(year)),
                           "initiatives": found})
    return groups or None


def _natural(code: str) -> tuple[str, int, str]:
    """"F2" before "F10"."""
    head = code.rstrip("0123456789")
    tail = code[len(head):]
    return head, int(tail) if tail else -1, code


async def named(api: Api, v: Visit, idea_id: str, initiative_id: str,
                choices: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The initiative an answer went into as the caller may see it: {code, title, year, href},
    or None when they may not (a draft plan, for those who do not read the plan) or it is not
    found. A plan reader links to the initiative's page, anyone else to the idea's journey,
    where the approved plan's part of it is shown. `choices`: the plan's initiatives, when the
    caller already has them (`plan_choices`)."""
    if v.has(*PLAN_READERS):
        for group in choices or await plan_choices(api) or []:
            for ini in group["initiatives"]:
                if ini["initiative_id"] == initiative_id:
                    return {**ini, "href": f"/staff/plan/{ini['year']}/initiatives/"
                                           f"{initiative_id}"}
        return None
    journey = await api.get(f"/ideas/{idea_id}/journey")
    if not journey.ok:
        return None
    for ini in journey.body.get("initiatives", []):
        if str(ini.get("initiative_id")) == initiative_id and ini.get("shown"):
            return {"initiative_id": initiative_id, "code": ini.get("code"),
                    "title": ini.get("title"), "year": ini.get("year"),
                    "href": f"/i/{idea_id}/rejse#initiative-{initiative_id}"}
    return None
