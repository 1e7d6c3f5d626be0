"""Every CSV the system writes is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from services.infra.csv import safe_cell, write_csv

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("hostile", ["=1+1", "+45 12345678", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                     '=HYPERLINK("http://evil.example")'])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(hostile: str) -> None:
    assert safe_cell(hostile) == "'" + hostile
    rows = list(csv.reader(io.StringIO(write_csv(["title"], [[hostile]]))))
    assert rows == [["title"], ["'" + hostile]]


def test_ordinary_text_and_numbers_are_left_alone() -> None:
    assert safe_cell("Longer hours") == "Longer hours"
    assert safe_cell(-3) == -3 and safe_cell(None) is None
    assert write_csv(["score"], [[-3]]).splitlines() == ["score", "-3"]
