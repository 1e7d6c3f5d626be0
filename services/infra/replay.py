"""`ideastorm replay <service>`: rebuild a service's projections from its topics.

Empties every table of the service's schema except `schema_migrations` and the tables marked
`COMMENT ON TABLE ... IS 'ideastorm:keep ...'` (data that does not come from events, such as an
erasable identity table). That includes `consumer_offsets` and `applied_events`, so when the
service's workers start again every projection seeks to offset 0 and re-applies the topics, which
keep their events for ever. Replaying into empty tables gives the same tables (DESIGN.md).

Stop the service's workers first (docs/operations.md): a running worker keeps its position in
memory and would go on from there. As the broker describes the consumer groups,
the command refuses while a group named in `consumer_offsets` still has members. The embedded
broker keeps listing a member after it left, so on a laptop pass `--force` once the workers are
stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from dataclasses import dataclass
from typing import TextIO

import asyncpg
import structlog
from aiokafka.admin import AIOKafkaAdminClient

from services.infra import db
from services.infra.home import attach_running
from services.infra.settings import Settings, get_settings

log = structlog.get_logger(__name__)

KEEP_MARK = "ideastorm:keep"


@dataclass(frozen=True)
class ReplayPlan:
    schema: str
    truncate: list[str]
    kept: list[str]
    consumers: list[str]


async def plan(pool: asyncpg.Pool, schema: str) -> ReplayPlan:
    rows = await pool.fetch(
        "SELECT c.relname AS name, coalesce(obj_description(c.oid, 'pg_class'), '') AS note"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        schema,
    )
    if not rows:
        raise LookupError(f"schema {schema} has no tables: nothing to replay")
    truncate = [r["name"] for r in rows
                if r["name"] != "schema_migrations" and not r["note"].startswith(KEEP_MARK)]
    kept = [r["name"] for r in rows if r["name"] not in truncate]
    consumers = [r["consumer"] for r in await pool.fetch(
        f"SELECT DISTINCT consumer FROM {schema}.consumer_offsets ORDER BY consumer")]
    return ReplayPlan(schema, truncate, kept, consumers)


async def reset(pool: asyncpg.Pool, replay: ReplayPlan) -> None:
    """Empty the planned tables in one transaction."""
    tables = ", ".join(f'{replay.schema}."{t}"' for t in replay.truncate)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")
    log.warning("replay.reset", schema=replay.schema, tables=replay.truncate,
                consumers=replay.consumers)


async def active_groups(bootstrap: str, groups: list[str]) -> list[str] | None:
    """Groups that still have members; None when the broker cannot say (the embedded one)."""
    if not groups:
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5_000)
    try:
        await admin.start()
        described = await asyncio.wait_for(admin.describe_consumer_groups(groups), 10)
    except Exception as exc:  # noqa: BLE001 - unsupported or unreachable: the caller decides
        log.warning("replay.groups_unknown", error=str(exc))
        return None
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    busy: list[str] = []
    for response in described:
        for group in response.groups:
            # (error_code, group_id, state, protocol_type, protocol, members, ...)
            if group[5]:
                busy.append(group[1])
    return busy


async def replay(settings: Settings, service: str, *, confirmed: bool, force: bool = False,
                 out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """The command: show what would be reset, refuse while workers run, reset with --yes."""
    assert settings.database_url and settings.kafka_bootstrap_servers
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        the_plan = await plan(pool, service)
        out.write(f"schema {service}: empty {', '.join(the_plan.truncate)}; "
                  f"keep {', '.join(the_plan.kept)}; consumers restarting from offset 0: "
                  f"{', '.join(the_plan.consumers) or '-'}\n")
        busy = (None if force
                else await active_groups(settings.kafka_bootstrap_servers, the_plan.consumers))
        if busy:
            err.write(f"refused: consumer groups {busy} still have members; stop the "
                      f"{service} workers first\n")
            return 3
        if busy is None:
            err.write("group members not checked: make sure the workers are stopped\n")
        if not confirmed:
            err.write("nothing changed; run again with --yes to reset\n")
            return 1
        await reset(pool, the_plan)
        out.write(f"reset done: start the {service} workers to rebuild from offset 0\n")
        return 0
    finally:
        await pool.close()


def cmd_replay(args: argparse.Namespace) -> int:
    settings = attach_running(get_settings())  # the system `ideastorm up` serves, if any
    if not settings.kafka_bootstrap_servers or not settings.database_url:
        sys.stderr.write("replay needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL\n")
        return 2
    return asyncio.run(replay(settings, args.service, confirmed=args.yes, force=args.force))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("replay", help="reset a service's projections so its workers rebuild "
                                      "them from offset 0 (stop its workers first)")
    p.add_argument("service", choices=["ideas", "voting", "reporting", "identity"])
    p.add_argument("--yes", action="store_true", help="really empty the tables")
    p.add_argument("--force", action="store_true",
                   help="skip the consumer-group check (the embedded broker keeps reporting "
                        "members that have left)")
    p.set_defaults(func=cmd_replay)
