"""Official answers in the quarterly report's campaign section: the answers given in the quarter
by state, the ideas that reached the support threshold, and the answers that became overdue,
each counted from events that occurred inside the quarter (regenerating gives the same bytes)."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.report.compute import compute
from services.reporting.report.model import AnswerCount, OverdueAnswer
from services.reporting.report.quarter import Quarter
from services.reporting.report.render import render
from tests.unit.test_report_compute import World

pytestmark = pytest.mark.unit

Q3 = Quarter.parse("2025Q3")


def answered(w: World) -> World:
    """Q2: idea 0 reaches the threshold and is not answered by its due date; ideas 1-3 are
    answered. Q3: idea 0 is answered, late."""
    c = w.campaign
    w.add("campaign.changed", "2025-05-21T12:00", campaign_id=c, changed=["answer_threshold"],
          title="Warszawa 2026", question="?", opens_at="2025-06-01T00:00:00+00:00",
          closes_at="2025-06-15T00:00:00+00:00", audience=["state", "municipality", "region",
                                                           "private", "citizen"],
          moderation="pre", vote_rules={"mode": "support", "max_votes_per_participant": 5},
          flag_threshold=3, shows_author_names=False,
          answer_threshold={"supports": 2, "days": 14})
    w.add("idea.answer_due", "2025-06-05T10:00", actor="system:ideas", idea_id=w.ideas[0],
          campaign_id=c, supports=2, threshold=2, reached_at="2025-06-05T10:00:00+00:00",
          due="2025-06-19T10:00:00+00:00")
    w.add("idea.answered", "2025-06-10T10:00", idea_id=w.ideas[1], campaign_id=c,
          state="taken_forward_into_initiative", reason="ind i F1", initiative_id=w.ini)
    for n, day in ((2, 11), (3, 12)):
        w.add("idea.answered", f"2025-06-{day}T10:00", idea_id=w.ideas[n], campaign_id=c,
              state="not_taken_forward", reason="ikke i år")
    w.add("idea.answer_overdue", "2025-06-19T10:00", actor="system:ideas", idea_id=w.ideas[0],
          campaign_id=c, due="2025-06-19T10:00:00+00:00")
    w.add("idea.answered", "2025-07-05T10:00", idea_id=w.ideas[0], campaign_id=c,
          state="taken_forward", reason="kommer med i næste plan")
    return w


def test_the_campaign_section_counts_answers_by_state_and_lists_overdue_ones() -> None:
    w = answered(World().plan().q2())
    (c,) = compute(w.inputs()).campaigns.items
    assert c.answers is not None
    assert c.answers.given == (AnswerCount("taken_forward_into_initiative", 1),
                               AnswerCount("not_taken_forward", 2))
    assert c.answers.became_due == 1
    # not answered by the quarter's end: the answer of 5 July is the next quarter's
    assert c.answers.overdue == (OverdueAnswer("Idé 00", date(2025, 6, 19), None),)
    assert (c.answers.threshold_supports, c.answers.threshold_days) == (2, 14)

    md = render(compute(w.inputs()), "md", "da").decode()
    section = md[md.index("#### Officielle svar"):]
    assert "Kampagnen lover svar på idéer med 2 støtter inden for 14 dage." in section
    assert "Taget videre i et initiativ | 1" in section
    assert "Ikke taget videre | 2" in section
    assert "Svar over tiden \\(1\\)" in section  # Markdown escapes the brackets
    assert "| Idé 00 | 19. juni 2025 | Ikke besvaret |" in section


def test_a_later_answer_leaves_the_past_quarter_as_it_was() -> None:
    w = answered(World().plan().q2())
    before = {fmt: render(compute(w.inputs()), fmt, "da") for fmt in ("json", "md")}
    w.q3()
    after = {fmt: render(compute(w.inputs()), fmt, "da") for fmt in ("json", "md")}
    assert after == before


def test_a_closed_campaign_answered_in_the_quarter_is_in_its_report() -> None:
    w = answered(World().plan().q2().q3())
    (c,) = compute(w.inputs(Q3)).campaigns.items  # closed on 15 June, answered in July
    assert c.answers is not None
    assert c.answers.given == (AnswerCount("taken_forward", 1),)
    assert (c.answers.became_due, c.answers.overdue) == (0, ())


def test_a_campaign_without_answers_has_no_answers_part() -> None:
    (c,) = compute(World().plan().q2().inputs()).campaigns.items
    assert c.answers is None
    assert "Officielle svar" not in render(compute(World().plan().q2().inputs()), "md",
                                           "da").decode()
