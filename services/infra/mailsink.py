"""The embedded SMTP sink: used when no `SMTP_HOST` is configured, it accepts every message on a
local port and stores it as `<home>/mail/<message-id>.eml`, so development and tests see exactly
what would have been sent. Every message is kept, also a second one with the same Message-ID (the
sink stores a repeat as `<message-id>~2.eml`, `~3`, ..., so a message sent twice shows)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import structlog
from aiosmtpd.controller import Controller

from services.infra.embedded import free_port

log = structlog.get_logger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]")


def file_name(message_id: str) -> str:
    """The file a message is stored in, from its Message-ID (`<id@host>`)."""
    return _UNSAFE.sub("_", message_id.strip().strip("<>")) + ".eml"


class _Store:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content: bytes = envelope.original_content or envelope.content
        match = re.search(rb"^Message-ID:\s*(\S+)", content, re.IGNORECASE | re.MULTILINE)
        name = file_name(match.group(1).decode("ascii", "replace")) if match else None
        if name is None:
            return "550 a message needs a Message-ID"
        path = self.folder / name
        repeat = 1
        while path.exists():  # the same message again: kept beside it, for all to see
            repeat += 1
            path = self.folder / name.replace(".eml", f"~{repeat}.eml")
        if repeat > 1:
            log.warning("mailsink.repeated", file=path.name)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.rename(path)
        log.info("mailsink.stored", file=path.name, to=len(envelope.rcpt_tos))
        return "250 stored"


class MailSink:
    """An SMTP server on 127.0.0.1 writing what it receives into `folder`."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self._controller: Controller | None = None

    def start(self) -> tuple[str, int]:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(_Store(self.folder), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        log.info("mailsink.started", port=self.port, folder=str(self.folder))
        return "127.0.0.1", self.port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def messages(folder: Path) -> list[Path]:
    """The stored messages, newest first."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
