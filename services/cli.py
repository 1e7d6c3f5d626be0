"""`ideastorm ...`: run the system, its workers and gateway, and the operator commands.

Services add their own subcommands in `services/<service>/commands.py` (a `register(sub)`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence

from services.infra.logging import configure_logging
from services.infra.settings import get_settings

COMMAND_MODULES = ("services.reporting.commands", "clients.plan_commands", "clients.commands",
                   "services.infra.replay", "services.infra.log_commands",
                   "services.infra.receipt_commands",
                   "services.identity.commands")


def cmd_up(args: argparse.Namespace) -> int:
    from services.infra.archive import ArchiveBroken
    from services.infra.home import HomeInUse, write_running
    from services.infra.stack import Infrastructure, Stack
    from services.infra.supervise import Supervisor

    settings = get_settings()
    infra = Infrastructure(settings)
    try:
        resolved = infra.start()
    except HomeInUse as exc:
        print(f"ideastorm up: {exc}", file=sys.stderr)
        return 1
    except ArchiveBroken as exc:
        print(f"ideastorm up: the event archive does not verify, nothing was restored: {exc}"
              " (see `ideastorm log verify`)", file=sys.stderr)
        return 1
    stack = Stack(resolved, http_port=args.port, die_with_parent=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if infra.broker is not None:
            print(f"restored {infra.restored} events from the event archive", flush=True)
        stack.start()
        if infra.lock is not None:
            write_running(settings.ideastorm_home.resolve(), {
                "pid": os.getpid(), "api": stack.base_url,
                "broker": resolved.kafka_bootstrap_servers, "database": resolved.database_url})
        print(f"ideastorm is up\n  API       {stack.base_url}\n  OpenAPI   {stack.base_url}/docs\n"
              f"  broker    {resolved.kafka_bootstrap_servers}\n"
              f"  database  {resolved.database_url}\n  workers   {', '.join(stack.workers)}\n"
              f"  logs      {stack.log_dir}\n"
              + (f"  mail      {infra.mail_sink.folder} (embedded SMTP sink; staff: /staff/mail)\n"
                 if infra.mail_sink else "")
              + "Ctrl-C stops everything.", flush=True)
        # a process that exits is started again (after a backoff), not the end of the system
        supervisor = Supervisor(stack, most_s=settings.restart_backoff_max_s)
        while not stop.is_set():
            supervisor.check()
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping ...", flush=True)
        stack.stop()
        infra.stop()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from services.infra.worker import run_worker

    settings = get_settings()
    if not settings.kafka_bootstrap_servers or not settings.database_url:
        print("a worker needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (ideastorm up sets them)",
              file=sys.stderr)
        return 2
    module = importlib.import_module(f"services.{args.service}.worker")
    app = module.create_app(settings)
    run_worker(app, loglevel=settings.log_level)
    return 0


def cmd_gateway(args: argparse.Namespace) -> int:
    import uvicorn

    from services.gateway.app import create_app

    settings = get_settings()
    if not settings.kafka_bootstrap_servers or not settings.database_url:
        print("the gateway needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL", file=sys.stderr)
        return 2
    host, port = args.host or settings.http_host, args.port or settings.http_port
    if settings.gateway_processes > 1:
        # several processes on one socket: each builds its app from the environment
        uvicorn.run("services.gateway.app:app_from_environment", factory=True, host=host,
                    port=port, workers=settings.gateway_processes, log_level="warning",
                    access_log=False)
    else:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                    access_log=False)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from services.infra.auth import mint_token

    profile = {claim: value for claim, value in (
        ("name", args.name), ("email", args.email), ("organisation", args.organisation))
        if value is not None}
    print(mint_token(get_settings(), sub=args.sub, roles=args.role, sector=args.sector,
                     ttl_s=args.ttl, profile=profile))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ideastorm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("up", help="start infrastructure, workers and the gateway")
    p.add_argument("--port", type=int, default=None, help="HTTP port (default HTTP_PORT or 8000)")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("worker", help="run one service's worker in the foreground")
    p.add_argument("service", choices=["ideas", "voting", "reporting", "identity"])
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("gateway", help="run the HTTP gateway in the foreground")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=cmd_gateway)

    p = sub.add_parser("token", help="mint a development JWT")
    p.add_argument("--role", action="append", required=True,
                   choices=["participant", "moderator", "planner", "steering", "admin"])
    p.add_argument("--sub", required=True, help="the subject: a participant or staff id")
    p.add_argument("--sector", default=None,
                   choices=["state", "municipality", "region", "private", "citizen"])
    p.add_argument("--ttl", type=int, default=12 * 3600, help="seconds until it expires")
    p.add_argument("--name", default=None, help="the display name claim (profile on first use)")
    p.add_argument("--email", default=None, help="the e-mail claim")
    p.add_argument("--organisation", default=None, help="the organisation claim")
    p.set_defaults(func=cmd_token)

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
