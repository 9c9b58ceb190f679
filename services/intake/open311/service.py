"""Open311 GeoReport v2 mapped onto tiepdan's cases (see design/open311.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.attachments.models import Attachment
from services.intake.cases.models import Case, CaseDeadline, TimelineEntry
from services.intake.cases.view import published_resolution
from services.intake.categories.registry import Categories, Category
from services.intake.units.boundaries import Boundaries
from shared.confidential import public_note
from shared.geography import AdminMap, Level

# Open311 is for reports about places. Complaints, denunciations and dialogue requests are
# about persons and are never listed; a denunciation never appears at all.
LISTED_KINDS = ("feedback", "petition")
OPEN311_KINDS = {"feedback": "Phản ánh", "petition": "Kiến nghị"}
CLOSED = frozenset({"resolved", "closed", "rejected", "withdrawn"})
MAX_ROWS, MAX_SPAN = 1000, timedelta(days=90)


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def services(categories: Categories) -> list[dict[str, Any]]:
    return [
        {
            "service_code": c.code,
            "service_name": c.name_vi,
            "description": c.name_en,
            "metadata": True,
            "type": "realtime",
            "keywords": ", ".join(c.keywords),
            "group": "feedback",
        }
        for c in _open311_categories(categories)
    ]


def _open311_categories(categories: Categories) -> list[Category]:
    return [c for c in categories.items if set(c.kinds) & set(LISTED_KINDS)]


def service(categories: Categories, code: str) -> Category:
    found = categories.get(code)
    if found is None or found not in _open311_categories(categories):
        raise Open311Error(404, f"service_code {code!r} is not a service: see services.json")
    return found


def definition(category: Category) -> dict[str, Any]:
    kinds = [k for k in LISTED_KINDS if k in category.kinds]
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "feedback (phản ánh) unless chosen otherwise",
                "order": 1,
                "description": "Loại yêu cầu / kind of request",
                "values": [{"key": k, "name": OPEN311_KINDS[k]} for k in kinds],
            },
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": "up to 200 characters",
                "order": 2,
                "description": "Tiêu đề / a short title",
                "values": [],
            },
        ],
    }


def locate(
    admin_map: AdminMap,
    address_id: str | None,
    address_string: str | None,
    latlong: tuple[float, float] | None,
    boundaries: Boundaries | None = None,
) -> str:
    """The commune code: address_id when it is one, else the address matched by name, else
    the commune containing lat/long (with a boundaries file)."""
    if address_id:
        unit = admin_map.get(address_id.strip())
        if unit is None or unit.level is not Level.commune:
            raise Open311Error(400, f"address_id {address_id!r} is not a commune code")
        return unit.code
    if address_string:
        return _commune_named(admin_map, address_string)
    if latlong is not None:
        if boundaries is None:
            raise Open311Error(
                400,
                "lat/long cannot be placed in a commune: no boundaries file is configured; "
                "send address_id (a commune code) or address_string",
            )
        code = boundaries.commune_at(*latlong)
        if code is None:
            raise Open311Error(
                400,
                f"lat/long {latlong[0]}, {latlong[1]} lies in no known commune; "
                "send address_id (a commune code) or address_string",
            )
        return code
    raise Open311Error(400, "a location is required: address_id, address_string or lat/long")


def _commune_named(admin_map: AdminMap, address: str) -> str:
    # Read as written ("street, commune, province"); else the most specific tail of the
    # address whose words name one commune ("Cai Kinh Lạng Sơn", no commas).
    hits = admin_map.communes_in_address(address)
    if not hits:
        parts = [p.strip() for p in address.split(",") if p.strip()]
        for start in range(len(parts)):
            if start == len(parts) - 1 and admin_map.is_province_name(parts[start]):
                break  # only the province is left: it names no commune
            query = ", ".join(parts[start:])
            hits = [u for u in admin_map.search(query, limit=50) if u.level is Level.commune]
            if len(hits) > 1 and start == 0:
                hits = hits[:1]  # every word matched: the shortest such name is meant
            if hits:
                break
    if len(hits) == 1:
        return hits[0].code
    if hits:
        names = "; ".join(f"{u.name} ({u.code})" for u in hits[:5])
        raise Open311Error(
            400,
            f"address_string matches several communes ({names}): write the commune with "
            "its diacritics and province, or send address_id",
        )
    raise Open311Error(400, f"address_string {address!r} names no known commune")


def parse_latlong(lat: str | None, long: str | None) -> tuple[float, float] | None:
    """lat and long as numbers (WGS 84 degrees), or None when either is missing."""
    if not (lat and long):
        return None
    try:
        point = float(lat), float(long)
    except ValueError:
        raise Open311Error(400, "lat and long must be decimal degrees (WGS 84)") from None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise Open311Error(400, "lat and long must be decimal degrees (WGS 84)")
    return point


async def find_requests(
    session: AsyncSession,
    *,
    ids: list[str] | None = None,
    service_code: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: set[str] | None = None,
) -> list[Case]:
    query = select(Case).where(Case.kind.in_(LISTED_KINDS))
    if ids is not None:
        query = query.where(Case.tracking_code.in_(ids))
    else:
        end = end or datetime.now(UTC)
        start = start or end - MAX_SPAN
        if end - start > MAX_SPAN:
            raise Open311Error(400, "start_date and end_date may be at most 90 days apart")
        query = query.where(Case.submitted_at >= start, Case.submitted_at <= end)
        if service_code:
            query = query.where(Case.category == service_code)
    rows = list(
        (await session.execute(query.order_by(Case.submitted_at.desc()).limit(MAX_ROWS))).scalars()
    )
    if ids is None and statuses:
        rows = [r for r in rows if open_or_closed(r.status) in statuses]
    return rows


def open_or_closed(status: str) -> str:
    return "closed" if status in CLOSED else "open"


async def represent(
    session: AsyncSession, cases: list[Case], categories: Categories, *, media_base: str
) -> list[dict[str, Any]]:
    ids = [c.id for c in cases]
    deadlines: dict[uuid.UUID, list[CaseDeadline]] = {}
    notes: dict[uuid.UUID, str] = {}
    media: dict[uuid.UUID, str] = {}
    if ids:
        images = select(Attachment).where(
            Attachment.case_id.in_(ids), Attachment.content_type.like("image/%")
        )
        for a in (await session.execute(images.order_by(Attachment.created_at.desc()))).scalars():
            media[a.case_id] = f"{media_base}{a.id}"  # the oldest image wins
        for d in (
            await session.execute(select(CaseDeadline).where(CaseDeadline.case_id.in_(ids)))
        ).scalars():
            deadlines.setdefault(d.case_id, []).append(d)
        timeline = select(TimelineEntry).where(
            TimelineEntry.case_id.in_(ids), TimelineEntry.note.is_not(None)
        )
        for t in (await session.execute(timeline.order_by(TimelineEntry.at))).scalars():
            notes[t.case_id] = public_note(t.step, t.note) or ""
        for c in cases:  # the resolution's summary: only as the citizen consented (item 5)
            if (published := published_resolution(c)) is not None:
                notes[c.id] = published.summary
    return [
        _request(c, deadlines.get(c.id, []), notes.get(c.id), media.get(c.id), categories)
        for c in cases
    ]


def is_public(case: Case) -> bool:
    """A report's text and photos are public only where the citizen made them so: an Open311
    report (a public channel by nature), or a case filed with publish consent."""
    return case.kind in LISTED_KINDS and (case.channel == "open311" or case.publish_consent)


def _request(
    case: Case,
    deadlines: list[CaseDeadline],
    note: str | None,
    media: str | None,
    categories: Categories,
) -> dict[str, Any]:
    category = categories.get(case.category) if case.category else None
    due = {d.kind: d.due_at for d in deadlines if d.due_at is not None}
    expected = due.get("resolve") or due.get("answer")
    public = is_public(case)
    return {
        "service_request_id": case.tracking_code,
        "status": open_or_closed(case.status),
        "status_notes": note,
        "service_name": category.name_vi if category else None,
        "service_code": case.category or "other",
        "description": case.description[:4000] if public else None,
        "agency_responsible": case.unit_name,
        "service_notice": None,
        "requested_datetime": case.submitted_at.isoformat(),
        "updated_datetime": case.status_at.isoformat(),
        "expected_datetime": expected.isoformat() if expected else None,
        "address": case.address,
        "address_id": case.location_unit_code,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": case.media_url or (media if public else None),
    }
