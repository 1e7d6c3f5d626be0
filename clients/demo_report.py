"""The main job of `ideastorm demo`: from the example plan and a real election to the 2025Q2
steering-group report in every format and both languages.

Runs over a started stack (broker, database, every worker and the gateway) and talks to it only
as a client would: it publishes events to the topics and uses the HTTP API. The plan and the
election are published to their topics (`clients.plan_import`, `clients.election_import`); the
campaign's most supported ideas (the public tally) are adopted into the plan's ideastorm
initiative (from `GET /plans/{year}`); once the reporting service has the voting service's
replay of the closed campaign under other rules (its stability table), `POST /reports` makes
the quarter's report and every rendering is downloaded into `out/`. Last, one adopted idea's
journey from the election to its initiative (`GET /ideas/{id}/journey` and its Danish page) is
saved beside the report and summed up.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from clients import pabulib
from clients.election_import import import_election
from clients.plan_import import import_plan, wait_applied
from schemas.envelope import Envelope, derived_id
from schemas.plan import IdeaAdopted
from services.infra.auth import mint_token
from services.infra.kafka import archiving_producer
from services.infra.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "examples" / "coi-action-plan-2014-2016.yaml"
WARSAW = ROOT / "examples" / "data" / "poland_warszawa_2026.pb"
QUARTER = "2025Q2"
ADOPTED_ON = datetime(2025, 6, 20, 10, tzinfo=UTC)  # after the vote closed, inside 2025Q2
LANGUAGES = ("da", "en")
FORMATS = ("pdf", "html", "md", "json")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass(frozen=True)
class Downloaded:
    """The report as the API gave it: its summary, its files, and the English JSON rendering."""

    report_id: uuid.UUID
    summary: dict[str, Any]
    paths: list[Path]
    report: dict[str, Any]  # the "report" object of the JSON rendering

    @property
    def content_hash(self) -> str:
        return str(self.report["content_hash"])


class Api:
    """The gateway, with one bearer token per role the job needs."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http = http
        self.settings = settings

    def auth(self, role: str, sub: str) -> dict[str, str]:
        token = mint_token(self.settings, sub=sub, roles=[role], ttl_s=3600)
        return {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, headers: dict[str, str] | None = None,
                  **params: Any) -> httpx.Response:
        # no params at all for a link that carries its own query (`?lang=en`)
        r = await self.http.get(path, headers=headers, params=params or None)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path} answered {r.status_code}: {r.text}")
        return r


async def wait_for_votes(api: Api, staff: dict[str, str], *, quarter: str,
                         campaign_id: uuid.UUID, votes: int, timeout: float, say: Any) -> int:
    """Wait until the reporting service has recorded `votes` votes of the campaign."""
    deadline = time.monotonic() + timeout
    seen, told = 0, 0.0
    while time.monotonic() < deadline:
        inputs = (await api.get("/reports/inputs", staff, quarter=quarter)).json()
        seen = int(inputs["votes_by_campaign"].get(str(campaign_id), 0))
        if seen >= votes:
            break
        if time.monotonic() - told > 10:
            say(f"waiting for the report's inputs: {seen}/{votes} votes recorded")
            told = time.monotonic()
        await asyncio.sleep(0.5)
    return seen


async def wait_for_what_if(api: Api, staff: dict[str, str], *, quarter: str,
                           campaign_id: uuid.UUID, votes: int, timeout: float,
                           say: Any) -> dict[str, Any]:
    """Wait until the reporting service has recorded the voting service's replay of the closed
    campaign under other rules (`campaign.what_if_computed`) over all its `votes`: the report's
    stability table is read from it, so two runs make the same report."""
    deadline = time.monotonic() + timeout
    told = 0.0
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        inputs = (await api.get("/reports/inputs", staff, quarter=quarter)).json()
        seen = inputs.get("what_ifs_by_campaign", {}).get(str(campaign_id)) or {}
        if seen.get("votes") == votes:
            return seen
        if time.monotonic() - told > 15:
            say("waiting for the replay under other rules (computed once the votes have "
                f"settled): {seen.get('votes', 'none')} of {votes} votes replayed")
            told = time.monotonic()
        await asyncio.sleep(1)
    raise RuntimeError(f"no replay of campaign {campaign_id} over {votes} votes was recorded "
                       f"within {timeout:.0f}s (last seen: {seen or 'none'})")


async def ideastorm_initiative(api: Api, staff: dict[str, str], year: int
                               ) -> tuple[int, dict[str, Any]] | None:
    """The initiative about ideastorms (dialogue on solutions), else the first, of the latest
    plan year up to `year`."""
    years = [p["year"] for p in (await api.get("/plans", staff)).json() if p["year"] <= year]
    if not years:
        return None
    plan = (await api.get(f"/plans/{max(years)}", staff)).json()
    initiatives = [i for t in plan["tracks"] for i in t["initiatives"]]

    def about_ideastorms(i: dict[str, Any]) -> bool:
        title = i["title"].casefold()
        return "dialog" in title or "idéstorm" in title

    if not initiatives:
        return None
    best = min(initiatives, key=lambda i: (not about_ideastorms(i), i["code"] or "", i["title"]))
    return plan["year"], best


async def adopt_top_ideas(api: Api, bootstrap: str, database_url: str | None, *,
                          campaign_id: uuid.UUID, year: int,
                          how_many: int, when: datetime, decided_by: str,
                          timeout: float = 60.0) -> list[tuple[str, str, str]]:
    """Record the campaign's most supported ideas (by the public tally) as adopted on `when`
    into the plan year's ideastorm initiative. Returns (idea title, initiative title, idea id)
    once the reporting service has them.

    The adoptions are dated: they are published to `status` as the plan importer publishes a
    plan file's `ideas_adopted`, because `POST .../ideas` records an adoption as of now and the
    demo reports on a past quarter."""
    staff = api.auth("planner", decided_by)
    found = await ideastorm_initiative(api, staff, year)
    if found is None or how_many <= 0:
        return []
    _, initiative = found
    initiative_id = uuid.UUID(initiative["initiative_id"])
    tally = (await api.get(f"/campaigns/{campaign_id}/tally")).json()["ideas"]
    top = sorted(tally, key=lambda i: (-i["score"], i["title"] or str(i["idea_id"])))[:how_many]
    envs = [Envelope.wrap(IdeaAdopted(initiative_id=initiative_id,
                                      idea_id=uuid.UUID(str(i["idea_id"])),
                                      decided_by=decided_by,
                                      note="Udvalgt blandt de mest støttede idéer"),
                          actor=decided_by, occurred_at=when,
                          event_id=derived_id("demo", "adopted", initiative_id,
                                              uuid.UUID(str(i["idea_id"]))))
            for i in top]
    async with archiving_producer(bootstrap, database_url) as producer:
        await producer.publish_many(envs)
    token = staff["Authorization"].removeprefix("Bearer ")
    await wait_applied(str(api.http.base_url), token, [e.event_id for e in envs], timeout)
    return [(i["title"] or str(i["idea_id"]), initiative["title"], str(i["idea_id"]))
            for i in top]


async def make_report(api: Api, staff: dict[str, str], quarter: str, out: Path) -> Downloaded:
    """`POST /reports`, then every rendering in both languages into `out`."""
    r = await api.http.post("/reports", json={"quarter": quarter}, headers=staff)
    if r.status_code != 201:
        raise RuntimeError(f"POST /reports answered {r.status_code}: {r.text}")
    summary: dict[str, Any] = r.json()
    files: dict[Path, bytes] = {}
    for lang in LANGUAGES:
        for fmt in FORMATS:
            link = summary["files"][f"{lang}.{fmt}"]
            files[out / f"report-{quarter}-{lang}.{fmt}"] = (await api.get(link, staff)).content
    await asyncio.to_thread(_write, out, files)
    data = json.loads(files[out / f"report-{quarter}-en.json"])
    return Downloaded(uuid.UUID(summary["report_id"]), summary, list(files), data["report"])


def _write(out: Path, files: dict[Path, bytes]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for path, content in files.items():
        path.write_bytes(content)


async def save_journey(api: Api, staff: dict[str, str], idea_id: str, out: Path
                       ) -> tuple[list[Path], dict[str, Any]]:
    """The idea's journey as the steering group reads it (JSON) and as anyone sees it (the
    Danish page), written into `out`. Made of dated events only, so two runs write the same
    bytes."""
    body: dict[str, Any] = (await api.get(f"/ideas/{idea_id}/journey", staff)).json()
    page = (await api.get(f"/i/{idea_id}/rejse")).content
    files = {out / f"journey-{idea_id[:8]}.json":
             json.dumps(body, ensure_ascii=False, indent=2).encode() + b"\n",
             out / f"journey-{idea_id[:8]}-da.html": page}
    await asyncio.to_thread(_write, out, files)
    return list(files), body


def journey_table(journey: dict[str, Any]) -> str:
    """One line per step of an idea's journey."""
    lines = [f"  {journey['title']} ({journey['campaign_title']})"]
    for s in journey["steps"]:
        what: str = s["kind"]
        if what == "moderated":
            what += f": {s['decision']} ({s['reason']})"
        elif what == "voting_closed":
            rank = s["rank"] or {}
            what += f": {s['votes']:,} votes, no. {rank.get('position')} of {rank.get('of')}"
        elif what == "selection":
            what += (f": {'selected' if s['selected'] else 'not selected'} under "
                     f"{s['official']}; funded under {len(s['funded_in'])} of "
                     f"{s['scenarios']} counts")
        elif what == "adopted":
            what += f" into {s['title'] or s['initiative_id']}"
        elif what == "milestone_completed":
            what += f": {s['title']} on {s['completed_on']}"
        elif what == "progress_reported":
            what += f": {s['percent']:g} % as of {s['as_of']}"
        lines.append(f"  {s['at'][:10]}  {what}")
    for ini in journey["initiatives"]:
        if ini["shown"]:
            done = sum(1 for m in ini["milestones"] if m["completed_on"])
            lines.append(f"  initiative {ini['title']}: {done} of {len(ini['milestones'])}"
                         f" milestones reached, {ini['percent']} % done")
    return "\n".join(lines)


def summary_table(report: dict[str, Any]) -> str:
    """A short plain-text table of what the report says."""
    cover = report["document_control"]
    summary = report["executive_summary"]
    decisions = report["decisions"]
    rows: list[tuple[str, str]] = [
        ("quarter", cover["quarter"]),
        ("plan", f"{cover['plan_title']} (version {cover['plan_version']})"),
        ("events read", f"{cover['fingerprint']['event_count']:,}"),
        ("overall status", summary["overall"]),
        ("key messages", " | ".join(m["kind"] for m in summary["messages"])),
        ("initiatives", ", ".join(f"{r['count']} {r['rag']}" for r in summary["rag"])),
        ("computed status differs", str(len(summary["rag_differs"]))),
        ("changes since previous quarter", str(len(summary["changes"]))),
        ("baseline changes", str(len(report["baseline_changes"]))),
        ("goals off track", str(sum(1 for g in report["goals"] if g["on_track"] is False))),
        ("open risks", str(sum(1 for r in report["risks"] if r["status"] == "open"))),
    ]
    if report["economy"]:
        e = report["economy"]
        rows.append(("spent / phased / budget",
                     f"{e['spent'] or 0:,} / {e['phased'] or 0:,} / {e['total']:,} DKK"))
    for c in report["campaigns"]["items"]:
        rows.append((f"campaign {c['title'][:40]}",
                     f"{c['participants']:,} participants, {c['ideas_submitted']} ideas, "
                     f"{c['votes']:,} votes, {len(c['adopted_ideas'])} adopted"))
        if c["top_ideas"]:
            best = c["top_ideas"][0]
            rows.append(("  most supported", f"{best['title'][:50]} ({best['votes']:,})"))
        if (s := c.get("stability")) and s["status"] == "computed":
            rows.append(("  under other rules", f"{len(s['stable'])} ideas win under all "
                         f"{len(s['scenarios'])} counts, {len(s['depends'])} depend on the rule"))
    rows += [
        ("moderation queue at end", str(report["campaigns"]["moderation"]["queue_at_end"])),
        ("items for the next meeting", str(len(decisions["for_next_meeting"]))),
        ("decided in the quarter", str(len(decisions["taken_in_quarter"]))),
        ("content hash", str(report["content_hash"])[:16]),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)


async def main_job(settings: Settings, *, out: Path, base_url: str | None = None,
                   election_file: Path = WARSAW, quarter: str = QUARTER,
                   adopted_on: datetime = ADOPTED_ON, adopt: int = 3) -> Downloaded:
    """Plan, election, adoptions, then the quarter's report in every format and language.

    `base_url`: the gateway (default http://HTTP_HOST:HTTP_PORT of `settings`)."""
    assert settings.kafka_bootstrap_servers
    bootstrap = settings.kafka_bootstrap_servers
    base_url = base_url or f"http://{settings.http_host}:{settings.http_port}"
    quarter = str(quarter)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=300) as http:
        api = Api(http, settings)
        planner = api.auth("planner", "plan-import")
        plan = await import_plan(bootstrap, base_url,
                                 planner["Authorization"].removeprefix("Bearer "), PLAN_FILE,
                                 database_url=settings.database_url, wait_s=120)
        say(f"1. loaded the example action plan {PLAN_FILE.name}: {plan.events} events")

        election = pabulib.parse(await asyncio.to_thread(election_file.read_bytes))
        say(f"2. importing {election_file.name}: {len(election.projects)} ideas,"
            f" {len(election.ballots):,} voters, {election.vote_count:,} votes")
        admin = api.auth("admin", "pabulib-import")
        checked = await import_election(bootstrap, base_url,
                                        admin["Authorization"].removeprefix("Bearer "),
                                        election, check=True, timeout=900,
                                        database_url=settings.database_url,
                                        say=lambda s: say("   " + s))
        if checked is not None:
            say(f"   voting tallies match the official counts for {checked.matching}/"
                f"{checked.compared} ideas")

        campaign = pabulib.campaign_id(election)
        steering = api.auth("steering", "coi-leder")
        seen = await wait_for_votes(api, steering, quarter=quarter, campaign_id=campaign,
                                    votes=election.vote_count, timeout=900,
                                    say=lambda s: say("   " + s))
        replayed = await wait_for_what_if(api, steering, quarter=quarter, campaign_id=campaign,
                                          votes=seen, timeout=900,
                                          say=lambda s: say("   " + s))
        say(f"   replayed under other rules as the votes stood on {replayed['settled_at']}")
        adopted = await adopt_top_ideas(api, bootstrap, settings.database_url,
                                        campaign_id=campaign,
                                        year=adopted_on.year, how_many=adopt, when=adopted_on,
                                        decided_by="coi-leder")
        say(f"3. recorded {len(adopted)} ideas as adopted on {adopted_on:%Y-%m-%d}:")
        for idea, initiative, _ in adopted:
            say(f"   {idea[:60]}  ->  {initiative}")
        t = time.monotonic()
        got = await make_report(api, steering, quarter, out)
        t_journey = time.monotonic()
        journey = await save_journey(api, steering, adopted[0][2], out) if adopted else None
        t_journey = time.monotonic() - t_journey
    say(f"4. generated the {quarter} report {got.report_id} in {time.monotonic() - t:.1f}s"
        f" from {seen:,} recorded votes; files:")
    for path in got.paths:
        say(f"   {path}")
    say("\nsummary:")
    say(summary_table(got.report))
    if journey is not None:
        paths, body = journey
        say(f"\n5. one adopted idea's journey, from the election to its initiative"
            f" (JSON and page read in {t_journey:.1f}s): {', '.join(str(p) for p in paths)}")
        say(journey_table(body))
    say(f"\nmain job finished in {time.monotonic() - started:.1f}s")
    return got
