"""The ideas service's rules, free of I/O: campaign windows, idea status, flags, decisions.

An idea's status is a fold over what happened to it (submission, flags, moderator decisions,
withdrawal) in `occurred_at` order. The projection stores those facts and re-folds an idea whenever
one arrives, so the result does not depend on the order in which two topics were delivered: a
replay from offset 0 gives the same status as the live run.
"""

from __future__ import annotations

import base64
import difflib
import functools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.campaigns import (
    CHANGEABLE,
    AnswerThreshold,
    ModerationMode,
    VoteRules,
    audience_refusal,
)
from schemas.common import Sector
from schemas.moderation import Decision, IdeaStatus

FLAGS = "flags"  # `status_by` of an idea hidden because enough participants flagged it


class CampaignPhase(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class CampaignWindow:
    opens_at: datetime
    closes_at: datetime
    audience: frozenset[Sector] = frozenset(Sector)

    def phase(self, at: datetime) -> CampaignPhase:
        if at < self.opens_at:
            return CampaignPhase.SCHEDULED
        if at < self.closes_at:
            return CampaignPhase.OPEN
        return CampaignPhase.CLOSED


# -- changing a campaign
#
# What may change when. Before a campaign opens, everything may change (the window only to times
# still ahead). Once it is open, the text (title, question, description) may be corrected and the
# close moved, later or earlier but never to a time already passed; showing authors' names may be
# turned off. Who may take part (audience), how ideas are moderated (moderation mode, flag
# threshold), how votes count (vote rules) and the budget are frozen: changing them while people
# vote would change who may vote or what a vote means after it was cast. The opening is then
# history and stays too. Once closed, only text corrections remain (a typo in a title is still
# worth fixing on the results page), and turning off authors' names; the window, the rules and the
# budget are what the results were counted under, and stay.
#
# These rules also keep a replay faithful: a change made at `at` never alters the window before
# `at` (but for the minute of `OPENING_GRACE`, in which the campaign was not open, so the edge
# admitted nothing), so every idea and vote judged against the window keeps its verdict however
# late the change is read.

TEXT_SETTINGS = frozenset({"title", "question", "description"})
# what a campaign promises about official answers may change at any time, also once it is
# closed (answers mostly come after the votes): it changes no verdict on an idea or a vote
ALWAYS_CHANGEABLE = TEXT_SETTINGS | {"answer_threshold"}
# fixed once a campaign opens: who may take part, how ideas are moderated, how votes count
FROZEN_ONCE_OPEN = ("opens_at", "audience", "moderation", "vote_rules", "flag_threshold",
                    "budget", "min_votes_to_fund")
LONGEST_CAMPAIGN = timedelta(days=2 * 366)
# "open now" typed to the minute is a little in the past by the time it arrives; nothing was
# submitted or voted in that minute (the campaign was not open), so no verdict changes
OPENING_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class CampaignSettings:
    """Everything about a campaign that staff may change after creating it."""

    title: str
    question: str
    description: str | None
    opens_at: datetime
    closes_at: datetime
    audience: frozenset[Sector]
    moderation: ModerationMode
    vote_rules: VoteRules
    flag_threshold: int
    budget: int | None
    min_votes_to_fund: int | None
    shows_author_names: bool
    answer_threshold: AnswerThreshold | None = None


class ChangeRefused(Exception):
    """A change a campaign may not take: `code`, a sentence, and whether it is refused because
    of where the campaign stands now (`conflict`: a 409) rather than being wrong in itself."""

    def __init__(self, code: str, detail: str, *, conflict: bool) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.conflict = conflict


def changed_settings(old: CampaignSettings, new: CampaignSettings) -> list[str]:
    """The names of the settings that differ, in `CHANGEABLE` order."""
    return [name for name in CHANGEABLE if getattr(old, name) != getattr(new, name)]


def _names(names: Iterable[str]) -> str:
    return ", ".join(n.replace("_", " ") for n in names)


def check_change(old: CampaignSettings, new: CampaignSettings, at: datetime) -> list[str]:
    """The settings that a change from `old` to `new`, asked at `at`, changes (see the rules
    above); `ChangeRefused` names the first rule it breaks."""
    changed = changed_settings(old, new)
    if not changed:
        raise ChangeRefused("nothing_changed", "the change gives every setting the value it "
                            "has already", conflict=False)
    phase = CampaignWindow(old.opens_at, old.closes_at).phase(at)
    names_off = "shows_author_names" in changed and not new.shows_author_names
    if phase is CampaignPhase.CLOSED:
        frozen = [c for c in changed if c not in ALWAYS_CHANGEABLE
                  and not (c == "shows_author_names" and names_off)]
        if frozen:
            raise ChangeRefused(
                "campaign_closed_settings",
                f"the campaign closed at {old.closes_at.isoformat()}: only its title, question "
                f"and description can still be corrected, not its {_names(frozen)}",
                conflict=True)
        return changed
    if phase is CampaignPhase.OPEN:
        frozen = [c for c in changed if c in FROZEN_ONCE_OPEN]
        if frozen:
            raise ChangeRefused(
                "campaign_open_settings",
                f"the campaign opened at {old.opens_at.isoformat()}: its {_names(frozen)} can "
                "no longer change, since that would change who may take part or how votes "
                "count while people vote", conflict=True)
        if "shows_author_names" in changed and not names_off:
            raise ChangeRefused(
                "author_names_after_opening",
                "showing authors' names can be turned on only before the campaign opens: the "
                "ideas submitted so far were written for a campaign that showed no names",
                conflict=True)
    elif "opens_at" in changed and new.opens_at < at - OPENING_GRACE:
        raise ChangeRefused("opens_in_past", f"the new opening {new.opens_at.isoformat()} has "
                            "already passed: move it to now or later", conflict=False)
    if "closes_at" in changed and new.closes_at <= at:
        raise ChangeRefused("closes_in_past", f"the new close {new.closes_at.isoformat()} has "
                            "already passed: a campaign can only be closed at a time still "
                            "ahead", conflict=False)
    if new.closes_at <= new.opens_at:
        raise ChangeRefused("closes_before_opens", f"the close {new.closes_at.isoformat()} must "
                            f"come after the opening {new.opens_at.isoformat()}",
                            conflict=False)
    if new.closes_at - new.opens_at > LONGEST_CAMPAIGN:
        raise ChangeRefused("campaign_too_long", "a campaign may stay open for at most two "
                            "years", conflict=False)
    return changed


def frozen_settings(current: CampaignSettings, at: datetime) -> dict[str, str]:
    """The settings that cannot change at `at`, each with the code of the rule that holds it
    (for a form that shows them read-only and says why). Showing authors' names can always be
    turned off, so it is held only while it is off."""
    phase = CampaignWindow(current.opens_at, current.closes_at).phase(at)
    if phase is CampaignPhase.SCHEDULED:
        return {}
    if phase is CampaignPhase.OPEN:
        held = dict.fromkeys(FROZEN_ONCE_OPEN, "campaign_open_settings")
        names = "author_names_after_opening"
    else:
        held = dict.fromkeys([c for c in CHANGEABLE if c not in ALWAYS_CHANGEABLE],
                             "campaign_closed_settings")
        names = "campaign_closed_settings"
    held.pop("shows_author_names", None)
    if not current.shows_author_names:
        held["shows_author_names"] = names
    return held


class SubmissionRefused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def check_submission(window: CampaignWindow, occurred_at: datetime, sector: Sector | None) -> None:
    """Raise `SubmissionRefused` unless an idea submitted at `occurred_at` may join the campaign."""
    phase = window.phase(occurred_at)
    if phase is CampaignPhase.SCHEDULED:
        raise SubmissionRefused(
            "campaign_closed",
            f"submitted at {occurred_at.isoformat()}, before the campaign opened at "
            f"{window.opens_at.isoformat()}")
    if phase is CampaignPhase.CLOSED:
        raise SubmissionRefused(
            "campaign_closed",
            f"submitted at {occurred_at.isoformat()}, after the campaign closed at "
            f"{window.closes_at.isoformat()}")
    refused = _audience_refusal(window.audience, sector)
    if refused is not None:
        raise SubmissionRefused(*refused)


# the audience rule answered once per (audience, sector): a batch judges thousands of
# submissions to a few campaigns, and the rule enumerates the sectors at every call
_audience_refusal = functools.lru_cache(maxsize=1024)(audience_refusal)


def initial_status(moderation: ModerationMode) -> IdeaStatus:
    return IdeaStatus.PUBLISHED if moderation is ModerationMode.POST else IdeaStatus.PENDING


# Which statuses each decision applies to, and what it leads to.
_DECISIONS: dict[Decision, tuple[frozenset[IdeaStatus], IdeaStatus]] = {
    Decision.APPROVE: (frozenset({IdeaStatus.PENDING, IdeaStatus.HIDDEN}), IdeaStatus.PUBLISHED),
    Decision.REJECT: (frozenset({IdeaStatus.PENDING, IdeaStatus.PUBLISHED, IdeaStatus.HIDDEN}),
                      IdeaStatus.REJECTED),
    Decision.HIDE: (frozenset({IdeaStatus.PUBLISHED}), IdeaStatus.HIDDEN),
    Decision.RESTORE: (frozenset({IdeaStatus.HIDDEN, IdeaStatus.REJECTED}), IdeaStatus.PUBLISHED),
    Decision.MERGE: (frozenset({IdeaStatus.PENDING, IdeaStatus.PUBLISHED, IdeaStatus.HIDDEN,
                                IdeaStatus.REJECTED}), IdeaStatus.MERGED),
    Decision.KEEP: (frozenset({IdeaStatus.PUBLISHED}), IdeaStatus.PUBLISHED),
}

FINAL = frozenset({IdeaStatus.MERGED, IdeaStatus.WITHDRAWN})


def decision_outcome(current: IdeaStatus, decision: Decision) -> IdeaStatus | None:
    """The status a decision leads to from `current`, or None when it does not apply."""
    applies_to, result = _DECISIONS[decision]
    return result if current in applies_to else None


def applicable_decisions(current: IdeaStatus) -> list[Decision]:
    return [d for d in Decision if decision_outcome(current, d) is not None]


class FactKind(StrEnum):
    SUBMITTED = "submitted"
    FLAGGED = "flagged"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


_KIND_ORDER = {FactKind.SUBMITTED: 0, FactKind.FLAGGED: 1, FactKind.DECIDED: 1,
               FactKind.WITHDRAWN: 1}


@dataclass(frozen=True)
class Fact:
    """One thing that happened to an idea and may change its status."""

    kind: FactKind
    event_id: uuid.UUID
    occurred_at: datetime
    actor: str
    decision: Decision | None = None
    reason: str | None = None
    merge_into: uuid.UUID | None = None


@dataclass(frozen=True)
class StatusState:
    """An idea's status, why, by whom, and the event that caused it."""

    status: IdeaStatus
    reason: str | None
    by: str
    at: datetime
    cause: uuid.UUID
    merged_into: uuid.UUID | None = None
    flaggers: frozenset[str] = field(default=frozenset())  # distinct flaggers since last decision
    # every hide by flags on the way, even one a moderator undid later: (at, flag, flaggers)
    hides: tuple[tuple[datetime, uuid.UUID, frozenset[str]], ...] = ()


def fold_status(moderation: ModerationMode, flag_threshold: int, author: str,
                facts: Iterable[Fact]) -> StatusState:
    """Fold an idea's facts (in `occurred_at` order) into its current status.

    Flags count distinct participants since the last moderator decision that changed the idea;
    reaching the campaign's threshold hides a published idea until a moderator decides.
    Decisions that do not apply to the status at their time change nothing.
    """
    ordered = sorted(facts, key=lambda f: (f.occurred_at, _KIND_ORDER[f.kind], str(f.event_id)))
    if not ordered or ordered[0].kind is not FactKind.SUBMITTED:
        raise ValueError("an idea's facts start with its submission")
    first = ordered[0]
    state = StatusState(initial_status(moderation), None, first.actor, first.occurred_at,
                        first.event_id)
    for fact in ordered[1:]:
        nxt = _step(state, fact, flag_threshold, author)
        hides = state.hides
        if (fact.kind is FactKind.FLAGGED and nxt.by == FLAGS and nxt.cause == fact.event_id
                and nxt.status is IdeaStatus.HIDDEN):
            hides = (*hides, (fact.occurred_at, fact.event_id, nxt.flaggers))
        state = replace(nxt, hides=hides)
    return state


def _step(state: StatusState, fact: Fact, threshold: int, author: str) -> StatusState:
    if state.status in FINAL:
        return state
    if fact.kind is FactKind.FLAGGED:
        flaggers = state.flaggers | {fact.actor}
        if state.status is IdeaStatus.PUBLISHED and len(flaggers) >= threshold:
            return StatusState(IdeaStatus.HIDDEN, f"flagged by {len(flaggers)} participants",
                               FLAGS, fact.occurred_at, fact.event_id, flaggers=flaggers)
        return StatusState(state.status, state.reason, state.by, state.at, state.cause,
                           state.merged_into, flaggers)
    if fact.kind is FactKind.WITHDRAWN:
        if fact.actor != author:
            return state
        return StatusState(IdeaStatus.WITHDRAWN, fact.reason, fact.actor, fact.occurred_at,
                           fact.event_id)
    if fact.kind is FactKind.DECIDED and fact.decision is not None:
        result = decision_outcome(state.status, fact.decision)
        if result is None:
            return state
        return StatusState(result, fact.reason, fact.actor, fact.occurred_at, fact.event_id,
                           fact.merge_into if result is IdeaStatus.MERGED else None)
    return state


def visible_to_public(status: IdeaStatus) -> bool:
    """The one rule (`IdeaStatus.public`): only a published idea's approved revision is public."""
    return status.public


def may_see(status: IdeaStatus, author: str, viewer: str | None, staff: bool) -> bool:
    """Published ideas are public; the rest (pending, hidden, rejected, merged, withdrawn) only
    to their author and staff."""
    if visible_to_public(status):
        return True
    return viewer is not None and (viewer == author or staff)


def sees_unreviewed(author: str, viewer: str | None, staff: bool) -> bool:
    """Who sees revisions that are not approved (pending or rejected): the author and staff."""
    return staff or (viewer is not None and viewer == author)


# -- revisions


class RevisionState(StrEnum):
    APPROVED = "approved"  # the idea's public revision, or one that was public before
    PENDING = "pending"  # waits for a moderator; the approved revision stays public
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a pending revision replaced by a newer one before a decision


def revision_waits(moderation: ModerationMode, status: IdeaStatus) -> bool:
    """Whether a revision waits in the moderation queue instead of replacing the content.

    In a pre-moderated campaign every revision of an idea that has been approved (published,
    or hidden after it) waits; a pending idea is reviewed whole, so its revision replaces the
    text a moderator will see. In a post-moderated campaign a revision is public at once, and
    can be hidden like the idea.
    """
    return moderation is ModerationMode.PRE and status in (IdeaStatus.PUBLISHED,
                                                           IdeaStatus.HIDDEN)


def revision_diff(published: tuple[str, str, list[str]], revised: tuple[str, str, list[str]]
                  ) -> str:
    """A unified diff of a revision (title, body, tags) against the published one."""
    def lines(title: str, body: str, tags: list[str]) -> list[str]:
        return [f"title: {title}", *body.splitlines(), f"tags: {', '.join(tags)}"]
    return "\n".join(difflib.unified_diff(lines(*published), lines(*revised), "published",
                                          "revision", lineterm=""))


# -- flags


def flag_refusal(author: str, flagger: str, already_flagged: bool) -> tuple[str, str] | None:
    """Why a flag is refused: an author cannot flag their own idea; a participant flags once."""
    if flagger == author:
        return ("own_idea", "you cannot flag your own idea")
    if already_flagged:
        return ("already_flagged", "you have already flagged this idea")
    return None


def auto_hide_reason(flaggers: Iterable[str]) -> str:
    """The moderation log's reason for an idea hidden by flags: who flagged it."""
    who = sorted(flaggers)
    return f"hidden automatically: flagged by {len(who)} participants ({', '.join(who)})"


def credited_name(campaign_shows_names: bool, author: str,
                  shown_names: Mapping[str, str]) -> str | None:
    """The name an idea or revision is credited to: only in a campaign that shows authors'
    names, and only the name of an author who agreed to be shown (the identity service's
    `shown_names` has no one else); otherwise None, and the author stays a participant id."""
    return shown_names.get(author) if campaign_shows_names else None


# -- the campaign page


class PageOrder(StrEnum):
    """How the campaign page lists published ideas; ties are broken by idea id."""

    SUPPORT = "support"  # most supports first, as the voting service counts them
    NEWEST = "newest"  # latest submitted first


CURSOR_MAX = 200  # characters: a cursor this service made is about 80


class BadCursor(ValueError):
    """An `after` cursor this service did not make, or made for another order."""


@dataclass(frozen=True)
class PageCursor:
    """Where a page ends: the last idea's sort key (supports, or submission time) and id.
    The next page starts strictly after it in the same order."""

    order: PageOrder
    key: int | datetime
    idea_id: uuid.UUID

    def encode(self) -> str:
        key = self.key.isoformat() if isinstance(self.key, datetime) else str(self.key)
        raw = f"{self.order.value}|{key}|{self.idea_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, order: PageOrder) -> PageCursor:
        """The cursor in `text`, for a page in `order`; `BadCursor` says what is wrong."""
        try:
            if len(text) > CURSOR_MAX:
                raise ValueError
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            made_for, key, idea = raw.split("|")
            made_for_order = PageOrder(made_for)
            idea_id = uuid.UUID(idea)
            value: int | datetime
            if made_for_order is PageOrder.SUPPORT:
                value = int(key)
                if value < 0:
                    raise ValueError
            else:
                value = datetime.fromisoformat(key)
                if value.tzinfo is None:
                    raise ValueError
        except ValueError:
            raise BadCursor("`after` is not a cursor of this list: pass the `next` of a page"
                            " unchanged, or leave it out for the first page") from None
        if made_for_order is not order:
            raise BadCursor(f"`after` continues a list sorted by {made_for_order.value}, not by"
                            f" {order.value}: ask with sort={made_for_order.value}, or leave"
                            " `after` out to start again")
        return cls(order, value, idea_id)


# -- official answers
#
# Staff answer a published idea (a merged idea is answered on the idea it was merged into: its
# own content is no longer public, so neither would an answer on it be). A campaign may promise
# an answer (`AnswerThreshold`): an idea whose supports first reach the threshold must be
# answered within the promised days of that moment, and any official answer keeps the promise,
# also one given before the threshold was reached. The moment is the `occurred_at` of the tally
# that reached it, so a replay derives the same due date.


class AnswerStanding(StrEnum):
    DUE = "due"  # promised, not answered yet, still in time
    OVERDUE = "overdue"  # promised, not answered by the due date


def answer_refusal(status: IdeaStatus) -> tuple[str, str] | None:
    """Why an idea of `status` cannot be answered now, as (code, sentence), or None."""
    if status is IdeaStatus.PUBLISHED:
        return None
    if status is IdeaStatus.MERGED:
        return ("idea_merged", "the idea was merged into another: answer that idea")
    return ("not_published", f"only a published idea is answered publicly; this one is "
                             f"{status.value}")


def answer_due(threshold: AnswerThreshold | None, supports: int, reached_at: datetime,
               *, already_due: bool) -> datetime | None:
    """When an idea whose supports became `supports` at `reached_at` must be answered, if this
    is the moment it first reaches its campaign's threshold; otherwise None (once per idea)."""
    if threshold is None or already_due or supports < threshold.supports:
        return None
    return reached_at + timedelta(days=threshold.days)


def answer_overdue(due: datetime, answered_at: datetime | None, now: datetime) -> bool:
    """Whether a promised answer was not given by its due date (judged at `now`): none by then,
    or only one given after it."""
    return now >= due and (answered_at is None or answered_at > due)


def answer_standing(due: datetime, answered_at: datetime | None, now: datetime, *,
                    found_overdue: bool = False) -> AnswerStanding | None:
    """Where a promised answer stands for the staff who owe it: None once answered; overdue
    once its date has passed, or once the timer found it so (`idea.answer_overdue`)."""
    if answered_at is not None:
        return None
    if found_overdue or answer_overdue(due, None, now):
        return AnswerStanding.OVERDUE
    return AnswerStanding.DUE
