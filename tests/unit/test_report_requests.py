"""Who can ask for which report: an unfinished quarter only as a marked draft."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.reporting.domain.requests import report_request_refusal, request_kind
from services.reporting.report.quarter import Quarter

pytestmark = pytest.mark.unit

Q = Quarter.parse("2026Q4")
DURING = datetime(2026, 12, 7, 13, tzinfo=UTC)
AFTER = datetime(2027, 1, 2, tzinfo=UTC)


def test_a_quarter_that_has_not_ended_is_refused_unless_a_draft_is_asked_for() -> None:
    refusal = report_request_refusal(str(Q), Q.end, DURING, draft=False)
    assert refusal is not None and refusal.reason == "quarter_not_ended"
    assert "draft" in refusal.detail and "2026Q4 has not ended" in refusal.detail
    assert report_request_refusal(str(Q), Q.end, DURING, draft=True) is None
    assert request_kind(Q.end, DURING) == "draft"


def test_an_ended_quarter_is_reported_as_itself_not_as_a_draft() -> None:
    assert report_request_refusal(str(Q), Q.end, AFTER, draft=False) is None
    refusal = report_request_refusal(str(Q), Q.end, AFTER, draft=True)
    assert refusal is not None and refusal.reason == "quarter_ended"
    assert request_kind(Q.end, AFTER) == "final"
