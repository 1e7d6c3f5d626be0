"""The identity worker: the notifications projection (follows, e-mail choices, inboxes), and a
timer that mails what is due (at once, and the daily and weekly digests)."""

from __future__ import annotations

import faust
import structlog

from services.identity.notifications.handlers import NotifyProjection
from services.identity.notifications.sender import Sender
from services.identity.settings import MailSettings
from services.infra.settings import Settings
from services.infra.worker import ProjectionsService, build_app, every_tick

log = structlog.get_logger(__name__)


def create_app(settings: Settings) -> faust.App:
    own = MailSettings()
    app = build_app("identity", settings)
    resources = ProjectionsService("identity", settings, lambda svc: [NotifyProjection()])
    app.service(resources)  # type: ignore[arg-type]  # faust types it as a class
    senders: list[Sender] = []
    if not own.smtp_host:
        log.warning("mail.off", reason="SMTP_HOST is not set: notifications are not e-mailed")

    @app.timer(interval=own.notify_send_interval_s)  # type: ignore[untyped-decorator]
    @every_tick("mail")  # the next tick retries; a failed tick must not stop the worker
    async def mail_clock() -> None:
        if not own.smtp_host:
            return
        await resources.ready.wait()
        assert resources.pool is not None
        if not senders:
            senders.append(Sender(resources.pool, settings, own))
        await senders[0].tick()

    return app
