"""The report as JSON: every figure, language-neutral, and the language that was asked for."""

from __future__ import annotations

import json

from services.reporting.report.i18n import Lang
from services.reporting.report.model import Report

# 2: the contract of schemas/json/report (executive_summary, decisions, ...); 3: adds benefits,
# trend, exceptions and data_quality, signed deviations and document control
FORMAT_VERSION = 3


def render_json(report: Report, lang: Lang) -> bytes:
    data = {"format": "ideastorm.steering-report", "format_version": FORMAT_VERSION,
            "lang": lang, "report": report.to_data()}
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()
