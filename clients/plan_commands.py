"""`ideastorm import-plan FILE`: load a whole action plan with its progress history from YAML.

Publishes to `status` and waits through the reporting API (`?wait_for=`). Needs
KAFKA_BOOTSTRAP_SERVERS and the API (`--api`, default http://HTTP_HOST:HTTP_PORT); the token is
`--token`, else `IDEASTORM_TOKEN`, else a development planner token minted from JWT_SECRET.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from clients.plan_import import DEFAULT_ACTOR, PlanFileError, import_plan, load
from schemas.envelope import utcnow
from services.infra.auth import mint_token
from services.infra.home import attach_running
from services.infra.settings import get_settings


def cmd_import_plan(args: argparse.Namespace) -> int:
    settings = get_settings()
    path = Path(args.file)
    if args.check:
        try:
            events = load(path, today=utcnow().date())
        except PlanFileError as exc:
            _problems(path, exc)
            return 1
        _say(f"{path}: {len(events)} events, all valid")
        return 0
    if not settings.kafka_bootstrap_servers:
        settings = attach_running(settings)  # the system `ideastorm up` serves on this home
    if not settings.kafka_bootstrap_servers:
        _say("import-plan needs KAFKA_BOOTSTRAP_SERVERS (and the API to wait); "
             "`ideastorm up` prints both", err=True)
        return 2
    base_url = args.api or f"http://{settings.http_host}:{settings.http_port}"
    token = args.token or os.environ.get("IDEASTORM_TOKEN") or mint_token(
        settings, sub=args.actor, roles=["planner"], ttl_s=3600)
    try:
        result = asyncio.run(import_plan(settings.kafka_bootstrap_servers, base_url, token, path,
                                         database_url=settings.database_url,
                                         wait_s=args.wait, actor=args.actor))
    except PlanFileError as exc:
        _problems(path, exc)
        return 1
    if result.applied is None:
        _say(f"published {result.events} events from {path}")
        return 0
    _say(f"published {result.events} events from {path}; the reporting service has processed "
         f"{result.applied}")
    return 0 if result.applied == result.events else 3


def _problems(path: Path, exc: PlanFileError) -> None:
    _say(f"{path} was not loaded:", err=True)
    for p in exc.problems:
        _say(f"  {p}", err=True)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("import-plan", help="load an action plan with its progress from YAML")
    p.add_argument("file", help="the YAML file (see examples/coi-action-plan-2014-2016.yaml)")
    p.add_argument("--check", action="store_true", help="only validate the file")
    p.add_argument("--wait", type=float, default=30.0,
                   help="seconds to wait until the reporting service has it (0: do not wait)")
    p.add_argument("--actor", default=DEFAULT_ACTOR,
                   help="who is recorded as the author where the file names nobody")
    p.add_argument("--api", default=None,
                   help="the API's base URL (default http://HTTP_HOST:HTTP_PORT)")
    p.add_argument("--token", default=None,
                   help="a bearer token with the planner or steering role")
    p.set_defaults(func=cmd_import_plan)


def _say(text: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")
