"""Commands of the clients: `ideastorm import-pabulib FILE [--check]` replays a real election and
compares the tallies; `ideastorm demo` runs the system embedded on example data."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from clients import pabulib
from clients.election_import import import_election
from services.infra.auth import mint_token
from services.infra.home import attach_running
from services.infra.settings import get_settings


def register(sub: Any) -> None:
    from clients import demo

    demo.register(sub)
    p = sub.add_parser(
        "import-pabulib",
        help="import a Pabulib approval election as a campaign, its ideas and votes",
        description="Publish a Pabulib .pb approval election through Kafka: the campaign "
        "(window from META, support mode, most votes per participant = max_length), one idea "
        "per project and one vote per supported project per ballot. Uses KAFKA_BOOTSTRAP_SERVERS"
        " / DATABASE_URL and the gateway at --url, or starts an embedded broker, database, the"
        " workers and a gateway when unset.",
    )
    p.add_argument("file", type=Path, help="a Pabulib .pb file")
    p.add_argument("--check", action="store_true",
                   help="wait for the tallies, compare every idea with the official count and"
                   " the file's selected column with the gateway's selection under the file's"
                   " rule; exit 1 on any difference")
    p.add_argument("--actor", default="pabulib-import", help="who imports (the events' actor)")
    p.add_argument("--timeout", type=float, default=900.0,
                   help="seconds --check waits for the tallies")
    p.add_argument("--url", default=None,
                   help="the gateway's base URL (default http://HTTP_HOST:HTTP_PORT)")
    p.set_defaults(func=cmd_import_pabulib)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def cmd_import_pabulib(args: argparse.Namespace) -> int:
    try:
        election = pabulib.parse(args.file.read_bytes())
        opens, closes = pabulib.window(election)
        most = pabulib.max_votes(election)
    except (OSError, pabulib.PabulibError) as exc:
        sys.stderr.write(f"cannot import {args.file}: {exc}\n")
        return 2
    _say(f"{args.file.name}: {len(election.projects)} projects, {len(election.ballots)} ballots,"
         f" {election.vote_count} votes; window {opens:%Y-%m-%d} to {closes:%Y-%m-%d}"
         f" (end excluded), at most {most} votes per participant")
    for note in election.notes:
        _say(f"note: {note}")

    infra = stack = None
    settings = attach_running(get_settings())  # the system `ideastorm up` serves on this home
    base_url = args.url or f"http://{settings.http_host}:{settings.http_port}"
    if not settings.kafka_bootstrap_servers or not settings.database_url:
        from services.infra.embedded import free_port
        from services.infra.stack import Infrastructure, Stack, available_workers

        # no system is serving this home: a throw-away check in a private embedded home, begun
        # empty each time, so one check's events never mix with another's
        home = settings.ideastorm_home / "import"
        infra = Infrastructure(settings.model_copy(update={"ideastorm_home": home}),
                               fresh_db=True)
        resolved = infra.start()
        workers = tuple(w for w in available_workers() if w in ("ideas", "voting"))
        stack = Stack(resolved, workers=workers, http_port=free_port())
        _say(f"started an embedded broker and database, and the {', '.join(workers)} workers")
        stack.start(timeout=180)
        settings, base_url = resolved, stack.base_url
    assert settings.kafka_bootstrap_servers and settings.database_url
    try:
        token = mint_token(settings, sub=args.actor, roles=["admin"])
        result = asyncio.run(import_election(
            settings.kafka_bootstrap_servers, base_url, token, election,
            check=args.check, database_url=settings.database_url, actor=args.actor,
            timeout=args.timeout, say=_say))
    finally:
        if stack:
            stack.stop()
        if infra:
            infra.stop()
    if result is None:
        return 0
    for line in result.differences:
        _say(line)
    for line in result.lines():
        _say(line)
    return 0 if result.ok else 1
