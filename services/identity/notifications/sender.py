"""Sending what is due: each notification at once for those who chose so, and the digests.

How an e-mail is kept from being sent twice:

- Every e-mail has an id derived from its cause: a notification's from (cause event id,
  recipient) (`domain.notification_id` -> `domain.mail_id`), a digest's from (person, frequency,
  period start) (`domain.Period.digest_id`). The id is the Message-ID.
- Before a message goes to the SMTP server, a row with that id is committed in
  `identity.mail_deliveries` (`claim_mail`, INSERT ... ON CONFLICT DO NOTHING): only the one
  process whose insert succeeded sends. After sending, the row is marked sent. The table is kept
  by `ideastorm replay` (`ideastorm:keep`), so a replay that rebuilds the inbox (same ids) finds
  the rows and sends nothing; a restarted worker, or a second one, finds them too.
- A crash between the claim and the send leaves the row 'claimed': it is never sent again, so
  each e-mail goes out at most once. Only a failure to reach the server at all (nothing was
  handed over) releases the claim to be tried again; any other failure is kept as 'failed'.
- Should a message still reach a server twice (the server took it but the answer was lost and
  an operator re-sent it), its Message-ID is the same, so mail clients show it once; the
  embedded sink keeps the repeat beside it (`<id>~2.eml`), so tests see any second send.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from schemas.common import Sealed
from schemas.participation import EmailFrequency
from services.identity import domain
from services.identity.notifications import mail, projections, queries
from services.identity.settings import MailSettings
from services.infra import vault
from services.infra.settings import Settings

log = structlog.get_logger(__name__)

BATCH = 200
DIGEST_LOOK_AGAIN_S = 300.0


def unsubscribe_secret(settings: Settings) -> bytes:
    """The key unsubscribe links are signed with (the web pages' secret)."""
    return (settings.web_session_secret or settings.jwt_secret).encode()


def public_base(settings: Settings, mail_settings: MailSettings) -> str:
    return (mail_settings.public_url
            or f"http://{settings.http_host}:{settings.http_port}").rstrip("/")


async def with_titles(pool: asyncpg.Pool, items: Sequence[dict[str, Any]],
                      reader: str | None = None) -> list[dict[str, Any]]:
    """The items with the title of their idea opened where the reader (`reader`, else each
    item's recipient) may see it (`domain.title_shown`); None where not, erased or unknown."""
    shown = [domain.title_shown(i.get("idea_status"), i.get("idea_author"),
                                reader or i["participant_id"]) for i in items]
    sealed = [Sealed.model_validate(i["sealed"]) if i.get("sealed") and ok else None
              for i, ok in zip(items, shown, strict=True)]
    async with pool.acquire() as conn:
        try:
            opened = await vault.open_many(conn, sealed)
        except vault.KeyNotVisible:
            opened = [None] * len(items)
    return [{**item, "title": (o or {}).get("title")} for item, o in zip(items, opened,
                                                                         strict=True)]


class Sender:
    def __init__(self, pool: asyncpg.Pool, settings: Settings, mail_settings: MailSettings
                 ) -> None:
        assert mail_settings.smtp_host, "no SMTP server: nothing can be sent"
        self.pool = pool
        self.mail = mail_settings
        self.host: str = mail_settings.smtp_host
        self.port = mail_settings.smtp_port
        self.secret = unsubscribe_secret(settings)
        self.base = public_base(settings, mail_settings)
        self.zone = ZoneInfo(mail_settings.notify_timezone)
        self._digests_looked: dict[tuple[EmailFrequency, datetime], float] = {}

    async def _deliver(self, mail_id: Any, person: str, kind: str, build: Any) -> bool:
        if not await projections.claim_mail(self.pool, mail_id, person, kind):
            return False  # sent, being sent, or lost in a crash: never again
        try:
            await mail.send(self.mail, build(), self.host, self.port)
        except mail.NotDelivered as exc:
            await projections.mail_failed(self.pool, mail_id, str(exc), retry=True)
            raise
        except Exception as exc:
            await projections.mail_failed(self.pool, mail_id, repr(exc), retry=False)
            log.warning("mail.failed", mail_id=str(mail_id), error=repr(exc)[:300])
            return False
        await projections.mail_sent(self.pool, mail_id)
        return True

    async def send_at_once(self, now: datetime | None = None) -> int:
        """Mail every notification due one by one; how many were sent."""
        now = now or datetime.now(UTC)
        items = await with_titles(self.pool, await queries.due_at_once(self.pool, BATCH))
        sent = 0
        for item in items:
            person = item["participant_id"]
            token = domain.unsubscribe_token(self.secret, person)

            def build(item: dict[str, Any] = item, token: str = token) -> Any:
                return mail.single(self.mail, item, to=item["address"], lang=item["language"],
                                   unsubscribe=token, base=self.base, sent=now)

            sent += await self._deliver(item["mail_id"], person, "immediately", build)
        if sent:
            log.info("mail.sent", kind="immediately", count=sent)
        return sent

    async def send_digests(self, period: domain.Period, now: datetime | None = None) -> int:
        """Mail each person whose choice is the period's frequency one digest of the period's
        notifications (none without notifications); how many were sent."""
        now = now or datetime.now(UTC)
        rows = await queries.digest_items(self.pool, period.frequency.value, period.start,
                                          period.end)
        sent = 0
        for person, group in itertools.groupby(rows, key=lambda r: r["participant_id"]):
            items = await with_titles(self.pool, list(group))
            mail_id = period.digest_id(person)
            token = domain.unsubscribe_token(self.secret, person)

            def build(items: list[dict[str, Any]] = items, mail_id: Any = mail_id,
                      token: str = token) -> Any:
                return mail.digest(self.mail, mail_id, items, to=items[0]["address"],
                                   lang=items[0]["language"], unsubscribe=token,
                                   base=self.base, sent=now)

            sent += await self._deliver(mail_id, person, period.frequency.value, build)
        if sent:
            log.info("mail.sent", kind=period.frequency.value, count=sent,
                     period=period.start.isoformat())
        return sent

    async def tick(self, now: datetime | None = None) -> None:
        """What the worker's timer does: mail what is due at once, and the digests due now."""
        now = now or datetime.now(UTC)
        await self.send_at_once(now)
        for frequency in (EmailFrequency.DAILY, EmailFrequency.WEEKLY):
            period = domain.due_period(frequency, now, self.zone, self.mail.notify_digest_hour)
            # a period's digests are looked for again now and then (a notification of the
            # period may arrive late), not at every tick
            looked = self._digests_looked.get((frequency, period.start))
            if looked is not None and time.monotonic() - looked < DIGEST_LOOK_AGAIN_S:
                continue
            await self.send_digests(period, now)
            self._digests_looked[(frequency, period.start)] = time.monotonic()
