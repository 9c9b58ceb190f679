"""Open311 GeoReport v2 under /open311/v2/, each resource as .json and .xml."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError

from services.intake.attachments import repository as attachments
from services.intake.attachments.service import attach
from services.intake.attachments.storage import AttachmentConfig, storage_of
from services.intake.cases import repository
from services.intake.cases.schemas import CaseCreate
from services.intake.cases.secrets import Cipher, hash_token
from services.intake.cases.service import submit_case
from services.intake.categories.registry import Categories, CategoriesDep
from services.intake.limits.buckets import RateLimits, RateLimitsDep
from services.intake.open311 import service as o311
from services.intake.open311.answers import Open311Route, answer, errors, fmt_of
from services.intake.open311.docs import FORM, UPDATE_FORM, responses
from services.intake.open311.form import Open311Form, read_form
from services.intake.open311.keys import key_is_valid
from services.intake.open311.places import Places, locate, parse_latlong
from services.intake.open311.service import Geography, Open311Error
from services.intake.open311.updates import comment, updates_between
from shared.context import part
from shared.db import Database, DbSession
from shared.geography import AdminMapDep
from shared.kernel import OutboxDep

JURISDICTION = "tiepdan.vn"
SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_MEDIA_URLS = 10

router = APIRouter(prefix="/open311", tags=["open311"], route_class=Open311Route)
Fmt = Annotated[Literal["json", "xml"], Path(description="`json` or `xml`")]
Jurisdiction = Annotated[str | None, Query(description=f"`{JURISDICTION}` or none")]


def _media_base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/open311/v2/media/"


def _check(jurisdiction_id: str | None) -> None:
    if jurisdiction_id not in (None, "", JURISDICTION):
        raise Open311Error(404, f"unknown jurisdiction_id {jurisdiction_id!r}")


def _geography(request: Request) -> Geography:
    places: Places = part(request.app, Places)
    return Geography(places.admin_map, places.centroids)


@router.get("/discovery.{fmt}", responses=responses(200))
async def discovery(fmt: Fmt, request: Request) -> Response:
    """Open311 service discovery."""
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    return answer(
        fmt,
        "discovery",
        {
            "changeset": "2026-12-06T00:00:00+07:00",
            "contact": "tiepdan intake",
            "key_service": "tiepdan open311-key create NAME (ask the operator)",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base,
                    "changeset": "2026-12-06T00:00:00+07:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@router.get("/v2/services.{fmt}", responses=responses(200, 404))
async def list_services(
    fmt: Fmt, categories: CategoriesDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    """Every service type: the case categories that reports and petitions are filed under."""
    _check(jurisdiction_id)
    return answer(fmt, "services", o311.services(categories))


@router.get("/v2/services/{service_code}.{fmt}", responses=responses(200, 404))
async def service_definition(
    service_code: str, fmt: Fmt, categories: CategoriesDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    """A service type's extra attributes."""
    _check(jurisdiction_id)
    category = o311.service(categories, service_code)
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


def _listed(value: str | None, upper: bool = False) -> list[str] | None:
    items = [i.strip().upper() if upper else i.strip() for i in (value or "").split(",")]
    return [i for i in items if i] or None


@router.get("/v2/requests.{fmt}", responses=responses(200, 400, 404))
async def list_requests(
    categories: CategoriesDep,
    fmt: Fmt,
    request: Request,
    session: DbSession,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(description="comma-separated")] = None,
    service_code: Annotated[str | None, Query(description="comma-separated")] = None,
    start_date: Annotated[str | None, Query(description="ISO 8601 with offset")] = None,
    end_date: Annotated[str | None, Query(description="ISO 8601 with offset")] = None,
    status: Annotated[str | None, Query(description="open, closed, or both")] = None,
) -> Response:
    """Service requests, newest first; `service_request_id` overrides the other filters."""
    _check(jurisdiction_id)
    statuses = set(_listed(status) or ())
    if not statuses <= {"open", "closed"}:
        raise Open311Error(400, "status is open, closed, or both comma-separated")
    cases = await o311.find_requests(
        session,
        ids=_listed(service_request_id, upper=True),
        service_codes=_listed(service_code),
        start=_date(start_date, "start_date"),
        end=_date(end_date, "end_date"),
        statuses=statuses or None,
    )
    items = await o311.represent(
        session,
        cases,
        categories,
        _geography(request),
        media_base=_media_base(request),
    )
    return answer(fmt, "service_requests", items)


@router.get("/v2/requests/{service_request_id}.{fmt}", responses=responses(200, 404))
async def one_request(
    categories: CategoriesDep,
    service_request_id: str,
    fmt: Fmt,
    request: Request,
    session: DbSession,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """One service request, as a list of one."""
    _check(jurisdiction_id)
    cases = await o311.find_requests(session, ids=[service_request_id.strip().upper()])
    if not cases:
        raise Open311Error(404, f"no service request {service_request_id}")
    items = await o311.represent(
        session,
        cases,
        categories,
        _geography(request),
        media_base=_media_base(request),
    )
    return answer(fmt, "service_requests", items)


@router.get("/v2/media/{attachment_id}", response_class=Response, responses=responses(404))
async def media(attachment_id: uuid.UUID, request: Request, session: DbSession) -> Response:
    """A public report's photo (the `media_url` of a request)."""
    attachment = await attachments.get(session, attachment_id)
    case = await repository.get(session, attachment.case_id) if attachment else None
    if attachment is None or case is None or not o311.is_public(case):
        raise Open311Error(404, "no such media")
    if not attachment.content_type.startswith("image/"):
        raise Open311Error(404, "no such media")
    data = await storage_of(request.app).get(attachment.object_key)
    return Response(data, media_type=attachment.content_type)


async def _authorised(request: Request, session: DbSession, form: Open311Form) -> None:
    _check(form.get("jurisdiction_id"))
    key = form.get("api_key")
    if not key or not await key_is_valid(session, key):
        raise Open311Error(403, "a valid api_key is required")
    app = request.app  # every request of a key counts, refused ones too
    await part(app, RateLimits)["open311_key"].check_apart(
        hash_token(key), "for this api_key", part(app, Database)
    )


def _media_urls(form: Open311Form) -> list[str]:
    urls = form.all("media_url")
    if len(urls) > MAX_MEDIA_URLS:
        raise Open311Error(400, f"at most {MAX_MEDIA_URLS} media_url values")
    for url in urls:
        if not url.startswith(("http://", "https://")) or len(url) > 500 or " " in url:
            raise Open311Error(400, "media_url must be an http(s) URL of at most 500 characters")
    return urls


def _case_body(request: Request, form: Open311Form) -> CaseCreate:
    app = request.app
    code = form.get("service_code")
    if not code:
        raise Open311Error(400, "service_code is required: see services.json")
    category = o311.service(part(app, Categories), code)
    kind = form.get("attribute[kind]") or "feedback"
    if kind not in o311.LISTED_KINDS or kind not in category.kinds:
        raise Open311Error(400, f"attribute[kind] {kind!r} is not offered for this service")
    description = form.get("description") or category.name_vi
    if len(description) > 4000:
        raise Open311Error(400, "description is limited to 4,000 characters")
    address_id, address_string = form.get("address_id"), form.get("address_string")
    # The point is kept whenever given, also beside an address (the spec's example sends
    # both); the commune comes from the address first.
    latlong = parse_latlong(form.get("lat"), form.get("long"))
    unit_code = locate(part(app, Places), address_id, address_string, latlong)
    point = {"lat": latlong[0], "lon": latlong[1]} if latlong else {}
    name = " ".join(n for n in (form.get("first_name"), form.get("last_name")) if n)
    contact = {"phone": form.get("phone") or None, "email": form.get("email") or None}
    title = form.get("attribute[title]") or f"{category.name_vi}: {description}"
    try:
        return CaseCreate.model_validate(
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


@router.post(
    "/v2/requests.{fmt}", responses=responses(201, 400, 403, 404, 413, 429), openapi_extra=FORM
)
async def create_request(
    attachment_settings: AttachmentConfig,
    outbox: OutboxDep,
    admin_map: AdminMapDep,
    cipher: Cipher,
    categories: CategoriesDep,
    limits: RateLimitsDep,
    fmt: Fmt,
    request: Request,
    session: DbSession,
) -> Response:
    """File a report (form-encoded or multipart with a `media` file; api_key required)."""
    app = request.app
    form = await read_form(request, attachment_settings.max_bytes)
    await _authorised(request, session, form)
    body = _case_body(request, form)
    urls = _media_urls(form)
    _, created = await submit_case(
        session,
        body,
        outbox=outbox,
        admin_map=admin_map,
        cipher=cipher,
        categories=categories,
        idempotency_key=None,
        media_url=urls[0] if urls else None,
        contact_limiter=limits["contact"],
    )
    if len(urls) > 1 or form.media is not None:
        case = await repository.by_tracking_code(session, created["tracking_code"])
        assert case is not None
        if len(urls) > 1:  # every photo FixMyStreet sends; media_url answers the first
            await repository.set_media_urls(session, case.id, urls)
        if form.media is not None:
            await attach(
                session,
                case,
                file=io.BytesIO(form.media),  # read up to the cap by the form, no further
                size=len(form.media),
                filename=form.media_filename,
                config=attachment_settings,
                storage=storage_of(app),
                outbox=outbox,
            )
    return answer(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": created["tracking_code"],
                "service_notice": f"Tra cứu: /v1/cases/{created['tracking_code']}",
                "account_id": form.get("account_id") or None,
            }
        ],
        status=201,
    )


@router.get("/v2/servicerequestupdates.{fmt}", responses=responses(200, 400, 404))
async def list_updates(
    fmt: Fmt,
    session: DbSession,
    jurisdiction_id: Jurisdiction = None,
    start_date: Annotated[str | None, Query(description="ISO 8601 with offset")] = None,
    end_date: Annotated[str | None, Query(description="ISO 8601 with offset")] = None,
) -> Response:
    """FixMyStreet's updates extension: each public step of a request in the window."""
    _check(jurisdiction_id)
    items = await updates_between(
        session, _date(start_date, "start_date"), _date(end_date, "end_date")
    )
    return answer(fmt, "service_request_updates", items)


@router.post(
    "/v2/servicerequestupdates.{fmt}",
    responses=responses(201, 400, 403, 404, 413, 429),
    openapi_extra=UPDATE_FORM,
)
async def post_update(
    outbox: OutboxDep, fmt: Fmt, request: Request, session: DbSession
) -> Response:
    """FixMyStreet's updates extension: a comment on a request the client filed."""
    form = await read_form(request, 0)
    await _authorised(request, session, form)
    missing = [f for f in ("service_request_id", "description") if not form.get(f)]
    if missing:
        raise Open311Error(400, f"{', '.join(missing)} required")
    _date(form.get("updated_datetime"), "updated_datetime")
    urls = _media_urls(form)
    description = form.get("description") or ""
    if len(description) > 4000:
        raise Open311Error(400, "description is limited to 4,000 characters")
    update_id = await comment(
        session,
        outbox,
        service_request_id=form.get("service_request_id") or "",
        description=description,
        media_url=urls[0] if urls else None,
    )
    return answer(fmt, "service_request_updates", [{"update_id": update_id}], status=201)


_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@router.api_route("/{path:path}", methods=_METHODS, include_in_schema=False)
async def elsewhere(path: str, request: Request) -> Response:
    """Whatever no route above answers, still in Open311's error format: a known path with
    another method is a 405 whose Allow lists every method it has, else a 404."""
    fmt = fmt_of(request)
    allowed: set[str] = set()
    for route in router.routes:
        if (
            isinstance(route, APIRoute)
            and route.endpoint is not elsewhere
            and route.path_regex.match(request.url.path)
        ):
            allowed |= route.methods or set()
    if allowed:
        response = errors(fmt, 405, f"{request.method} is not allowed here")
        response.headers["Allow"] = ", ".join(sorted(allowed))
        return response
    return errors(fmt, 404, f"no Open311 resource at /open311/{path}: see /open311/discovery.json")
