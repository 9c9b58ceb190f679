"""Intake: what citizens submit, and the citizen-facing view of each case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.types import ASGIApp

from services.intake.actions import endpoints as actions
from services.intake.actions import handlers as action_handlers
from services.intake.attachments import endpoints as attachments
from services.intake.attachments.storage import AttachmentSettings
from services.intake.cases import endpoints as cases
from services.intake.cases import handlers as case_handlers
from services.intake.categories import endpoints as categories
from services.intake.context import IntakeContext, build_context
from services.intake.database import Base, messaging
from services.intake.headers import NoSniff
from services.intake.identity import endpoints as identity
from services.intake.limits.buckets import LimitSettings
from services.intake.limits.middleware import AbuseLimits
from services.intake.open311 import endpoints as open311
from services.intake.open311.xml import render
from services.intake.resolutions import endpoints as resolutions
from services.intake.tracking import endpoints as tracking
from services.intake.units import endpoints as units
from services.intake.units.boundaries import BoundarySettings
from shared import asyncapi
from shared.app import ServiceDefinition, create_app
from shared.bus.base import Bus
from shared.context import part
from shared.errors import PROBLEM_JSON
from shared.messaging.consumer import DepsHandler, bind
from shared.settings import Environment, Settings, SettingsError, known_development_value


def _preflight(settings: Settings) -> None:
    """Only intake holds the identity keys (routing and notification start without them)."""
    if settings.env is Environment.development:
        return
    if not settings.identity_keys:
        raise SettingsError(
            "TIEPDAN_IDENTITY_KEYS is required outside development (intake encrypts "
            "submitters' identities with it)"
        )
    secret = settings.part(AttachmentSettings).s3_secret_access_key or ""
    if known_development_value(secret):
        raise SettingsError(
            "TIEPDAN_ATTACHMENTS_S3_SECRET_ACCESS_KEY holds a published development value"
        )


def _upload_limit(app: Starlette) -> int:
    return part(app, AttachmentSettings).max_bytes


def _abuse_limits(app: ASGIApp) -> ASGIApp:
    """The limits (at the bottom of intake), given what they need of the features above."""
    return AbuseLimits(app, upload_limit=_upload_limit, render_xml=render)


# The read model's one table: the cases' steps and deadlines, the conversation's messages. Its
# handlers need nothing but the consumer's session (`deps: object`).
HANDLERS: dict[str, DepsHandler[object]] = case_handlers.HANDLERS | action_handlers.HANDLERS

DEFINITION = ServiceDefinition[IntakeContext](
    name="intake",
    title="tiepdan intake",
    version="0.2.0",
    routers=[
        asyncapi.router,
        cases.router,
        tracking.router,
        actions.router,
        attachments.router,
        identity.router,
        identity.internal,
        categories.router,
        units.router,
        resolutions.router,
        open311.router,
    ],
    metadata=Base.metadata,
    messaging=messaging,
    migrations=Path(__file__).parent / "migrations",
    context=build_context,
    consumers={"intake.read-model": lambda context: bind(HANDLERS, context)},
    # NoSniff around the limits: their own 413/429 answers carry it too.
    middleware=[_abuse_limits, NoSniff],
    preflight=_preflight,
    settings_parts=(LimitSettings, AttachmentSettings, BoundarySettings),
)


def create_intake_app(settings: Settings, *, bus: Bus | None = None) -> FastAPI:
    app = create_app(DEFINITION, settings, bus=bus)
    _document_limits(app)
    return app


def _document_limits(app: FastAPI) -> None:
    """AbuseLimits answers every write with a 429 past its budget and a 413 past the body
    limit, before any route runs: say so on each write the document lists."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for operations in document.get("paths", {}).values():
                for method, operation in operations.items():
                    if method in ("post", "put", "patch", "delete"):
                        responses = operation.setdefault("responses", {})
                        for code, text in LIMIT_ANSWERS.items():
                            responses.setdefault(code, {"description": text, "content": PROBLEM})
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
LIMIT_ANSWERS = {
    "413": "Content Too Large: the body is past the limit",
    "429": "Too Many Requests: see Retry-After",
}
