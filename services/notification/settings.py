"""The notification service's own settings (TIEPDAN_NOTIFY_*), beside the shared ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.context import provided
from shared.settings import Environment, Settings, SettingsError, known_development_value

DEV_WEBHOOK_SECRET = "dev-webhook-secret"  # development only: published in this file


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIEPDAN_NOTIFY_", env_file=".env", extra="ignore", frozen=True
    )

    # Reminders N working days before the due day (at `reminder_hour` local time).
    reminder_working_days: tuple[int, ...] = (3, 1)
    reminder_hour: int = Field(default=8, ge=0, le=23)
    sweep_seconds: float = Field(default=5.0, gt=0, le=3600)
    lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    batch_size: int = Field(default=100, ge=1, le=10_000)
    refresh_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Set False to run the API without background workers (tests drive them directly).
    workers: bool = True

    delivery_max_attempts: int = Field(default=6, ge=1, le=50)
    delivery_backoff_seconds: float = Field(default=30.0, ge=0, le=86_400)

    smtp_host: str = ""  # empty: write .eml files into mail_dir (embedded mode)
    smtp_port: int = 25
    smtp_sender: str = "tiepdan@localhost"
    smtp_timeout: float = 10.0
    # starttls (submission, port 587), tls (implicit TLS, port 465), or none (development, or
    # a single-host private network with TIEPDAN_ALLOW_PLAINTEXT_TRANSPORT).
    smtp_security: str = Field(default="starttls", pattern="^(starttls|tls|none)$")
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_dir: Path | None = None  # default data_dir/mail-outbox
    sms_gateway_url: str = ""  # empty: SMS disabled (notices are dead-lettered with a reason)
    # No default outside development: an unset secret disables webhooks (never a known key).
    webhook_secret: str = ""
    # Webhook addresses set by admins: https only outside development, and never to loopback,
    # link-local or private addresses (the cluster's own services) unless allowed here.
    webhook_allow_private: bool = False
    # intake's internal API resolving a citizen's opaque contact reference; empty: unresolved
    contact_resolver_url: str = ""
    superior_of_province: str = "TTCP"  # Thanh tra Chính phủ: escalation above a province


def check_notify_settings(notify: NotifySettings, settings: Settings) -> None:
    """What notification refuses to start with outside development (one line, named)."""
    if settings.env is Environment.development:
        return
    if notify.webhook_secret and known_development_value(notify.webhook_secret):
        raise SettingsError(
            "TIEPDAN_NOTIFY_WEBHOOK_SECRET is the published development secret: refused "
            "outside development (anyone could forge the signature)"
        )
    if not notify.smtp_host:
        return
    if notify.smtp_security == "none" and not settings.allow_plaintext_transport:
        raise SettingsError(
            "TIEPDAN_NOTIFY_SMTP_SECURITY=none is refused outside development: use starttls "
            "or tls (citizens' addresses and case text would cross the network in clear)"
        )
    if notify.smtp_security != "none" and not (
        notify.smtp_username and notify.smtp_password.get_secret_value()
    ):
        raise SettingsError(
            "TIEPDAN_NOTIFY_SMTP_USERNAME and TIEPDAN_NOTIFY_SMTP_PASSWORD are required "
            "outside development with an SMTP relay"
        )


NotifyConfig = Annotated[NotifySettings, provided(NotifySettings)]
