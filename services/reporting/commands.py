"""The reporting service's operator command:
`ideastorm report --quarter 2025Q2 [--lang da|en] [--format pdf,html,md,json] [--out DIR]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from schemas.reports import ReportTrigger
from services.infra import archive, db
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.settings import Settings, get_settings
from services.reporting.handlers import Generated, publish
from services.reporting.report.i18n import Lang
from services.reporting.report.quarter import Quarter
from services.reporting.report.render import Format, parse_formats


def file_name(quarter: str, lang: Lang, fmt: Format) -> str:
    return f"report-{quarter}-{lang}.{fmt}"


def write_files(gen: Generated, out: Path, langs: tuple[Lang, ...],
                formats: tuple[Format, ...]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for lang in langs:
        for fmt in formats:
            path = out / file_name(gen.report.cover.quarter, lang, fmt)
            path.write_bytes(gen.files[(lang, fmt)])
            paths.append(path)
    return paths


async def make_report(settings: Settings, quarter: Quarter, trigger: ReportTrigger) -> Generated:
    """Generate, store and announce a quarter's report over resolved settings."""
    assert settings.database_url and settings.kafka_bootstrap_servers
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        await db.migrate(pool, "reporting")
        await ensure_topics(settings.kafka_bootstrap_servers)
        await archive.setup(pool)
        async with EventProducer(settings.kafka_bootstrap_servers, archive=pool) as producer:
            return await publish(pool, producer, quarter, trigger=trigger)
    finally:
        await pool.close()


def cmd_report(args: argparse.Namespace) -> int:
    from services.infra.stack import system_settings

    try:
        quarter = Quarter.parse(args.quarter)
        formats = parse_formats(args.format)
    except ValueError as exc:
        sys.stderr.write(f"ideastorm report: {exc}\n")
        return 2
    langs: tuple[Lang, ...] = (args.lang,)
    settings, infra = system_settings(get_settings())
    try:
        gen = asyncio.run(make_report(settings, quarter, ReportTrigger.COMMAND))
    finally:
        if infra is not None:
            infra.stop()
    for path in write_files(gen, Path(args.out), langs, formats):
        sys.stdout.write(f"{path}\n")
    fp = gen.report.cover.fingerprint
    sys.stdout.write(f"report {gen.report_id}: {quarter}, {fp.event_count} events, "
                     f"content sha256:{gen.report.content_hash}\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="generate, store and announce a quarterly report")
    p.add_argument("--quarter", required=True, help="the quarter, e.g. 2025Q2")
    p.add_argument("--lang", choices=["da", "en"], default="da", help="language (default da)")
    p.add_argument("--format", default="pdf,html,md,json",
                   help="comma-separated formats: pdf,html,md,json (default all)")
    p.add_argument("--out", default="out", help="folder for the files (default out/)")
    p.set_defaults(func=cmd_report)
