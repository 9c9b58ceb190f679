"""What every page shares: templates, security headers, CSRF, the case-token cookie."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from services.portal import labels
from services.portal.settings import PortalSettings
from shared.context import part
from shared.dates import LOCAL_TZ

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TOO_LARGE = "Tệp quá lớn (tối đa {mb} MB) · The file is too large (at most {mb} MB)"
CSRF_COOKIE = "portal_csrf"
TOKEN_COOKIE = "case_token"
RECEIPT_COOKIE = "case_receipt"
# Everything from the portal itself: no CDN, no inline script or style, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _local(value: str | datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if not value:
        return "—"
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.astimezone(LOCAL_TZ).strftime(fmt) if at.tzinfo else at.strftime(fmt)


TEMPLATES.env.globals.update(labels=labels, label=labels.label)
TEMPLATES.env.filters["local"] = _local
TEMPLATES.env.filters["day"] = lambda v: _local(v, "%d/%m/%Y")


class CsrfFailed(Exception):
    """A form came without the token this browser was given (or from another site)."""


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, name, {"csrf": request.state.csrf, **context}, status_code=status
    )


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def forwarded(request: Request) -> dict[str, str]:
    """The citizen's address, passed on to intake for its per-client limits (without it every
    citizen would count as the portal, one budget for all). Intake reads `X-Real-IP` when it
    sits behind the Kubernetes ingress (TIEPDAN_LIMITS_CLIENT_IP_HEADER) and the
    `X-Forwarded-For` entry one hop from the right when it trusts the portal as a proxy
    (TIEPDAN_LIMITS_TRUSTED_HOPS=1): the portal sends both, with the same address."""
    header = part(request.app, PortalSettings).client_ip_header
    given = request.headers.get(header, "").split(",")[-1].strip() if header else ""
    citizen = given or (request.client.host if request.client else "unknown")
    return {"X-Real-IP": citizen, "X-Forwarded-For": citizen}


def check_csrf(request: Request, form: FormData) -> None:
    sent = form.get("csrf")
    kept = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not kept or not hmac.compare_digest(sent, kept):
        raise CsrfFailed


def set_private_cookie(
    response: Response, request: Request, name: str, value: str, path: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=part(request.app, PortalSettings).secure_cookies,
    )


class _Problem:
    def __init__(self, detail: str) -> None:
        self.detail, self.retry_after = detail, None


def _too_large(request: Request) -> bool:
    """A body past the photo limit and room for the form's text: refused before it is read
    (the parser would spool it to the pod's small /tmp)."""
    length = request.headers.get("content-length", "")
    limit = part(request.app, PortalSettings).max_upload_bytes + 256 * 1024
    return length.isdigit() and int(length) > limit


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """CSP and friends on every answer; a CSRF cookie for browsers that have none; pages
    under /cases/ (which may carry the case's token) are never stored."""
    kept = request.cookies.get(CSRF_COOKIE)
    fresh = None if kept and len(kept) == 43 else secrets.token_urlsafe(32)
    request.state.csrf = kept if fresh is None else fresh
    if _too_large(request):
        mb = part(request.app, PortalSettings).max_upload_bytes // (1024 * 1024)
        response: Response = render(
            request, "problem.html", 413, kind="api", problem=_Problem(TOO_LARGE.format(mb=mb))
        )
    else:
        response = await call_next(request)
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    path = request.url.path
    if path.startswith("/static/"):
        headers.setdefault("Cache-Control", "public, max-age=3600")
    elif path.startswith("/cases") or fresh is not None or request.method != "GET":
        headers["Cache-Control"] = "no-store"
    else:
        headers.setdefault("Cache-Control", "private, max-age=60")
    if fresh is not None and not path.startswith("/static/"):
        set_private_cookie(response, request, CSRF_COOKIE, fresh, "/", None)
    return response
