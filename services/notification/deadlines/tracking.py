"""What a case's events tell of the case (`TrackedCase`): its code, kind, unit, and the citizen's
contact, channel and language. Both parts of notification's consumer record it, the clocks
and the notices (services/notification/handlers.py), each able to run alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import local_date
from services.notification.deadlines import repository
from services.notification.deadlines.models import TrackedCase
from shared.events import CaseRouted, CaseSubmitted, Envelope

# The channels a citizen can choose at intake (notify_by); "none" sends nothing.
CITIZEN_CHANNELS = ("email", "sms")
# What case.routed changes of a case already tracked (its contact stays the citizen's).
ROUTED_UPDATES = (
    *("tracking_code", "kind", "unit_code", "province_code", "received_on"),
    *("second_time", "remote", "updated_at"),
)


def notice_channel(submitted: CaseSubmitted) -> str:
    """The channel of the citizen's notices: the one intake recorded; none without a contact."""
    if not submitted.contact_ref or submitted.contact_channel not in CITIZEN_CHANNELS:
        return "none"
    return submitted.contact_channel


async def track_submission(session: AsyncSession, event: Envelope, now: datetime) -> TrackedCase:
    """What case.submitted tells of a case: its code, kind, and the citizen's contact, channel
    and language. Both parts of the event record it (the same values): the notices part runs
    alone when the clocks part was done before (services/notification/handlers.py)."""
    submitted = event.parse(CaseSubmitted)
    return await repository.merge_tracked(
        session,
        event.case_id,
        {
            "tracking_code": submitted.tracking_code,
            "kind": submitted.kind,
            "unit_code": "",
            "province_code": "",
            "received_on": local_date(submitted.submitted_at),
            "second_time": submitted.appeal_of is not None,
            "remote": False,
            "contact_ref": submitted.contact_ref or None,
            "contact_channel": notice_channel(submitted),
            "language": submitted.language if submitted.language in ("vi", "en") else "vi",
            "updated_at": now,
        },
        updates=("second_time", "contact_ref", "contact_channel", "language"),
    )


async def track_routing(session: AsyncSession, event: Envelope, now: datetime) -> TrackedCase:
    """What case.routed tells of a case: where it is, its kind and periods. A second-time
    complaint opened from an appeal has no case.submitted: its citizen is the first-time
    case's, whose contact, channel and language it takes. The notices part records an
    appeal's routing too (the same values), so that the citizen's notice of it finds them
    when it runs alone."""
    routed = event.parse(CaseRouted)
    case = await repository.merge_tracked(
        session,
        event.case_id,
        {
            "tracking_code": routed.tracking_code,
            "kind": routed.kind,
            "unit_code": routed.unit_code,
            "province_code": routed.province_code,
            "received_on": local_date(routed.received_at),
            "second_time": bool(routed.second_time),
            "remote": routed.remote_area,
            "contact_channel": "email",
            "language": "vi",
            "updated_at": now,
        },
        updates=ROUTED_UPDATES,
    )
    first = await session.get(TrackedCase, routed.appeal_of) if routed.appeal_of else None
    if first is not None and first.contact_ref and not case.contact_ref:
        case.contact_ref, case.contact_channel = first.contact_ref, first.contact_channel
        case.language = first.language
        await session.flush()
    return case
