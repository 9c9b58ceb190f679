"""A case by its tracking code: the public view, and the citizen's full view once the
access token is entered (kept in a cookie scoped to the case, never in a URL)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.portal import web
from services.portal.settings import PortalConfig
from services.portal.upstream import Api, ApiProblem, Upstream
from shared.context import part

router = APIRouter(prefix="/cases/{tracking_code}")
CLOSED = frozenset({"resolved", "closed", "rejected", "withdrawn", "appealed"})


def _path(code: str) -> str:
    return f"/cases/{code}"


async def _view(api: Api, code: str, token: str | None) -> dict[str, Any]:
    headers = {"X-Case-Token": token} if token else {}
    view: dict[str, Any] = await api.json("intake", "GET", f"/v1/cases/{code}", headers=headers)
    return view


async def _page(
    request: Request,
    code: str,
    *,
    errors: dict[str, str] | None = None,
    problem: ApiProblem | None = None,
    status: int = 200,
) -> Response:
    api = part(request.app, Api)
    token = request.cookies.get(web.TOKEN_COOKIE)
    try:
        view = await _view(api, code, token)
    except ApiProblem as missing:
        if missing.status == 404:
            return web.render(request, "problem.html", 404, kind="no_case", code=code)
        raise
    if view["tracking_code"] != code:  # typed in lower case, or with spaces
        return web.see_other(_path(view["tracking_code"]))
    full = view.get("messages") is not None
    errors = dict(errors or {})
    if token and not full:
        errors.setdefault("token", "Mã truy cập không đúng · The access token does not match")
    response = web.render(
        request,
        "case.html",
        status,
        case=view,
        full=full,
        closed=view["status"] in CLOSED,
        errors=errors,
        problem=problem,
    )
    if token and not full:
        response.delete_cookie(web.TOKEN_COOKIE, path=_path(code))
    if problem is not None and problem.retry_after:
        response.headers["Retry-After"] = problem.retry_after
    return response


@router.get("")
async def case_page(request: Request, tracking_code: str) -> Response:
    return await _page(request, tracking_code)


@router.post("/token")
async def enter_token(api: Upstream, request: Request, tracking_code: str) -> Response:
    form = await request.form()
    web.check_csrf(request, form)
    token = str(form.get("token") or "").strip()
    view = await _view(api, tracking_code, token or None) if token else {}
    if view.get("messages") is None:
        errors = {"token": "Mã truy cập không đúng · The access token does not match"}
        return await _page(request, tracking_code, errors=errors, status=403)
    response = web.see_other(_path(tracking_code))
    web.set_private_cookie(response, request, web.TOKEN_COOKIE, token, _path(tracking_code), None)
    return response


@router.post("/forget")
async def forget_token(request: Request, tracking_code: str) -> Response:
    web.check_csrf(request, await request.form())
    response = web.see_other(_path(tracking_code))
    response.delete_cookie(web.TOKEN_COOKIE, path=_path(tracking_code))
    return response


async def _act(
    request: Request, code: str, path: str, field: str, **kw: Any
) -> tuple[Response | None, Any]:
    """Send the citizen's step to intake with the case's token; on refusal, the case page
    again with intake's sentence next to `field`."""
    token = request.cookies.get(web.TOKEN_COOKIE)
    if not token:
        errors = {"token": "Nhập mã truy cập trước · Enter the access token first"}
        return await _page(request, code, errors=errors, status=403), None
    api = part(request.app, Api)
    try:
        answer = await api.json(
            "intake",
            "POST",
            f"/v1/cases/{code}/{path}",
            headers={"X-Case-Token": token, **web.forwarded(request)},
            **kw,
        )
    except ApiProblem as problem:
        errors = {field: next(iter(problem.fields.values()), problem.detail)}
        return await _page(
            request, code, errors=errors, problem=problem, status=problem.status
        ), None
    return None, answer


@router.post("/messages")
async def add_message(request: Request, tracking_code: str) -> Response:
    form = await request.form()
    web.check_csrf(request, form)
    text = str(form.get("text") or "").strip()
    failed, _ = await _act(request, tracking_code, "messages", "text", json={"text": text})
    return failed or web.see_other(_path(tracking_code) + "#messages")


@router.post("/rating")
async def rate(request: Request, tracking_code: str) -> Response:
    form = await request.form()
    web.check_csrf(request, form)
    body: dict[str, Any] = {"score": str(form.get("score") or "")}
    comment = str(form.get("comment") or "").strip()
    if comment:
        body["comment"] = comment
    if not body["score"].isdigit():
        errors = {"score": "Chọn từ 1 đến 5 sao · Choose 1 to 5"}
        return await _page(request, tracking_code, errors=errors, status=422)
    body["score"] = int(body["score"])
    failed, _ = await _act(request, tracking_code, "rating", "score", json=body)
    return failed or web.see_other(_path(tracking_code) + "#rating")


@router.post("/appeal")
async def appeal(request: Request, tracking_code: str) -> Response:
    form = await request.form()
    web.check_csrf(request, form)
    reason = str(form.get("reason") or "").strip()
    failed, answer = await _act(request, tracking_code, "appeal", "reason", json={"reason": reason})
    if failed:
        return failed
    # The second-time case is followed under its own code with the same token.
    new_code = answer["new_tracking_code"]
    response = web.see_other(_path(new_code))
    token = request.cookies.get(web.TOKEN_COOKIE, "")
    web.set_private_cookie(response, request, web.TOKEN_COOKIE, token, _path(new_code), None)
    return response


@router.post("/withdraw")
async def withdraw(request: Request, tracking_code: str) -> Response:
    form = await request.form()
    web.check_csrf(request, form)
    reason = str(form.get("reason") or "").strip()
    body = {"reason": reason} if reason else None
    failed, _ = await _act(request, tracking_code, "withdraw", "withdraw", json=body)
    return failed or web.see_other(_path(tracking_code))


@router.post("/photos")
async def add_photo(settings: PortalConfig, request: Request, tracking_code: str) -> Response:
    form = await request.form()
    web.check_csrf(request, form)
    photo = form.get("photo")
    limit = settings.max_upload_bytes
    data = await photo.read(limit + 1) if isinstance(photo, UploadFile) else b""
    if not isinstance(photo, UploadFile) or not data:
        errors = {"photo": "Chọn một tệp ảnh · Choose a photo"}
        return await _page(request, tracking_code, errors=errors, status=422)
    if len(data) > limit:
        errors = {"photo": web.TOO_LARGE.format(mb=limit // (1024 * 1024))}
        return await _page(request, tracking_code, errors=errors, status=413)
    files = {"file": (photo.filename or "photo", data, photo.content_type)}
    failed, _ = await _act(request, tracking_code, "attachments", "photo", files=files)
    return failed or web.see_other(_path(tracking_code) + "#photos")


@router.get("/attachments/{attachment_id}")
async def attachment(
    api: Upstream, request: Request, tracking_code: str, attachment_id: str
) -> Response:
    """The citizen's own photo, fetched with the case's token."""
    token = request.cookies.get(web.TOKEN_COOKIE)
    if not token:
        return web.render(request, "problem.html", 403, kind="csrf")
    api = api
    upstream = await api.request(
        "intake",
        "GET",
        f"/v1/cases/{tracking_code}/attachments/{attachment_id}",
        headers={"X-Case-Token": token},
    )
    media = upstream.headers.get("content-type", "application/octet-stream")
    return Response(upstream.content, media_type=media)
