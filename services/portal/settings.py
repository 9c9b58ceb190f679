"""The portal's settings: where intake and routing answer, read from TIEPDAN_PORTAL_*."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.context import provided
from shared.settings import Environment


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIEPDAN_PORTAL_", env_file=".env", extra="ignore", frozen=True
    )

    # The public HTTP API of the two services, as any other front end would reach it.
    intake_url: str = "http://127.0.0.1:8001"
    routing_url: str = "http://127.0.0.1:8002"
    # Per request to intake or routing: a slow upstream turns into a clear page, not a hang.
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # The project's one switch between development and production (TIEPDAN_ENV); in
    # production the portal's cookies are Secure (served behind TLS).
    env: Environment = Field(
        default=Environment.development,
        validation_alias=AliasChoices("TIEPDAN_PORTAL_ENV", "TIEPDAN_ENV"),
    )
    # Public figures, reports and unit names are kept this long (0: not kept): "dân biết"
    # a minute old, and a province's page does not cost a dozen figure queries per view.
    public_cache_seconds: float = Field(default=60.0, ge=0, le=3600)
    # Where the citizen's address is, for intake's per-client limits: a header the ingress
    # in front of the portal sets and overwrites (X-Real-IP on Kubernetes), or, empty, the
    # address that called the portal. Never a header a client can write unchecked.
    client_ip_header: str = ""
    # A photo is sent on to intake, which has the last word on size and type (10 MB there).
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    log_level: str = Field(
        default="INFO",
        validation_alias=AliasChoices("TIEPDAN_PORTAL_LOG_LEVEL", "TIEPDAN_LOG_LEVEL"),
    )
    log_format: str = Field(
        default="json",
        pattern="^(json|console)$",
        validation_alias=AliasChoices("TIEPDAN_PORTAL_LOG_FORMAT", "TIEPDAN_LOG_FORMAT"),
    )

    @property
    def secure_cookies(self) -> bool:
        return self.env is Environment.production


PortalConfig = Annotated[PortalSettings, provided(PortalSettings)]
