"""The rules of following and notifications (services/identity/domain.py) and the e-mail they
make (services/identity/notifications/mail.py): pure, no I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from schemas.moderation import IdeaStatus
from schemas.participation import EmailFrequency
from services.identity import domain
from services.identity.notifications import mail
from services.identity.settings import MailSettings

CPH = ZoneInfo("Europe/Copenhagen")


def test_what_a_status_change_tells() -> None:
    assert domain.status_kind(IdeaStatus.PUBLISHED, IdeaStatus.PENDING) == domain.IDEA_APPROVED
    # published without moderation first (post-moderation), or restored: not an approval
    assert domain.status_kind(IdeaStatus.PUBLISHED, None) is None
    assert domain.status_kind(IdeaStatus.PUBLISHED, IdeaStatus.HIDDEN) is None
    assert domain.status_kind(IdeaStatus.REJECTED, IdeaStatus.PUBLISHED) == domain.IDEA_REJECTED
    assert domain.status_kind(IdeaStatus.MERGED, IdeaStatus.PENDING) == domain.IDEA_MERGED
    assert domain.status_kind(IdeaStatus.HIDDEN, IdeaStatus.PUBLISHED) is None


def test_what_is_not_published_reaches_only_its_author() -> None:
    followers = ["ann", "bo"]
    published = domain.idea_audience("published", domain.IDEA_ANSWERED)
    assert domain.recipients(published, followers, "ann") == {"ann", "bo"}
    hidden = domain.idea_audience("hidden", domain.IDEA_ANSWERED)
    assert domain.recipients(hidden, followers, "cy") == {"cy"}
    # a rejection or a merge is the author's, even of an idea that was public
    for kind in (domain.IDEA_REJECTED, domain.IDEA_MERGED):
        assert domain.recipients(domain.idea_audience("published", kind), followers,
                                 "cy") == {"cy"}
    assert domain.recipients(domain.AUTHOR, followers, None) == set()
    assert domain.title_shown("published", "cy", "bo")
    assert not domain.title_shown("hidden", "cy", "bo")
    assert domain.title_shown("hidden", "cy", "cy")


def test_a_reply_is_told_to_the_other_person_only() -> None:
    assert domain.reply_recipient("ann", "bo") == "bo"
    assert domain.reply_recipient("ann", "ann") is None
    assert domain.reply_recipient("ann", None) is None


def test_ids_are_derived_so_an_event_read_again_notifies_and_mails_once() -> None:
    cause = uuid.uuid4()
    assert domain.notification_id(cause, "ann") == domain.notification_id(cause, "ann")
    assert domain.notification_id(cause, "ann") != domain.notification_id(cause, "bo")
    nid = domain.notification_id(cause, "ann")
    assert domain.mail_id(nid) == domain.mail_id(nid) != nid
    day = domain.period_ending(EmailFrequency.DAILY, datetime(2026, 12, 8, tzinfo=CPH), CPH)
    assert day.digest_id("ann") == day.digest_id("ann") != day.digest_id("bo")


def test_the_digest_due_is_the_last_whole_day_or_week_after_the_hour() -> None:
    # 6:59 local on Tuesday 8 December: Sunday's digest is the last one due
    early = datetime(2026, 12, 8, 5, 59, tzinfo=UTC)
    day = domain.due_period(EmailFrequency.DAILY, early, CPH, 7)
    assert (day.start, day.end) == (datetime(2026, 12, 6, tzinfo=CPH),
                                    datetime(2026, 12, 7, tzinfo=CPH))
    # from 7:00 Monday's
    later = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)
    day = domain.due_period(EmailFrequency.DAILY, later, CPH, 7)
    assert (day.start, day.end) == (datetime(2026, 12, 7, tzinfo=CPH),
                                    datetime(2026, 12, 8, tzinfo=CPH))
    # a week runs Monday to Monday: on Tuesday the week that ended on Monday 7 December
    week = domain.due_period(EmailFrequency.WEEKLY, later, CPH, 7)
    assert (week.start, week.end) == (datetime(2026, 11, 30, tzinfo=CPH),
                                      datetime(2026, 12, 7, tzinfo=CPH))
    # a day is a local day, also across the change to summer time (23 hours)
    spring = domain.period_ending(EmailFrequency.DAILY, datetime(2026, 3, 30, tzinfo=CPH), CPH)
    assert (spring.end.astimezone(UTC) - spring.start.astimezone(UTC)).total_seconds() == 23 * 3600


def test_the_default_choice_is_a_daily_digest() -> None:
    assert domain.email_frequency(None) is EmailFrequency.DAILY
    assert domain.email_frequency("never") is EmailFrequency.NEVER


def test_an_unsubscribe_token_names_its_person_and_cannot_be_forged() -> None:
    secret = b"s" * 32
    token = domain.unsubscribe_token(secret, "user:ann.b")
    assert domain.token_person(secret, token) == "user:ann.b"
    assert domain.token_person(b"t" * 32, token) is None
    assert domain.token_person(secret, token.replace("ann", "bob")) is None
    assert domain.token_person(secret, "user:ann.b") is None
    assert domain.token_person(secret, "") is None


def _item(**extra: object) -> dict[str, object]:
    return {"kind": domain.IDEA_MERGED, "idea_id": uuid.UUID(int=1), "campaign_id": None,
            "title": "Benches", "reason": "the same as another", "link_id": uuid.UUID(int=2),
            "state": None, "mail_id": uuid.UUID(int=3), **extra}


def test_an_email_has_its_id_a_one_click_unsubscribe_and_the_persons_language() -> None:
    settings = MailSettings(smtp_host="mail.example.org")
    msg = mail.single(settings, _item(), to="ann@example.org", lang="da", unsubscribe="ann.x",
                      base="https://idestorm.example.dk", sent=datetime(2026, 12, 7, tzinfo=UTC))
    assert msg["Message-ID"] == f"<{uuid.UUID(int=3)}@ideastorm>"
    assert msg["List-Unsubscribe"] == "<https://idestorm.example.dk/unsubscribe?token=ann.x>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Content-Language"] == "da"
    assert msg["Subject"] == "Din idé blev lagt sammen med en anden: Benches"
    text = msg.get_content()
    assert "Begrundelse: the same as another" in text
    assert f"https://idestorm.example.dk/i/{uuid.UUID(int=2)}" in text  # the idea it went into
    english = mail.single(settings, _item(title=None), to="ann@example.org", lang="en",
                          unsubscribe="ann.x", base="https://x", sent=datetime.now(UTC))
    assert english["Subject"] == "Your idea was merged with another: [slettet]"


def test_a_digest_lists_every_notification_of_its_period() -> None:
    settings = MailSettings(smtp_host="mail.example.org")
    items = [_item(kind=domain.IDEA_APPROVED, title="A", reason=None),
             _item(kind=domain.CAMPAIGN_CLOSED, idea_id=None, campaign_id=uuid.UUID(int=9),
                   campaign_name="Parks", reason=None)]
    msg = mail.digest(settings, uuid.UUID(int=4), items, to="bo@example.org", lang="da",
                      unsubscribe="bo.x", base="https://x", sent=datetime.now(UTC))
    assert msg["Subject"] == "Nyt fra idéstormen (2)"
    text = msg.get_content()
    assert "En idé, du følger, er godkendt: A" in text
    assert "En kampagne, du følger, er lukket, og resultatet er offentligt: Parks" in text
    assert f"https://x/c/{uuid.UUID(int=9)}/results" in text


def test_the_author_hears_of_their_own_idea_as_theirs_and_a_follower_as_followed() -> None:
    settings = MailSettings(smtp_host="mail.example.org")

    def subject(reader: str, kind: str, lang: str = "da") -> str:
        item = _item(kind=kind, idea_author="ann", participant_id=reader, reason=None)
        return str(mail.single(settings, item, to=f"{reader}@example.org", lang=lang,
                               unsubscribe="x", base="https://x", sent=datetime.now(UTC))
                   ["Subject"])

    assert subject("ann", domain.IDEA_ANSWERED) == "Din idé har fået svar: Benches"
    assert subject("bo", domain.IDEA_ANSWERED) == "En idé, du følger, har fået svar: Benches"
    assert subject("ann", domain.IDEA_APPROVED, "en") == "Your idea was approved: Benches"
    assert subject("bo", domain.IDEA_APPROVED, "en") == "An idea you follow was approved: Benches"
    # a merge is the author's alone, and said so already
    assert subject("ann", domain.IDEA_MERGED) == "Din idé blev lagt sammen med en anden: Benches"
