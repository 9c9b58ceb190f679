"""Open311 GeoReport v2 mapped onto tiepdan's cases (see design/open311.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.models import Case, CaseDeadline
from services.intake.cases.service import published_resolution
from services.intake.categories.registry import Categories, Category
from services.intake.open311 import repository
from services.intake.units.centroids import Centroids
from shared.confidential import public_note
from shared.events import CaseStatus
from shared.geography import AdminMap

# Open311 is for reports about places. Complaints, denunciations and dialogue requests are
# about persons and are never listed; a denunciation never appears at all.
LISTED_KINDS = ("feedback", "petition")
OPEN311_KINDS = {"feedback": "Phản ánh", "petition": "Kiến nghị"}
CLOSED = frozenset(
    {CaseStatus.resolved, CaseStatus.closed, CaseStatus.rejected, CaseStatus.withdrawn}
)
MAX_ROWS, MAX_SPAN = 1000, timedelta(days=90)
OTHER_NAME = "Khác"  # the service_name of a request filed without a category


class Open311Error(Exception):
    def __init__(
        self, status: int, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status, self.description = status, description
        self.headers = headers or {}


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


async def find_requests(
    session: AsyncSession,
    *,
    ids: list[str] | None = None,
    service_codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: set[str] | None = None,
) -> list[Case]:
    if ids is not None:
        return await repository.listed(session, kinds=LISTED_KINDS, limit=MAX_ROWS, ids=ids)
    # The status in SQL, before the row limit: filtered afterwards, `closed` answered [] as
    # soon as 1,000 newer open requests existed.
    return await repository.listed(
        session,
        kinds=LISTED_KINDS,
        limit=MAX_ROWS,
        between=window(start, end),
        categories=service_codes,
        status_in=CLOSED if statuses == {"closed"} else None,
        status_not_in=CLOSED if statuses == {"open"} else None,
    )


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The spec's date window: by default the last 90 days, and at most 90 days long."""
    if start is not None and end is not None and start > end:
        raise Open311Error(400, "start_date is after end_date")
    now = datetime.now(UTC)
    end = end or (min(start + MAX_SPAN, now) if start else now)
    start = start or end - MAX_SPAN
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may be at most 90 days apart")
    return start, end


def open_or_closed(status: str) -> str:
    return "closed" if status in CLOSED else "open"


@dataclass(frozen=True)
class Geography:
    """What a request's public place is drawn from: the units' names and their points."""

    admin_map: AdminMap
    centroids: Centroids


async def represent(
    session: AsyncSession,
    cases: list[Case],
    categories: Categories,
    geography: Geography,
    *,
    media_base: str,
) -> list[dict[str, Any]]:
    ids = [c.id for c in cases]
    deadlines: dict[uuid.UUID, list[CaseDeadline]] = {}
    notes: dict[uuid.UUID, str] = {}
    media: dict[uuid.UUID, str] = {}
    if ids:
        for a in await repository.images_newest_first(session, ids):
            media[a.case_id] = f"{media_base}{a.id}"  # the oldest image wins
        for d in await repository.deadlines_of(session, ids):
            deadlines.setdefault(d.case_id, []).append(d)
        for t in await repository.noted_steps(session, ids):
            notes[t.case_id] = public_note(t.step, t.note) or ""
        for c in cases:  # the resolution's summary: only as the citizen consented (item 5)
            if (published := published_resolution(c)) is not None:
                notes[c.id] = published.summary
    return [
        {
            **_request(c, deadlines.get(c.id, []), notes.get(c.id), media.get(c.id), categories),
            **public_place(c, geography),
        }
        for c in cases
    ]


def is_public(case: Case) -> bool:
    """A report's text, photos and place are public only where the citizen made them so: an
    Open311 report (filed through a public channel by nature), or a case filed with publish
    consent."""
    return case.kind in LISTED_KINDS and (case.channel == "open311" or case.publish_consent)


def public_place(case: Case, geography: Geography) -> dict[str, Any]:
    """`address`, `lat`, `long`: the citizen's own where they consented to publish them, else
    the commune's name and point: often the place is the citizen's home."""
    unit = geography.admin_map.get(case.location_unit_code or "")
    commune = None
    if unit is not None:
        province = geography.admin_map.province_of(unit)
        commune = unit.name if unit is province else f"{unit.name}, {province.name}"
    centroid = geography.centroids.of(case.location_unit_code)
    if is_public(case) and case.lat is not None and case.lon is not None:
        point: tuple[float, float] | None = (case.lat, case.lon)
    else:
        point = centroid
    return {
        "address": (case.address or commune) if is_public(case) else commune,
        "lat": point[0] if point else None,
        "long": point[1] if point else None,
    }


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
        "service_name": category.name_vi if category else OTHER_NAME,
        "service_code": case.category or "other",
        "description": case.description[:4000] if public else None,
        "agency_responsible": case.unit_name,
        "service_notice": None,
        "requested_datetime": case.submitted_at.isoformat(),
        "updated_datetime": case.status_at.isoformat(),
        "expected_datetime": expected.isoformat() if expected else None,
        "address": None,  # see public_place
        "address_id": case.location_unit_code,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": case.media_url or (media if public else None),
    }
