"""Settings of the identity service, from `IDENTITY_*` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    """How many participants' sign-in claims one gateway process remembers having stored."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    claims_memo_size: int = Field(default=100_000, ge=1, le=10_000_000)


class MailSettings(BaseSettings):
    """E-mail of notifications. `SMTP_HOST` unset: the stack runs the embedded sink, which stores
    each message under `<home>/mail/` (`SMTP_SINK_DIR`, set by the stack, says where)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "ideastorm <noreply@ideastorm.invalid>"
    smtp_timeout_s: float = Field(default=30.0, gt=0, le=600)
    smtp_sink_dir: str | None = None
    # where the links in e-mails point (the web pages); unset: the gateway's own address
    public_url: str | None = None
    # digests are sent at this hour of the day, local time (a week's on Mondays)
    notify_timezone: str = "Europe/Copenhagen"
    notify_digest_hour: int = Field(default=7, ge=0, le=23)
    # how often the worker looks for e-mail to send at once, and for a digest that is due
    notify_send_interval_s: float = Field(default=2.0, gt=0, le=3_600)
