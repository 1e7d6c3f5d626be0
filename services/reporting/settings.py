"""Settings of the reporting service, from `REPORTING_*` environment variables, validated at
start-up (the worker builds them once and passes them on)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReportingSettings(BaseSettings):
    """The quarter-boundary timer of the reporting worker.

    `REPORTING_REPORT_TIMER_S`: seconds between two looks at the calendar.
    `REPORTING_REPORT_GRACE_S`: how long after a quarter ends its report waits for events still
    in flight before it is produced (once).
    """

    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore")

    report_timer_s: float = Field(default=30.0, gt=0, le=86_400)
    report_grace_s: float = Field(default=300.0, ge=0, le=7 * 86_400)
