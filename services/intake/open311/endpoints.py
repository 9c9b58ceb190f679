"""Open311 GeoReport v2 under /open311/v2/, each resource as .json and .xml."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError

from services.intake.attachments.models import Attachment
from services.intake.cases.models import Case
from services.intake.cases.schemas import CaseCreate
from services.intake.cases.secrets import hash_token
from services.intake.cases.service import submit_case
from services.intake.open311 import service as o311
from services.intake.open311.keys import key_is_valid
from services.intake.open311.service import Open311Error
from services.intake.open311.xml import render
from shared.db import DbSession
from shared.errors import AppError

JURISDICTION = "tiepdan.vn"
SPEC = "http://wiki.open311.org/GeoReport_v2"


def _fmt(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(render(root, value), status, media_type="text/xml; charset=utf-8")
    body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return Response(body, status, media_type="application/json")


def errors(fmt: str, status: int, description: str) -> Response:
    return answer(fmt, "errors", [{"code": status, "description": description}], status)


class Open311Route(APIRoute):
    """Every failure as Open311's list of {code, description}, in the format asked for."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            fmt = _fmt(request)
            try:
                return await handler(request)
            except Open311Error as exc:
                return errors(fmt, exc.status, exc.description)
            except RequestValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"][1:])
                return errors(fmt, 400, f"{where}: {first['msg']}")
            except AppError as exc:
                status = exc.status if exc.status in (403, 404, 413, 429) else 400
                response = errors(fmt, status, exc.detail)
                response.headers.update(exc.headers or {})
                return response

        return route


router = APIRouter(prefix="/open311", tags=["open311"], route_class=Open311Route)


def _media_base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/open311/v2/media/"


def _check(fmt: str, jurisdiction_id: str | None) -> None:
    if fmt not in ("json", "xml"):
        raise Open311Error(404, f"unknown format {fmt!r}: use .json or .xml")
    if jurisdiction_id not in (None, "", JURISDICTION):
        raise Open311Error(404, f"unknown jurisdiction_id {jurisdiction_id!r}")


@router.get("/discovery.{fmt}")
async def discovery(fmt: str, request: Request) -> Response:
    """Open311 service discovery."""
    _check(fmt, None)
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    return answer(
        fmt,
        "discovery",
        {
            "changeset": "2026-11-22T00:00:00+07:00",
            "contact": "tiepdan intake",
            "key_service": "tiepdan open311-key create NAME (ask the operator)",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base,
                    "changeset": "2026-11-22T00:00:00+07:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@router.get("/v2/services.{fmt}")
async def list_services(fmt: str, request: Request, jurisdiction_id: str | None = None) -> Response:
    """Every service type: the case categories that reports and petitions are filed under."""
    _check(fmt, jurisdiction_id)
    return answer(fmt, "services", o311.services(request.app.state.categories))


@router.get("/v2/services/{service_code}.{fmt}")
async def service_definition(
    service_code: str, fmt: str, request: Request, jurisdiction_id: str | None = None
) -> Response:
    """A service type's extra attributes."""
    _check(fmt, jurisdiction_id)
    category = o311.service(request.app.state.categories, service_code)
    return answer(fmt, "service_definition", o311.definition(category))


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Open311Error(400, f"{name} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise Open311Error(400, f"{name} needs a zone offset")
    return parsed


@router.get("/v2/requests.{fmt}")
async def list_requests(
    fmt: str,
    request: Request,
    session: DbSession,
    jurisdiction_id: str | None = None,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
) -> Response:
    """Service requests, newest first; `service_request_id` overrides the other filters."""
    _check(fmt, jurisdiction_id)
    statuses = {s.strip() for s in status.split(",")} if status else None
    if statuses and not statuses <= {"open", "closed"}:
        raise Open311Error(400, "status is open, closed, or both comma-separated")
    ids = [i.strip().upper() for i in service_request_id.split(",")] if service_request_id else None
    cases = await o311.find_requests(
        session,
        ids=ids,
        service_code=service_code,
        start=_date(start_date, "start_date"),
        end=_date(end_date, "end_date"),
        statuses=statuses,
    )
    items = await o311.represent(
        session, cases, request.app.state.categories, media_base=_media_base(request)
    )
    return answer(fmt, "service_requests", items)


@router.get("/v2/requests/{service_request_id}.{fmt}")
async def one_request(
    service_request_id: str,
    fmt: str,
    request: Request,
    session: DbSession,
    jurisdiction_id: str | None = None,
) -> Response:
    """One service request, as a list of one."""
    _check(fmt, jurisdiction_id)
    cases = await o311.find_requests(session, ids=[service_request_id.strip().upper()])
    if not cases:
        raise Open311Error(404, f"no service request {service_request_id}")
    items = await o311.represent(
        session, cases, request.app.state.categories, media_base=_media_base(request)
    )
    return answer(fmt, "service_requests", items)


@router.get("/v2/media/{attachment_id}", response_class=Response)
async def media(attachment_id: uuid.UUID, request: Request, session: DbSession) -> Response:
    """A public report's photo (the `media_url` of a request)."""
    attachment = await session.get(Attachment, attachment_id)
    case = await session.get(Case, attachment.case_id) if attachment else None
    if attachment is None or case is None or not o311.is_public(case):
        raise Open311Error(404, "no such media")
    if not attachment.content_type.startswith("image/"):
        raise Open311Error(404, "no such media")
    data = await request.app.state.attachment_storage.get(attachment.object_key)
    return Response(data, media_type=attachment.content_type)


@router.post("/v2/requests.{fmt}")
async def create_request(fmt: str, request: Request, session: DbSession) -> Response:
    """File a report (form-encoded, api_key required)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    _check(fmt, fields.get("jurisdiction_id"))
    key = fields.get("api_key") or request.query_params.get("api_key")
    if not key or not await key_is_valid(session, key):
        raise Open311Error(403, "a valid api_key is required")
    state = request.app.state  # every request of a key counts, refused ones too
    await state.rate_limiters["open311_key"].check_apart(
        hash_token(key), "for this api_key", state.database
    )
    category = o311.service(state.categories, fields.get("service_code", ""))
    kind = fields.get("attribute[kind]") or "feedback"
    if kind not in o311.LISTED_KINDS or kind not in category.kinds:
        raise Open311Error(400, f"attribute[kind] {kind!r} is not offered for this service")
    description = fields.get("description") or category.name_vi
    if len(description) > 4000:
        raise Open311Error(400, "description is limited to 4,000 characters")
    media_url = fields.get("media_url") or None
    if media_url and (not media_url.startswith(("http://", "https://")) or len(media_url) > 500):
        raise Open311Error(400, "media_url must be an http(s) URL of at most 500 characters")
    address_id, address_string = fields.get("address_id"), fields.get("address_string")
    # lat/long count only without an address (as before), and are then kept on the case.
    latlong = (
        None
        if address_id or address_string
        else o311.parse_latlong(fields.get("lat"), fields.get("long"))
    )
    unit_code = o311.locate(state.admin_map, address_id, address_string, latlong, state.boundaries)
    point = {"lat": latlong[0], "lon": latlong[1]} if latlong else {}
    name = " ".join(n for n in (fields.get("first_name"), fields.get("last_name")) if n)
    contact = {"phone": fields.get("phone") or None, "email": fields.get("email") or None}
    title = fields.get("attribute[title]") or f"{category.name_vi}: {description}"
    try:
        body = CaseCreate.model_validate(
            {
                "kind": kind,
                "title": title[:200],
                "description": description,
                "category": category.code,
                "location": {"unit_code": unit_code, "address": address_string, **point},
                "submitter": {"full_name": name, **contact} if name else None,
                "channel": "open311",
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Open311Error(400, f"{where}: {first['msg']}") from None
    _, created = await submit_case(
        session,
        body,
        outbox=state.outbox,
        admin_map=state.admin_map,
        cipher=state.identity_cipher,
        categories=state.categories,
        idempotency_key=None,
        media_url=media_url,
        contact_limiter=state.rate_limiters["contact"],
    )
    return answer(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": created["tracking_code"],
                "service_notice": f"Tra cứu: /v1/cases/{created['tracking_code']}",
                "account_id": fields.get("account_id") or None,
            }
        ],
        status=201,
    )
