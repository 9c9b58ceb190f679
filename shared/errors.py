"""A small typed error family carrying its HTTP status, rendered as RFC 9457 problem+json."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.outages import is_outage

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_OUTAGE = "5"  # seconds: a restarting PostgreSQL is back within a few
log = logging.getLogger(__name__)


class AppError(Exception):
    status: int = 500
    title: str = "Internal Server Error"
    slug: str = "internal"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers
        self.extra = extra


class BadRequest(AppError):
    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(AppError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not Found", "not-found"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class Unprocessable(AppError):
    status, title, slug = 422, "Unprocessable Content", "validation"

    @classmethod
    def field(cls, loc: Sequence[str | int], msg: str) -> Unprocessable:
        return cls(f"{'.'.join(map(str, loc))}: {msg}", errors=[{"loc": list(loc), "msg": msg}])


class TooManyRequests(AppError):
    status, title, slug = 429, "Too Many Requests", "rate-limited"


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service Unavailable", "unavailable"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://tiepdan.vn/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    if errors is not None:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """For a route's `responses=`, so the OpenAPI document lists the problems it can answer."""
    return {e.status: {"description": e.title, "content": {PROBLEM_JSON: {}}} for e in errors}


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [p for p in err.get("loc", ()) if p != "body"] or list(err.get("loc", ()))
        msg = err.get("msg", "invalid")
        if err.get("type") == "json_invalid":
            at = loc[0] if loc else "?"
            loc = ["body"]
            msg = f"malformed JSON at character {at}: {err.get('ctx', {}).get('error', msg)}"
        out.append({"loc": loc, "msg": msg, "type": err.get("type")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            errors=exc.errors,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
        return problem(422, "Unprocessable Content", detail, slug="validation", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        return problem(
            exc.status_code,
            title,
            str(exc.detail),
            slug=title.lower().replace(" ", "-"),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(
            500, "Internal Server Error", "an unexpected error occurred", slug="internal"
        )


def unavailable() -> JSONResponse:
    return problem(
        503,
        "Service Unavailable",
        "a service this request needs is unavailable; nothing was saved, try again shortly",
        slug="unavailable",
        headers={"Retry-After": RETRY_AFTER_OUTAGE},
    )


class OutageAnswers:
    """A request that meets a dependency outage (its database down, restarting, or no pooled
    connection free in time) is answered 503 problem+json with Retry-After, not 500: the
    client learns nothing was saved (its transaction rolled back) and when to try again, the
    keep-alive connection stays open, and no traceback is logged for a known condition.

    Pure ASGI and outside the service's own middleware (the rate limiter is the first to
    touch the database), inside the metrics middleware (which counts the 503)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def _send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception as exc:
            if started or not is_outage(exc):
                raise
            log.warning(
                "dependency unavailable, answered 503: %s %s: %s",
                scope["method"],
                scope["path"],
                type(exc).__name__,
            )
            await unavailable()(scope, receive, send)
