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
from starlette.routing import Match
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


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method some route answers on the request's path (Starlette names only the
    first partly matching route's): each method asked of the routes, through `matches`."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in HTTP_METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    )


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
_PROBLEM_REF = {"schema": {"$ref": "#/components/schemas/Problem"}}


def declare_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document as the service answers: each 422 (and every declared problem)
    is problem+json, not FastAPI's HTTPValidationError, and a JSON write can be a 400 for a
    malformed body. Open311's routes answer in their own format and declare it themselves."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if path.startswith("/open311/"):
                responses.pop("422", None)
                continue
            if "422" in responses:
                responses["422"] = {
                    "description": "Unprocessable Content: `errors` names each field",
                    "content": {PROBLEM_JSON: _PROBLEM_REF},
                }
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body and "400" not in responses:
                responses["400"] = {
                    "description": "Bad Request: the body is not well-formed JSON",
                    "content": {PROBLEM_JSON: _PROBLEM_REF},
                }
            for response in responses.values():
                content = response.get("content", {})
                if PROBLEM_JSON in content and not content[PROBLEM_JSON]:
                    content[PROBLEM_JSON] = _PROBLEM_REF
    components = schema["components"]["schemas"]
    text = str(schema.get("paths", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"/{unused}'" not in text:
            components.pop(unused, None)
    return schema


def install_error_handlers(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

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
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return problem(
            exc.status_code,
            title,
            str(exc.detail),
            slug=title.lower().replace(" ", "-"),
            headers=headers,
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
