"""`ideastorm notifications digest`: send the digests of a given period now.

The worker sends each period's digests by itself at `NOTIFY_DIGEST_HOUR` (local time) the
morning after (a week's on the Monday after); this command sends those of any period, e.g. after
the worker was down, or in a test that cannot wait for a morning. A digest already sent is not
sent again: its id is derived from the person and the period.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

from schemas.participation import EmailFrequency
from services.identity import domain
from services.identity.notifications.sender import Sender
from services.identity.settings import MailSettings
from services.infra import db
from services.infra.settings import Settings, get_settings


async def send_digests(settings: Settings, mail_settings: MailSettings,
                       frequency: EmailFrequency, ending: date) -> int:
    """Send the digests of the period of `frequency` that ends at local midnight of `ending`;
    how many were sent."""
    assert settings.database_url
    zone = ZoneInfo(mail_settings.notify_timezone)
    period = domain.period_ending(frequency, datetime.combine(ending, datetime.min.time(), zone),
                                  zone)
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        await db.migrate(pool, "identity")
        return await Sender(pool, settings, mail_settings).send_digests(period)
    finally:
        await pool.close()


def cmd_digest(args: argparse.Namespace) -> int:
    settings, mail_settings = get_settings(), MailSettings()
    if not settings.database_url or not mail_settings.smtp_host:
        sys.stderr.write("notifications digest: set DATABASE_URL and SMTP_HOST\n")
        return 2
    sent = asyncio.run(send_digests(settings, mail_settings, EmailFrequency(args.frequency),
                                    date.fromisoformat(args.ending)))
    sys.stdout.write(f"{sent} {args.frequency} digests sent\n")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("notifications", help="send notification digests")
    actions = p.add_subparsers(dest="action", required=True)
    d = actions.add_parser("digest", help="send the digests of a period now (once each)")
    d.add_argument("--frequency", choices=["daily", "weekly"], default="daily")
    d.add_argument("--ending", required=True,
                   help="the local date (YYYY-MM-DD) the period ends at the start of: the day"
                        " after a daily digest's day, the Monday after a weekly one's week")
    d.set_defaults(func=cmd_digest)
