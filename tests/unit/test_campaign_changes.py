"""What may change in a campaign when: before it opens, while it is open, once it has closed."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas.campaigns import (
    CHANGEABLE,
    AnswerThreshold,
    CampaignChanged,
    CampaignCreated,
    ModerationMode,
    VoteMode,
    VoteRules,
)
from schemas.common import Sector
from services.ideas.domain import (
    CampaignSettings,
    ChangeRefused,
    check_change,
    frozen_settings,
)
from services.reporting.domain import Fact, fold
from services.web.campaigns import change_of, form_values

pytestmark = pytest.mark.unit

OPENS = datetime(2026, 3, 1, 9, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=14)
BEFORE = OPENS - timedelta(days=2)
DURING = OPENS + timedelta(days=3)
AFTER = CLOSES + timedelta(days=1)

CAMPAIGN = CampaignSettings(
    title="Kortere køer", question="Hvordan?", description=None, opens_at=OPENS,
    closes_at=CLOSES, audience=frozenset(Sector), moderation=ModerationMode.PRE,
    vote_rules=VoteRules(), flag_threshold=3, budget=None, min_votes_to_fund=None,
    shows_author_names=False)

# one change of each setting, each to a value the campaign does not have
EACH: dict[str, dict[str, Any]] = {
    "title": {"title": "Kortere ventetid"},
    "question": {"question": "Hvordan gør vi det?"},
    "description": {"description": "Om ventetid."},
    "opens_at": {"opens_at": OPENS + timedelta(hours=1)},
    "closes_at": {"closes_at": CLOSES + timedelta(days=7)},
    "audience": {"audience": frozenset({Sector.CITIZEN})},
    "moderation": {"moderation": ModerationMode.POST},
    "vote_rules": {"vote_rules": VoteRules(mode=VoteMode.UPDOWN, max_votes_per_participant=3)},
    "flag_threshold": {"flag_threshold": 5},
    "budget": {"budget": 100_000},
    "min_votes_to_fund": {"min_votes_to_fund": 10},
    "shows_author_names": {"shows_author_names": True},
    "answer_threshold": {"answer_threshold": AnswerThreshold(supports=50, days=30)},
}


def refusal(old: CampaignSettings, at: datetime, **new: object) -> ChangeRefused:
    with pytest.raises(ChangeRefused) as caught:
        check_change(old, replace(old, **new), at)  # type: ignore[arg-type]
    return caught.value


def test_the_table_covers_every_setting_a_change_may_name() -> None:
    assert set(EACH) == set(CHANGEABLE)


@pytest.mark.parametrize("name", CHANGEABLE)
def test_before_it_opens_every_setting_may_change(name: str) -> None:
    assert check_change(CAMPAIGN, replace(CAMPAIGN, **EACH[name]), BEFORE) == [name]


def test_a_change_names_exactly_the_settings_that_differ_in_one_order() -> None:
    new = replace(CAMPAIGN, **EACH["budget"], **EACH["title"], **EACH["closes_at"])
    assert check_change(CAMPAIGN, new, BEFORE) == ["title", "closes_at", "budget"]


def test_a_change_that_changes_nothing_says_so() -> None:
    refused = refusal(CAMPAIGN, DURING, title=CAMPAIGN.title)
    assert (refused.code, refused.conflict) == ("nothing_changed", False)


@pytest.mark.parametrize("name", ["title", "question", "description", "closes_at"])
def test_while_open_the_text_and_the_close_may_change(name: str) -> None:
    assert check_change(CAMPAIGN, replace(CAMPAIGN, **EACH[name]), DURING) == [name]


@pytest.mark.parametrize("name", ["opens_at", "audience", "moderation", "vote_rules",
                                  "flag_threshold", "budget", "min_votes_to_fund"])
def test_while_open_who_may_take_part_and_how_votes_count_are_frozen(name: str) -> None:
    refused = refusal(CAMPAIGN, DURING, **EACH[name])
    assert (refused.code, refused.conflict) == ("campaign_open_settings", True)
    assert name.replace("_", " ") in refused.detail
    assert OPENS.isoformat() in refused.detail


def test_while_open_the_close_may_move_earlier_but_not_into_the_past() -> None:
    sooner = DURING + timedelta(hours=1)
    assert check_change(CAMPAIGN, replace(CAMPAIGN, closes_at=sooner), DURING) == ["closes_at"]
    refused = refusal(CAMPAIGN, DURING, closes_at=DURING - timedelta(minutes=1))
    assert (refused.code, refused.conflict) == ("closes_in_past", False)
    assert refusal(CAMPAIGN, DURING, closes_at=DURING).code == "closes_in_past"


def test_showing_names_can_be_turned_off_any_time_but_on_only_before_opening() -> None:
    showing = replace(CAMPAIGN, shows_author_names=True)
    for at in (DURING, AFTER):
        assert check_change(showing, CAMPAIGN, at) == ["shows_author_names"]
    assert refusal(CAMPAIGN, DURING, shows_author_names=True).code == "author_names_after_opening"
    assert refusal(CAMPAIGN, AFTER, shows_author_names=True).code == "campaign_closed_settings"


@pytest.mark.parametrize("name", ["opens_at", "closes_at", "audience", "moderation",
                                  "vote_rules", "flag_threshold", "budget", "min_votes_to_fund"])
def test_once_closed_only_the_text_may_be_corrected(name: str) -> None:
    refused = refusal(CAMPAIGN, AFTER, **EACH[name])
    assert (refused.code, refused.conflict) == ("campaign_closed_settings", True)
    assert CLOSES.isoformat() in refused.detail
    for text in ("title", "question", "description"):
        assert check_change(CAMPAIGN, replace(CAMPAIGN, **EACH[text]), AFTER) == [text]


def test_the_promise_of_an_answer_may_change_at_any_time_also_once_closed() -> None:
    # answers mostly come after the votes: staff may state or correct the promise then too
    for at in (BEFORE, DURING, AFTER):
        assert check_change(CAMPAIGN, replace(CAMPAIGN, **EACH["answer_threshold"]), at) \
            == ["answer_threshold"]
    assert "answer_threshold" not in frozen_settings(CAMPAIGN, AFTER)


def test_a_campaign_not_yet_open_cannot_be_moved_to_open_in_the_past() -> None:
    refused = refusal(CAMPAIGN, BEFORE, opens_at=BEFORE - timedelta(minutes=2))
    assert (refused.code, refused.conflict) == ("opens_in_past", False)
    # "now", as a form that counts in minutes sends it
    now = BEFORE - timedelta(seconds=59)
    assert check_change(CAMPAIGN, replace(CAMPAIGN, opens_at=now), BEFORE) == ["opens_at"]


def test_the_window_stays_a_window_of_at_most_two_years() -> None:
    assert refusal(CAMPAIGN, BEFORE, closes_at=OPENS).code == "closes_before_opens"
    assert refusal(CAMPAIGN, BEFORE, opens_at=CLOSES + timedelta(days=1)).code \
        == "closes_before_opens"
    assert refusal(CAMPAIGN, DURING, closes_at=OPENS + timedelta(days=800)).code \
        == "campaign_too_long"


def test_no_change_alters_the_window_before_the_moment_it_is_made() -> None:
    """Why a replay keeps every verdict: an idea or vote from before a change was judged
    against the same window whether the change was read before it or after (an opening moved
    to "now" may reach a minute back, when the campaign was not open and the edge admitted
    nothing: the moments checked here are further back)."""
    moments = [BEFORE, OPENS - timedelta(seconds=1), OPENS, DURING, CLOSES - timedelta(seconds=1)]
    for at in moments:
        for opens in (OPENS - timedelta(days=1), OPENS, OPENS + timedelta(days=1)):
            for closes in (DURING, CLOSES, CLOSES + timedelta(days=5)):
                new = replace(CAMPAIGN, opens_at=opens, closes_at=closes)
                try:
                    check_change(CAMPAIGN, new, at)
                except ChangeRefused:
                    continue
                for t in (at - timedelta(days=d) for d in (0.001, 1, 3, 30)):
                    assert (CAMPAIGN.opens_at <= t < CAMPAIGN.closes_at) \
                        == (new.opens_at <= t < new.closes_at), (at, opens, closes, t)


def test_a_form_shows_which_settings_are_held_and_by_which_rule() -> None:
    assert frozen_settings(CAMPAIGN, BEFORE) == {}
    during = frozen_settings(CAMPAIGN, DURING)
    assert during["audience"] == "campaign_open_settings"
    assert during["shows_author_names"] == "author_names_after_opening"
    assert "closes_at" not in during and "title" not in during
    assert "shows_author_names" not in frozen_settings(
        replace(CAMPAIGN, shows_author_names=True), DURING)
    closed = frozen_settings(CAMPAIGN, AFTER)
    assert closed["closes_at"] == "campaign_closed_settings"
    assert set(closed) == set(CHANGEABLE) - {"title", "question", "description",
                                             "answer_threshold"}


def test_a_report_sees_a_campaign_as_changed_by_its_date_and_no_later() -> None:
    """Reports are as-of: regenerating a past quarter after a later correction gives the
    campaign as it stood then; a change names the settings it sets, the rest stay."""
    cid = uuid.uuid4()
    created = CampaignCreated(campaign_id=cid, title="Kortere køer", question="Hvordan?",
                              opens_at=OPENS, closes_at=CLOSES, budget=50_000)

    def changed(title: str, budget: int | None, names: list[str]) -> CampaignChanged:
        return CampaignChanged(
            campaign_id=cid, changed=names, title=title, question="Hvordan?",
            opens_at=OPENS, closes_at=CLOSES, audience=list(Sector),
            moderation=ModerationMode.PRE, vote_rules=VoteRules(), flag_threshold=3,
            budget=budget, shows_author_names=False)

    def fact(at: datetime, payload: Any) -> Fact:
        return Fact(uuid.uuid4(), at, at, "admin-1", payload)

    facts = [fact(BEFORE - timedelta(days=1), created),
             fact(BEFORE, changed("Kortere ventetid", None, ["title"])),
             fact(AFTER + timedelta(days=40), changed("Kortere ventetid i borgerservice", 1,
                                                      ["title"]))]
    then = fold(facts, (AFTER + timedelta(days=1)).date()).campaigns[cid].created
    assert (then.title, then.budget) == ("Kortere ventetid", 50_000)
    later = fold(facts, (AFTER + timedelta(days=41)).date()).campaigns[cid].created
    assert later.title == "Kortere ventetid i borgerservice"


def test_the_edit_page_sends_only_what_a_person_changed() -> None:
    """A time the form shows to the minute is not sent back as a change of its seconds (which
    an open campaign would refuse), a held setting is never sent, an emptied budget clears it,
    and a reason goes only with a change."""
    shown = form_values({
        "title": "Kortere køer", "question": "Hvordan?", "description": None,
        "opens_at": "2026-03-01T09:00:41+00:00", "closes_at": "2026-03-15T09:00:41+00:00",
        "moderation": "pre", "vote_rules": {"mode": "support", "max_votes_per_participant": 5},
        "flag_threshold": 3, "budget": 90_000, "shows_author_names": False,
        "audience": [s.value for s in Sector]})
    assert shown["opens_at"] == "2026-03-01T10:00"  # Danish time, to the minute
    assert change_of({**shown, "reason": "ingen grund"}, shown, {}) == {}
    typed = {**shown, "title": "Kortere ventetid", "budget": "", "audience-citizen": "",
             "closes_at": "2026-03-20T12:00", "reason": "Forlænget"}
    held = {"audience": "campaign_open_settings", "budget": "campaign_open_settings"}
    assert change_of(typed, shown, held) == {
        "title": "Kortere ventetid", "closes_at": "2026-03-20T12:00:00+01:00",
        "reason": "Forlænget"}
    assert change_of(typed, shown, {})["budget"] is None
    assert change_of(typed, shown, {})["audience"] == [
        s.value for s in Sector if s is not Sector.CITIZEN]
