"""The e-mail of notifications: its words (Danish and English), its headers, and SMTP.

Every message carries a Message-ID derived from what it tells (`domain.mail_id`, or the digest's
id), `List-Unsubscribe` with a signed one-click link and `List-Unsubscribe-Post` (RFC 8058), and
is written in the person's language.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

import aiosmtplib

from schemas.sealing import ERASED
from services.identity import domain
from services.identity.settings import MailSettings

SUBJECT = {
    domain.IDEA_APPROVED: ("En idé, du følger, er godkendt", "An idea you follow was approved"),
    domain.IDEA_REJECTED: ("Din idé blev afvist", "Your idea was rejected"),
    domain.IDEA_MERGED: ("Din idé blev lagt sammen med en anden",
                         "Your idea was merged with another"),
    domain.IDEA_ANSWERED: ("En idé, du følger, har fået svar", "An idea you follow was answered"),
    domain.IDEA_ADOPTED: ("En idé, du følger, er taget med i handlingsplanen",
                          "An idea you follow was taken into the action plan"),
    domain.MILESTONE_REACHED: ("En milepæl er nået for en idé, du følger",
                               "A milestone was reached for an idea you follow"),
    domain.COMMENT_REPLY: ("Nyt svar på din kommentar", "A reply to your comment"),
    domain.CAMPAIGN_OPENED: ("En kampagne, du følger, er åbnet", "A campaign you follow opened"),
    domain.CAMPAIGN_CLOSED: ("En kampagne, du følger, er lukket, og resultatet er offentligt",
                             "A campaign you follow closed and its results are published"),
}
# to the idea's author, about their own idea (`domain.own_idea`)
OWN_SUBJECT = {
    domain.IDEA_APPROVED: ("Din idé er godkendt", "Your idea was approved"),
    domain.IDEA_ANSWERED: ("Din idé har fået svar", "Your idea was answered"),
    domain.IDEA_ADOPTED: ("Din idé er taget med i handlingsplanen",
                          "Your idea was taken into the action plan"),
    domain.MILESTONE_REACHED: ("En milepæl er nået for din idé",
                               "A milestone was reached for your idea"),
}
WORDS = {
    "reason": ("Begrundelse", "Reason"),
    "see": ("Se", "See"),
    "merged_into": ("Lagt sammen med", "Merged into"),
    "answer": ("Svar", "Answer"),
    "milestone": ("Milepæl", "Milestone"),
    "digest": ("Nyt fra idéstormen", "News from ideastorm"),
    "digest_intro": ("Det skete i det du følger:", "What happened in what you follow:"),
    "why": ("Du får denne e-mail, fordi du følger det, den handler om.",
            "You get this e-mail because you follow what it is about."),
    "stop": ("Stop e-mails", "Stop e-mails"),
    "campaign": ("Kampagne", "Campaign"),
    "idea": ("Idé", "Idea"),
}
ANSWER_STATES = {
    "under_consideration": ("under overvejelse", "under consideration"),
    "taken_forward": ("taget videre", "taken forward"),
    "taken_forward_into_initiative": ("taget videre i et initiativ",
                                      "taken forward into an initiative"),
    "not_taken_forward": ("ikke taget videre", "not taken forward"),
}


def _w(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    da, en = table[key]
    return en if lang == "en" else da


def headline(item: dict[str, Any], lang: str) -> str:
    """One line saying what happened, and to what (the title as opened, or `[slettet]`)."""
    own = domain.own_idea(item.get("idea_author"), item.get("participant_id"))
    what = _w(OWN_SUBJECT if own and item["kind"] in OWN_SUBJECT else SUBJECT, item["kind"], lang)
    if item.get("idea_id") is not None:
        title = item.get("title") or ERASED
        return f"{what}: {title}"
    if item.get("campaign_name"):
        return f"{what}: {item['campaign_name']}"
    return what


def details(item: dict[str, Any], lang: str, base: str) -> list[str]:
    lines = []
    if item["kind"] == domain.IDEA_ANSWERED and item.get("state") in ANSWER_STATES:
        lines.append(f"{_w(WORDS, 'answer', lang)}: {_w(ANSWER_STATES, item['state'], lang)}")
    if item["kind"] == domain.MILESTONE_REACHED and item.get("state"):
        lines.append(f"{_w(WORDS, 'milestone', lang)}: {item['state']}")
    if item.get("reason"):
        lines.append(f"{_w(WORDS, 'reason', lang)}: {item['reason']}")
    if item["kind"] == domain.IDEA_MERGED and item.get("link_id"):
        lines.append(f"{_w(WORDS, 'merged_into', lang)}: {base}/i/{item['link_id']}")
    lines.append(f"{_w(WORDS, 'see', lang)}: {base}{link(item)}")
    return lines


def link(item: dict[str, Any]) -> str:
    """The page a notification is about."""
    if item["kind"] == domain.CAMPAIGN_CLOSED:
        return f"/c/{item['campaign_id']}/results"
    if item.get("idea_id") is not None:
        return f"/i/{item['idea_id']}"
    if item.get("campaign_id") is not None:
        return f"/c/{item['campaign_id']}"
    return "/my/notifications"


def compose(settings: MailSettings, *, mail_id: uuid.UUID, to: str, lang: str, subject: str,
            lines: Sequence[str], unsubscribe: str, base: str, sent: Any) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<{mail_id}@ideastorm>"
    url = f"{base}/unsubscribe?token={quote(unsubscribe, safe='')}"
    msg["List-Unsubscribe"] = f"<{url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    footer = ["", "--", _w(WORDS, "why", lang), f"{_w(WORDS, 'stop', lang)}: {url}"]
    msg.set_content("\n".join([*lines, *footer]) + "\n")
    msg["Content-Language"] = lang  # after the content: setting it clears content headers
    return msg


def single(settings: MailSettings, item: dict[str, Any], *, to: str, lang: str,
           unsubscribe: str, base: str, sent: Any) -> EmailMessage:
    """The e-mail of one notification (sent at once)."""
    return compose(settings, mail_id=item["mail_id"], to=to, lang=lang,
                   subject=headline(item, lang), lines=[headline(item, lang), "",
                                                        *details(item, lang, base)],
                   unsubscribe=unsubscribe, base=base, sent=sent)


def digest(settings: MailSettings, mail_id: uuid.UUID, items: Sequence[dict[str, Any]], *,
           to: str, lang: str, unsubscribe: str, base: str, sent: Any) -> EmailMessage:
    """One e-mail with every notification of a period."""
    lines = [_w(WORDS, "digest_intro", lang), ""]
    for item in items:
        lines += [f"* {headline(item, lang)}", *(f"  {d}" for d in details(item, lang, base)), ""]
    subject = f"{_w(WORDS, 'digest', lang)} ({len(items)})"
    return compose(settings, mail_id=mail_id, to=to, lang=lang, subject=subject, lines=lines,
                   unsubscribe=unsubscribe, base=base, sent=sent)


class NotDelivered(Exception):
    """The SMTP server surely did not take the message (it could not be reached)."""


async def send(settings: MailSettings, message: EmailMessage, host: str, port: int) -> None:
    """Hand the message to the SMTP server; `NotDelivered` when it was never reached."""
    try:
        await aiosmtplib.send(
            message, hostname=host, port=port, username=settings.smtp_username,
            password=settings.smtp_password, start_tls=settings.smtp_starttls or None,
            timeout=settings.smtp_timeout_s)
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError,
            ConnectionRefusedError) as exc:
        raise NotDelivered(str(exc)) from exc
