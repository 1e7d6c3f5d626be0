"""Quarter arithmetic and Danish/English number and date formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reporting.report.i18n import (
    LABELS,
    fmt_date,
    fmt_datetime,
    fmt_dkk,
    fmt_number,
    fmt_percent,
    fmt_quarter,
    fmt_value,
)
from services.reporting.report.quarter import Quarter

pytestmark = pytest.mark.unit


def test_quarter_bounds_and_neighbours() -> None:
    q = Quarter.parse("2025Q2")
    # quarters follow Danish time: midnight in Copenhagen is 22:00 UTC in summer
    assert q.start == datetime(2025, 3, 31, 22, tzinfo=UTC)
    assert q.end == datetime(2025, 6, 30, 22, tzinfo=UTC)
    assert Quarter.parse("2025Q1").start == datetime(2024, 12, 31, 23, tzinfo=UTC)
    assert q.last_day == date(2025, 6, 30)
    assert str(q.previous()) == "2025Q1" and str(q.next()) == "2025Q3"
    assert str(Quarter.parse("2025q4").next()) == "2026Q1"
    assert str(Quarter.parse("2025-Q1").previous()) == "2024Q4"
    assert Quarter.containing(datetime(2025, 6, 30, 21, 59, 59, tzinfo=UTC)) == q
    # 30 June 23:30 UTC is already 1 July in Copenhagen: the next quarter
    assert Quarter.containing(datetime(2025, 6, 30, 23, 30, tzinfo=UTC)) == q.next()
    assert not q.contains(q.end)


@pytest.mark.parametrize("text", ["2025Q5", "2025", "Q2", "25Q2", "2025Q2; drop"])
def test_quarter_refuses_what_is_not_a_quarter(text: str) -> None:
    with pytest.raises(ValueError, match="not a quarter"):
        Quarter.parse(text)


def test_numbers() -> None:
    assert fmt_number(287475, "da") == "287.475"
    assert fmt_number(287475, "en") == "287,475"
    assert fmt_number(1234567.25, "da", 1) == "1.234.567,3"
    assert fmt_number(-1000, "en") == "-1,000"
    assert fmt_number(999, "da") == "999"
    assert fmt_percent(42.5, "da", 1) == "42,5 %"
    assert fmt_percent(42.5, "en", 1) == "42.5%"
    assert fmt_percent(None, "en") == "–"
    assert fmt_dkk(9_000_000, "da") == "9.000.000 kr."
    assert fmt_dkk(9_000_000, "en") == "DKK 9,000,000"
    assert fmt_value(55.5, "%", "da") == "55,5 %"
    assert fmt_value(100.0, "idéer", "en") == "100 idéer"


def test_dates() -> None:
    assert fmt_date(date(2025, 6, 30), "da") == "30. juni 2025"
    assert fmt_date(date(2025, 3, 1), "en") == "1 March 2025"
    assert (fmt_datetime(datetime(2025, 6, 30, 22, tzinfo=UTC), "da")
            == "1. juli 2025 kl. 00:00 (dansk tid)")
    assert fmt_quarter("2025Q2", "da") == "2. kvartal 2025"
    assert fmt_quarter("2025Q2", "en") == "Q2 2025"


def test_every_label_has_both_languages() -> None:
    assert all(da and en for da, en in LABELS.values())
