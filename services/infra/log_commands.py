"""`ideastorm log verify | export --out DIR | import DIR`: the event archive for operators.

They use the system `ideastorm up` serves on this home if there is one; otherwise they start
only the embedded database (never a second pair on the same home).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from services.infra import archive, archive_io, db
from services.infra.archive import ArchiveBroken
from services.infra.home import HomeInUse
from services.infra.settings import Settings, get_settings


def _say(text: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


async def _verify(settings: Settings) -> tuple[int, int]:
    assert settings.database_url
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        await archive.setup(pool)
        return await archive.verify(pool)
    finally:
        await pool.close()


async def _export(settings: Settings, out: Path) -> int:
    assert settings.database_url
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        return int((await archive_io.export(pool, out))["records"])
    finally:
        await pool.close()


async def _import(settings: Settings, src: Path) -> tuple[int, int | None]:
    assert settings.database_url
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        count = await archive_io.import_log(pool, src)
        published = None
        if settings.kafka_bootstrap_servers:  # a configured broker: give it the topics now
            published = await archive_io.restore(
                pool, settings.kafka_bootstrap_servers,
                replication_factor=settings.kafka_replication_factor)
        return count, published
    finally:
        await pool.close()


def cmd_log(args: argparse.Namespace) -> int:
    from services.infra.stack import system_settings

    if args.log_command == "import":
        try:  # refuse a damaged export before starting anything
            archive_io.check_export(Path(args.dir))
        except ArchiveBroken as exc:
            _say(f"log import: REFUSED: {exc}", err=True)
            return 1
    try:
        settings, infra = system_settings(get_settings(), database_only=True)
    except HomeInUse as exc:
        _say(f"ideastorm log: {exc}", err=True)
        return 1
    started = time.monotonic()
    try:
        if args.log_command == "verify":
            records, partitions = asyncio.run(_verify(settings))
            _say(f"log verify: {records} events in {partitions} partitions, every hash chain "
                 f"intact ({time.monotonic() - started:.1f}s)")
        elif args.log_command == "export":
            records = asyncio.run(_export(settings, Path(args.out)))
            _say(f"log export: {records} events written to {args.out} "
                 f"({time.monotonic() - started:.1f}s)")
        else:
            records, published = asyncio.run(_import(settings, Path(args.dir)))
            _say(f"log import: {records} events loaded from {args.dir} "
                 f"({time.monotonic() - started:.1f}s)"
                 + (f"; published {published} to the broker" if published is not None else
                    "; `ideastorm up` restores them into the broker"))
    except ArchiveBroken as exc:
        _say(f"log {args.log_command}: REFUSED: {exc}", err=True)
        return 1
    finally:
        if infra is not None:
            infra.stop()
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("log", help="verify, export or import the event archive")
    logs = p.add_subparsers(dest="log_command", required=True)
    logs.add_parser("verify", help="recompute every hash chain; name the first event that "
                                   "does not match")
    e = logs.add_parser("export", help="write the whole log, its schemas and a manifest")
    e.add_argument("--out", required=True, help="folder to write (created if missing)")
    i = logs.add_parser("import", help="rebuild a fresh installation from an export")
    i.add_argument("dir", help="the folder `log export` wrote")
    p.set_defaults(func=cmd_log)
