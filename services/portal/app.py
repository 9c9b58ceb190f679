"""The portal: the public web face of tiepdan, on intake's and routing's public HTTP API.

It owns no data. Pages are rendered on the server and every core flow works without
JavaScript: forms post and redirect.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal import web
from services.portal.cases import filing, tracking
from services.portal.context import PortalContext
from services.portal.metrics import PortalMetrics
from services.portal.settings import PortalSettings
from services.portal.units import endpoints as units
from services.portal.upstream import Api, ApiProblem, Unavailable, Upstream
from shared.context import install, part
from shared.metrics import HttpMetricsMiddleware

log = logging.getLogger(__name__)
PORT = 8000
operations = APIRouter()


@operations.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok", "service": "portal"}


@operations.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus' scrape (in-cluster only: the Ingress routes the portal's pages, not this)."""
    registry = part(request.app, PortalMetrics).registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


@operations.get("/readyz", include_in_schema=False)
async def readyz(api: Upstream) -> JSONResponse:
    api = api
    checks = {name: "ok" if await api.ping(name) else "unavailable" for name in api.clients}
    ready = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, 200 if ready else 503)


async def _unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Unavailable)
    log.warning("upstream unavailable: %s", exc.service)
    return web.render(request, "problem.html", 503, kind="unavailable", service=exc.service)


async def _csrf(request: Request, exc: Exception) -> Response:
    return web.render(request, "problem.html", 403, kind="csrf")


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    response = web.render(request, "problem.html", exc.status, kind="api", problem=exc)
    if exc.retry_after:
        response.headers["Retry-After"] = exc.retry_after
    return response


async def _http(request: Request, exc: Exception) -> Response:
    """The portal's own refusals (no such page, a form sent with GET...) as pages."""
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 422
    if status == 404:
        return web.render(request, "problem.html", 404, kind="not_found")
    detail = "Yêu cầu không hợp lệ · The request is not valid"
    return web.render(
        request, "problem.html", status, kind="api", problem=ApiProblem(status, detail)
    )


def create_portal_app(settings: PortalSettings, *, api: Api | None = None) -> FastAPI:
    metrics = api.metrics if api is not None else PortalMetrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context = PortalContext(settings, metrics, api or Api.from_settings(settings, metrics))
        install(app, context)
        try:
            yield
        finally:
            if api is None:
                await context.api.close()

    app = FastAPI(
        title="tiepdan portal",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # pages, not an API: intake and routing publish theirs
    )
    app.middleware("http")(web.security_headers)
    # Outermost: counts every answer, the pages the exception handlers render included.
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    app.add_exception_handler(Unavailable, _unavailable)
    app.add_exception_handler(web.CsrfFailed, _csrf)
    app.add_exception_handler(ApiProblem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _http)
    app.mount("/static", StaticFiles(directory=web.HERE / "static"), name="static")
    for router in (operations, filing.router, tracking.router, units.router):
        app.include_router(router)
    return app
