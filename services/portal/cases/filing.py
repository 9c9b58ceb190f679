"""Home, the filing form of each kind, and the receipt that shows the token once."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from services.portal import web
from services.portal.cases import forms
from services.portal.labels import KINDS
from services.portal.settings import PortalConfig, PortalSettings
from services.portal.upstream import Api, ApiProblem, Upstream
from shared.context import part

router = APIRouter()
RECEIPT_SECONDS = 600  # the token is shown on the receipt once, within these minutes


@router.get("/")
async def home(request: Request) -> Response:
    return web.render(request, "home.html")


@router.get("/track")
async def track(code: Annotated[str, Query(max_length=40)] = "") -> Response:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return web.see_other(f"/cases/{cleaned}" if cleaned else "/")


@router.get("/lookup/units")
async def lookup_units(
    api: Upstream, q: Annotated[str, Query(max_length=100)] = ""
) -> JSONResponse:
    """Suggestions for the commune field (the form works without them)."""
    if len(q.strip()) < 2:
        return JSONResponse({"items": []})
    api = api
    found = await api.json("intake", "GET", "/v1/units", params={"q": q, "limit": 10})
    return JSONResponse({"items": [{"code": u["code"], "name": u["name"]} for u in found["items"]]})


async def _categories(api: Api, kind: str) -> list[dict[str, Any]]:
    found = await api.json("intake", "GET", "/v1/categories", params={"kind": kind})
    items: list[dict[str, Any]] = found["items"]
    return items


async def _form(
    request: Request,
    kind: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: ApiProblem | None = None,
    choices: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    api = part(request.app, Api)
    response = web.render(
        request,
        "new.html",
        status,
        kind=kind,
        categories=await _categories(api, kind),
        values=values or {"notify_by": "", "language": "vi"},
        errors=errors or {},
        problem=problem,
        choices=choices or [],
        idempotency_key=secrets.token_urlsafe(16),
    )
    if problem is not None and problem.retry_after:
        response.headers["Retry-After"] = problem.retry_after
    return response


@router.get("/cases/new")
async def new_case(request: Request, kind: str = "") -> Response:
    if kind not in KINDS:
        return web.render(request, "home.html", 404 if kind else 200, unknown_kind=kind)
    return await _form(request, kind)


@router.post("/cases/new")
async def file_case(api: Upstream, request: Request, kind: str = "") -> Response:
    form = await request.form()
    web.check_csrf(request, form)
    kind = str(form.get("kind") or kind)
    if kind not in KINDS:
        return web.render(request, "home.html", 404, unknown_kind=kind)
    values = forms.values_of(form)
    api = api
    unit_code, choices = await forms.find_unit(api, values)
    if unit_code is None:
        msg = (
            "Chọn đúng xã, phường trong danh sách · Pick your commune from the list"
            if choices
            else "Không tìm thấy xã, phường này · No commune of that name was found"
        )
        return await _form(
            request, kind, values=values, errors={"commune": msg}, choices=choices, status=422
        )
    idempotency_key = str(form.get("idempotency_key") or "")[:64] or secrets.token_urlsafe(16)
    try:
        created = await api.json(
            "intake",
            "POST",
            "/v1/cases",
            json=forms.case_body(kind, values, unit_code),
            headers={"Idempotency-Key": idempotency_key, **web.forwarded(request)},
        )
    except ApiProblem as problem:
        errors = forms.form_errors(problem.fields)
        return await _form(
            request, kind, values=values, errors=errors, problem=problem, status=problem.status
        )
    code, token = created["tracking_code"], created["access_token"]
    photo_error = await _attach(api, request, code, token, form.get("photo"))
    receipt = {"token": token, "photo_error": photo_error}
    response = web.see_other(f"/cases/{code}/receipt")
    web.set_private_cookie(
        response, request, web.RECEIPT_COOKIE, _pack(receipt), f"/cases/{code}/receipt",
        RECEIPT_SECONDS,
    )  # fmt: skip
    web.set_private_cookie(response, request, web.TOKEN_COOKIE, token, f"/cases/{code}", None)
    return response


async def _attach(api: Api, request: Request, code: str, token: str, photo: Any) -> str | None:
    """Send the photo on to intake; the case is filed even when the photo is refused."""
    if not isinstance(photo, UploadFile):  # the form parser's, not only FastAPI's subclass
        return None
    limit = part(request.app, PortalSettings).max_upload_bytes
    data = await photo.read(limit + 1)
    if not data:
        return None
    if len(data) > limit:
        return web.TOO_LARGE.format(mb=limit // (1024 * 1024))
    try:
        await api.request(
            "intake",
            "POST",
            f"/v1/cases/{code}/attachments",
            files={"file": (photo.filename or "photo", data, photo.content_type)},
            headers={"X-Case-Token": token, **web.forwarded(request)},
        )
    except ApiProblem as problem:
        return problem.detail
    return None


def _pack(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _unpack(value: str) -> dict[str, Any] | None:
    try:
        unpacked = json.loads(base64.urlsafe_b64decode(value.encode()))
    except ValueError:
        return None
    return unpacked if isinstance(unpacked, dict) else None


@router.get("/cases/{tracking_code}/receipt")
async def receipt(settings: PortalConfig, request: Request, tracking_code: str) -> Response:
    """The tracking code and the access token, shown once: the cookie carrying the token
    to this page is removed as it is shown."""
    kept = _unpack(request.cookies.get(web.RECEIPT_COOKIE, ""))
    if not kept or not isinstance(kept.get("token"), str):
        return web.see_other(f"/cases/{tracking_code}")
    response = web.render(
        request,
        "receipt.html",
        code=tracking_code,
        token=kept["token"],
        photo_error=kept.get("photo_error"),
    )
    response.delete_cookie(
        web.RECEIPT_COOKIE, path=f"/cases/{tracking_code}/receipt", httponly=True,
        samesite="strict", secure=settings.secure_cookies,
    )  # fmt: skip
    return response
