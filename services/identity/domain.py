"""The identity service's rules: profiles from sign-in claims, who sees a name, erasure.

Pure: the standard library and `schemas` only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from schemas.common import Sector
from schemas.envelope import derived_id
from schemas.moderation import IdeaStatus
from schemas.participation import EmailFrequency

# what the audit log says when a participant erased themselves (`DELETE /me` takes no body)
SELF_ERASURE_REASON = "the participant asked to be erased (DELETE /me)"


@dataclass(frozen=True)
class ProfileClaims:
    """What a sign-in token says about its person (validated by the token verifier)."""

    participant_id: str
    display_name: str | None
    email: str | None
    organisation: str | None
    sector: Sector | None

    def digest(self) -> str:
        """Changes exactly when one of the claims changes."""
        fields = [self.participant_id, self.display_name, self.email, self.organisation,
                  self.sector.value if self.sector else None]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


# the profile fields a sign-in claim may set
CLAIMED_FIELDS = ("display_name", "email", "organisation", "sector")


def claims_said(claims: ProfileClaims) -> dict[str, str]:
    """What the token claims, by profile field; absent claims are left out."""
    said = {"display_name": claims.display_name, "email": claims.email,
            "organisation": claims.organisation,
            "sector": claims.sector.value if claims.sector else None}
    return {k: v for k, v in said.items() if v is not None}


def claim_changes(claims: ProfileClaims, last_said: dict[str, str] | None,
                  last_hash: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Which profile fields a sign-in sets, and what to remember its claims said.

    A claim changes its field only when it is present and says something else than the same
    claim said when it was last stored: a token without a `name` or `email` claim never blanks
    what the person wrote, and a token that says again what it said before never undoes the
    person's own edit; a claim the identity provider changed wins. `last_said` is None for a
    profile from before claims were remembered one by one: if these claims are exactly the ones
    stored then (`last_hash`), nothing changes; otherwise every present claim is taken."""
    said = claims_said(claims)
    if last_said is None and last_hash is not None and last_hash == claims.digest():
        return {}, said
    last = last_said or {}
    changes = {k: v for k, v in said.items() if last.get(k) != v}
    return changes, {**last, **said}  # an absent claim keeps what it said last time


class ClaimsMemo:
    """Which claims this process has already written for each participant (bounded, least
    recently seen forgotten first), so a request whose claims did not change writes nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._seen: OrderedDict[str, str] = OrderedDict()

    def unchanged(self, claims: ProfileClaims) -> bool:
        digest = self._seen.get(claims.participant_id)
        if digest is None:
            return False
        self._seen.move_to_end(claims.participant_id)
        return digest == claims.digest()

    def remember(self, claims: ProfileClaims) -> None:
        self._seen[claims.participant_id] = claims.digest()
        self._seen.move_to_end(claims.participant_id)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)

    def forget(self, participant_id: str) -> None:
        self._seen.pop(participant_id, None)


def shown_name(display_name: str | None, show_name: bool) -> str | None:
    """The name shown beside what a person wrote, where a campaign shows names: only with the
    person's consent (`show_name`), and only when there is a name."""
    return display_name if show_name and display_name else None


def erasure_reason(reason: str | None) -> str:
    """The reason recorded for an erasure: an admin gives one; a participant's own is fixed."""
    return reason if reason else SELF_ERASURE_REASON


# -- following and notifications (services/identity/notifications/)

# What a notification tells; the words of each are in `notifications/mail.py` and the pages.
IDEA_APPROVED = "idea_approved"
IDEA_REJECTED = "idea_rejected"
IDEA_MERGED = "idea_merged"
IDEA_ANSWERED = "idea_answered"
IDEA_ADOPTED = "idea_adopted"
MILESTONE_REACHED = "milestone_reached"
COMMENT_REPLY = "comment_reply"
CAMPAIGN_OPENED = "campaign_opened"
CAMPAIGN_CLOSED = "campaign_closed"  # its results are published when it closes

KINDS = (IDEA_APPROVED, IDEA_REJECTED, IDEA_MERGED, IDEA_ANSWERED, IDEA_ADOPTED,
         MILESTONE_REACHED, COMMENT_REPLY, CAMPAIGN_OPENED, CAMPAIGN_CLOSED)

# before a person chooses, e-mail comes as a daily digest
DEFAULT_EMAIL = EmailFrequency.DAILY


def status_kind(status: IdeaStatus, previous: IdeaStatus | None) -> str | None:
    """What an idea's change of status tells its followers: published after waiting for
    moderation is an approval; rejected and merged are told; anything else is not."""
    if status is IdeaStatus.PUBLISHED and previous is IdeaStatus.PENDING:
        return IDEA_APPROVED
    if status is IdeaStatus.REJECTED:
        return IDEA_REJECTED
    if status is IdeaStatus.MERGED:
        return IDEA_MERGED
    return None


FOLLOWERS = "followers"
AUTHOR = "author"


def idea_audience(status: str | None, kind: str) -> str:
    """Who may hear of an idea: its followers while it is public; only its author otherwise
    (what is not published is shown to no one else). A rejection or a merge is the author's."""
    if kind in (IDEA_REJECTED, IDEA_MERGED) or status != IdeaStatus.PUBLISHED.value:
        return AUTHOR
    return FOLLOWERS


def recipients(audience: str, followers: Iterable[str], author: str | None) -> set[str]:
    """The followers (the author among them while they follow), or the author alone."""
    if audience == FOLLOWERS:
        return set(followers)
    return {author} if author else set()


def reply_recipient(author: str, parent_author: str | None) -> str | None:
    """A published reply is told to the author of the comment it answers, not to themselves."""
    return parent_author if parent_author and parent_author != author else None


def own_idea(author: str | None, reader: str | None) -> bool:
    """A notification about the reader's own idea speaks of it as theirs, not as one followed."""
    return author is not None and author == reader


def title_shown(status: str | None, author: str | None, reader: str) -> bool:
    """An idea's title in someone's inbox: while it is published, or to its author."""
    return status == IdeaStatus.PUBLISHED.value or (author is not None and author == reader)


def notification_id(cause: uuid.UUID, recipient: str) -> uuid.UUID:
    """One notification per event and person, however often the event is read again."""
    return derived_id(cause, "notification", recipient)


def mail_id(notification: uuid.UUID) -> uuid.UUID:
    """The e-mail of one notification (its Message-ID): one per notification."""
    return derived_id(notification, "mail")


def email_frequency(stored: str | None) -> EmailFrequency:
    return EmailFrequency(stored) if stored else DEFAULT_EMAIL


@dataclass(frozen=True)
class Period:
    """A digest's period, [start, end) in UTC, and the local day it starts on."""

    frequency: EmailFrequency
    start: datetime
    end: datetime

    def digest_id(self, participant_id: str) -> uuid.UUID:
        """One digest per person and period, however often the timer or a command runs."""
        return derived_id("digest", self.frequency.value, participant_id, self.start.isoformat())


def period_ending(frequency: EmailFrequency, end_day: datetime, zone: tzinfo) -> Period:
    """The daily (or weekly) period that ends at local midnight starting `end_day`'s date."""
    end = datetime.combine(end_day.date(), time(0), zone)
    length = timedelta(days=7 if frequency is EmailFrequency.WEEKLY else 1)
    start = datetime.combine((end - length).date(), time(0), zone)
    return Period(frequency, start, end)


def due_period(frequency: EmailFrequency, now: datetime, zone: tzinfo, hour: int) -> Period:
    """The latest period of `frequency` whose digest is due at `now`: a day's at `hour` o'clock
    local time the next morning, a week's (Monday to Monday) at `hour` on the Monday after."""
    local = now.astimezone(zone)
    day = local if local.hour >= hour else local - timedelta(days=1)
    if frequency is EmailFrequency.WEEKLY:
        day = day - timedelta(days=day.weekday())
    return period_ending(frequency, day, zone)


def unsubscribe_token(secret: bytes, participant_id: str) -> str:
    """A signed token naming the person, for the one-click unsubscribe link in every e-mail."""
    mac = hmac.new(secret, f"unsubscribe:{participant_id}".encode(), hashlib.sha256)
    return f"{participant_id}.{mac.hexdigest()[:32]}"


def token_person(secret: bytes, token: str) -> str | None:
    """Whose unsubscribe token this is, or None when it was not signed with `secret`."""
    person, _, _ = token.rpartition(".")
    if not person or not hmac.compare_digest(unsubscribe_token(secret, person), token):
        return None
    return person
