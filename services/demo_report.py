"""The main job of `ideastorm demo`: from the example plan and a real election to the 2025Q2
steering-group report in every format and both languages.

Runs over a started stack (broker, database, every worker and the gateway); it only publishes
events and reads back, as the services would see it in production.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from services.infra import archive, db
from services.infra.kafka import EventProducer
from services.infra.settings import Settings
from services.reporting.commands import import_plan
from services.reporting.report.demo import (
    adopt_top_ideas,
    summary_table,
    wait_for_inputs,
    write_reports,
)
from services.reporting.report.quarter import Quarter
from services.reporting.report.service import Generated
from services.voting import pabulib
from services.voting.importer import import_election

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "examples" / "coi-action-plan-2014-2016.yaml"
WARSAW = ROOT / "examples" / "data" / "poland_warszawa_2026.pb"
QUARTER = Quarter(2025, 2)
ADOPTED_ON = datetime(2025, 6, 20, 10, tzinfo=UTC)  # after the vote closed, inside 2025Q2


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main_job(settings: Settings, *, out: Path, election_file: Path = WARSAW,
                   quarter: Quarter = QUARTER, adopted_on: datetime = ADOPTED_ON,
                   adopt: int = 3) -> Generated:
    """Plan, election, adoptions, then the quarter's report in every format and language."""
    assert settings.kafka_bootstrap_servers and settings.database_url
    started = time.monotonic()
    plan = await import_plan(settings, PLAN_FILE, wait_s=120)
    say(f"1. loaded the example action plan {PLAN_FILE.name}: {plan.events} events")

    election = pabulib.parse(await asyncio.to_thread(election_file.read_bytes))
    say(f"2. importing {election_file.name}: {len(election.projects)} ideas,"
        f" {len(election.ballots):,} voters, {election.vote_count:,} votes")
    checked = await import_election(settings.kafka_bootstrap_servers, settings.database_url,
                                    election, check=True, timeout=900, say=lambda s: say("   " + s))
    if checked is not None:
        say(f"   voting tallies match the official counts for {checked.matching}/"
            f"{checked.compared} ideas")

    pool = await db.create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        campaign = pabulib.campaign_id(election)
        seen = await wait_for_inputs(pool, campaign_id=campaign, votes=election.vote_count,
                                     timeout=900, say=lambda s: say("   " + s))
        await archive.setup(pool)
        async with EventProducer(settings.kafka_bootstrap_servers, archive=pool) as producer:
            adopted = await adopt_top_ideas(pool, producer, campaign_id=campaign,
                                            year=adopted_on.year, how_many=adopt, when=adopted_on,
                                            decided_by="coi-leder")
            say(f"3. recorded {len(adopted)} ideas as adopted on {adopted_on:%Y-%m-%d}:")
            for idea, initiative in adopted:
                say(f"   {idea[:60]}  ->  {initiative}")
            t = time.monotonic()
            gen, paths = await write_reports(pool, producer, quarter, out)
    finally:
        await pool.close()
    say(f"4. generated the {quarter} report {gen.report_id} in {time.monotonic() - t:.1f}s"
        f" from {seen:,} recorded votes; files:")
    for path in paths:
        say(f"   {path}")
    say("\nsummary:")
    say(summary_table(gen.report))
    say(f"\nmain job finished in {time.monotonic() - started:.1f}s")
    return gen
