"""`ideastorm demo`: the whole system embedded, from real data to the steering-group report.

Starts the broker, PostgreSQL, the workers and the gateway under a fresh home, then the main job:
loads the example action plan (`examples/coi-action-plan-2014-2016.yaml`), imports the Warsaw
2026 participatory-budgeting election (`examples/data/poland_warszawa_2026.pb`, voting window in
2025Q2) as an ideastorm campaign, records its three most supported ideas as adopted into the
plan's ideastorm initiative, generates the 2025Q2 report in every format and both languages
under `out/`, prints the paths and a summary, and stops everything.

`ideastorm demo --walkthrough` instead takes one campaign through the HTTP API: a pre-moderated
campaign gets the projects of `examples/data/netherlands_amsterdam_647.pb` as ideas, a moderator
approves them, and the queue and published ideas are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from clients.pabulib import read_projects
from services.infra.auth import mint_token
from services.infra.embedded import free_port
from services.infra.logging import configure_logging
from services.infra.settings import Settings, get_settings
from services.infra.stack import Infrastructure, Stack

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "examples" / "data" / "netherlands_amsterdam_647.pb"


def register(sub: Any) -> None:
    """Called by `clients.commands.register`."""
    p = sub.add_parser("demo", help="run the system embedded on real example data, then stop")
    p.add_argument("--walkthrough", action="store_true",
                   help="take one campaign through the HTTP API instead of the main job")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA,
                   help="the Pabulib .pb file for --walkthrough")
    p.add_argument("--out", type=Path, default=Path("out"), help="where the reports go")
    p.add_argument("--home", type=Path, default=Path(".ideastorm/demo"),
                   help="where the embedded broker and database live (wiped first)")
    p.set_defaults(func=cmd_demo)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table; long cells are cut so a row fits on a terminal line."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(out)


def _cell(value: object, limit: int = 48) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DemoClient:
    def __init__(self, base_url: str, settings: Settings) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.settings = settings

    def token(self, role: str, sub: str, sector: str | None = None) -> dict[str, str]:
        tok = mint_token(self.settings, sub=sub, roles=[role], sector=sector)
        return {"Authorization": f"Bearer {tok}"}

    def write(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        r = self.http.post(path, json=body, headers=headers)
        if r.status_code != 202:
            raise RuntimeError(f"POST {path} answered {r.status_code}: {r.text}")
        reply: dict[str, Any] = r.json()
        return reply

    def read(self, path: str, headers: dict[str, str] | None = None,
             **params: Any) -> Any:
        r = self.http.get(path, headers=headers, params=params)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path} answered {r.status_code}: {r.text}")
        return r.json()


def cmd_demo(args: argparse.Namespace) -> int:
    started = time.monotonic()
    configure_logging("WARNING", get_settings().log_json)  # the tables are the output
    pb = read_projects(args.data) if args.walkthrough else None
    home = args.home.resolve()
    shutil.rmtree(home, ignore_errors=True)
    base = get_settings().model_copy(update={"ideastorm_home": home})
    infra = Infrastructure(base, fresh_db=True)
    settings = infra.start()
    stack = Stack(settings, http_port=free_port())
    try:
        print(f"starting broker, database, workers ({', '.join(stack.workers)}) and gateway "
              f"under {home} ...", flush=True)
        stack.start(timeout=180)
        print(f"up after {time.monotonic() - started:.1f}s: {stack.base_url}\n", flush=True)
        if pb is not None:
            run(DemoClient(stack.base_url, settings), pb.meta, pb.projects)
        else:
            from clients.demo_report import main_job

            asyncio.run(main_job(settings, out=args.out.resolve(), base_url=stack.base_url))
    finally:
        stack.stop()
        infra.stop()
    print(f"\ndemo finished in {time.monotonic() - started:.1f}s")
    return 0


def run(client: DemoClient, meta: dict[str, str], projects: Sequence[Any]) -> None:
    admin = client.token("admin", "admin-demo")
    moderator = client.token("moderator", "moderator-demo")
    now = datetime.now(UTC)
    title = meta.get("description") or meta.get("unit") or "Participatory budget"
    created = client.write("/campaigns", {
        "title": title[:200],
        "question": f"What should the {meta.get('unit', 'city')} neighbourhood budget fund?",
        "description": f"Projects of Pabulib instance {meta.get('instance', '?')} "
                       f"({meta.get('country', '')}, {meta.get('date_begin', '')}).",
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=14)).isoformat(),
        "audience": ["citizen", "municipality"],
        "moderation": "pre",
        "vote_rules": {"mode": "support",
                       "max_votes_per_participant": int(meta.get("max_length") or 5)},
    }, admin)
    campaign_id = created["campaign_id"]
    client.read(f"/campaigns/{campaign_id}", headers=admin, wait_for=created["event_id"])
    print(f"campaign {campaign_id}: {title}")

    submitted = []
    for p in projects:
        author = client.token("participant", f"proposer-{p.project_id}", sector="citizen")
        cost = f"estimated cost {p.cost} {meta.get('currency', '')}".strip() if p.cost else ""
        body = f"Project {p.project_id} ({p.category or 'no category'}). {cost}".strip()
        reply = client.write(f"/campaigns/{campaign_id}/ideas", {
            "title": p.name[:200], "body": body,
            "tags": [p.category[:40]] if p.category else []}, author)
        submitted.append((reply, author))
    for reply, author in submitted:
        client.read(f"/ideas/{reply['idea_id']}", headers=author, wait_for=reply["event_id"])
    print(f"{len(submitted)} ideas submitted through POST /campaigns/{{id}}/ideas\n")

    groups = client.read("/moderation/queue", headers=moderator, campaign_id=campaign_id)
    queue = groups[0]["ideas"] if groups else []
    print(f"moderation queue before ({len(queue)} waiting, oldest first):")
    print(table(["#", "title", "status", "author", "waiting since"],
                [(n, i["title"], i["status"], i["author"], i["waiting_since"][:19])
                 for n, i in enumerate(queue, 1)]))

    last = None
    for item in queue:
        last = client.write("/moderation/decisions", {
            "idea_id": item["idea_id"], "decision": "approve",
            "reason": "a concrete neighbourhood project within the budget rules"}, moderator)
    published = client.read(f"/campaigns/{campaign_id}/ideas", headers=moderator, limit=500,
                            sort="newest", wait_for=last["event_id"] if last else None)["ideas"]
    remaining = client.read("/moderation/queue", headers=moderator, campaign_id=campaign_id)
    print(f"\npublished ideas after approval ({len(published)}; "
          f"{sum(len(g['ideas']) for g in remaining)} left in the queue):")
    print(table(["#", "title", "tags", "status", "body"],
                [(n, i["title"], ", ".join(i["tags"]), i["status"], i["body"])
                 for n, i in enumerate(published, 1)]))
    log = client.read("/moderation/log", headers=moderator, campaign_id=campaign_id, limit=500)
    print(f"\naudit log: {len(log)} decisions by {sorted({e['moderator'] for e in log})}")
