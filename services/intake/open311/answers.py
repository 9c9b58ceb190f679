"""Open311's answers: the resource in the format its extension names, and every failure as
Open311's list of {code, description} (`<errors>` in XML), never problem+json."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from services.intake.open311.service import Open311Error
from services.intake.open311.xml import render
from shared.errors import RETRY_AFTER_OUTAGE, AppError
from shared.outages import is_outage

JSON = "application/json; charset=utf-8"
XML = "text/xml; charset=utf-8"


def fmt_of(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(render(root, value), status, media_type=XML)
    # "replace": a lone surrogate (SQLite can hold one) must not turn the answer into a 500.
    body = json.dumps(value, ensure_ascii=False).encode("utf-8", "replace")
    return Response(body, status, media_type=JSON)


def errors(fmt: str, status: int, description: str) -> Response:
    return answer(fmt, "errors", [{"code": status, "description": description}], status)


class Open311Route(APIRoute):
    """Every failure as Open311's list of {code, description}, in the format asked for."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            fmt = fmt_of(request)
            try:
                return await handler(request)
            except Open311Error as exc:
                response = errors(fmt, exc.status, exc.description)
                response.headers.update(exc.headers)
                return response
            except RequestValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"][1:])
                return errors(fmt, 400, f"{where}: {first['msg']}")
            except AppError as exc:
                status = exc.status if exc.status in (403, 404, 409, 413, 415, 429) else 400
                response = errors(fmt, status, exc.detail)
                response.headers.update(exc.headers or {})
                return response
            except Exception as exc:
                if not is_outage(exc):
                    raise
                # As OutageAnswers would, but in Open311's format: nothing was saved.
                response = errors(fmt, 503, "unavailable for a moment; nothing was saved")
                response.headers["Retry-After"] = RETRY_AFTER_OUTAGE
                return response

        return route
