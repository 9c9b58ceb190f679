"""What a case's events tell of the case (`TrackedCase`): its code, kind, unit, and the citizen's
contact, channel and language. Both parts of notification's consumer record it, the clocks
and the notices (services/notification/handlers.py), each able to run alone.

When both parts of an event run in one transaction (as they do but for the switch from the
two old consumer groups), the second finds the tracked case as the first merged it, in the
session's `info` under the event's id, rather than merging the same values again or reading
it back: nothing else writes the tracked case in between. A part that runs alone, or the
same event in another transaction (a retry), merges it itself."""

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


def _merged(session: AsyncSession, event: Envelope) -> TrackedCase | None:
    """The tracked case as this event's other part merged it in this transaction, if it did."""
    case: TrackedCase | None = session.info.get(("tracked", event.id))
    return case


def _remember(session: AsyncSession, event: Envelope, case: TrackedCase) -> TrackedCase:
    session.info[("tracked", event.id)] = case
    return case


async def tracked_case(session: AsyncSession, event: Envelope) -> TrackedCase | None:
    """The case `event` is about, as this event's first part merged it, or as stored."""
    return _merged(session, event) or await session.get(TrackedCase, event.case_id)


async def track_submission(session: AsyncSession, event: Envelope, now: datetime) -> TrackedCase:
    """What case.submitted tells of a case: its code, kind, and the citizen's contact, channel
    and language. Both parts of the event record it (the same values): the notices part runs
    alone when the clocks part was done before (services/notification/handlers.py)."""
    if (merged := _merged(session, event)) is not None:
        return merged
    submitted = event.parse(CaseSubmitted)
    case = await repository.merge_tracked(
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
    return _remember(session, event, case)


async def track_routing(session: AsyncSession, event: Envelope, now: datetime) -> TrackedCase:
    """What case.routed tells of a case: where it is, its kind and periods. A second-time
    complaint opened from an appeal has no case.submitted: its citizen is the first-time
    case's, whose contact, channel and language it takes. The notices part records an
    appeal's routing too (the same values), so that the citizen's notice of it finds them
    when it runs alone."""
    if (merged := _merged(session, event)) is not None:
        return merged
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
    return _remember(session, event, case)
