"""Notices caused by case events: officials learn of a new case in their queue; the citizen
is told of every public step, on the channel they chose at intake (e-mail, SMS or none), in
their language. The address is resolved through intake at delivery time; an SMS is the
template's short `sms` text, which for a denunciation is the tracking code only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.deadlines.models import TrackedCase
from services.notification.deadlines.service import NotificationDeps
from services.notification.deadlines.tracking import (
    CITIZEN_CHANNELS,
    notice_channel,
    track_routing,
    track_submission,
    tracked_case,
)
from services.notification.notices.service import (
    Notice,
    queue,
    queue_all,
    queue_step,
)
from shared.events import (
    CASE_ACCEPTED,
    CASE_CLOSED,
    CASE_DECISION_DELIVERED,
    CASE_INFO_REQUESTED,
    CASE_REJECTED,
    CASE_RESOLVED,
    CASE_ROUTED,
    CASE_SUBMITTED,
    CASE_TRANSFERRED,
    CaseSubmitted,
    Envelope,
)
from shared.messaging.consumer import DepsHandler

PUBLIC_STEPS = (
    CASE_ROUTED,
    CASE_TRANSFERRED,
    CASE_ACCEPTED,
    CASE_REJECTED,
    CASE_INFO_REQUESTED,
    CASE_RESOLVED,
    CASE_DECISION_DELIVERED,  # the citizen is told from when the appeal window runs
    CASE_CLOSED,
)


async def on_step(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    data = event.data
    now = deps.now()
    if event.type == CASE_ROUTED and data.get("appeal_of"):
        # A second-time complaint has no case.submitted: it learns its citizen here.
        case: TrackedCase | None = await track_routing(session, event, now)
    else:
        case = await tracked_case(session, event)
    kind = str(data.get("kind", case.kind if case else ""))
    tracking = str(data.get("tracking_code", case.tracking_code if case else ""))
    confidential = kind == "denunciation"
    citizen = None
    if case is not None and case.contact_ref and case.contact_channel in CITIZEN_CHANNELS:
        citizen = Notice(
            case_id=event.case_id,
            audience="citizen",
            channel=case.contact_channel,
            recipient=f"contact:{case.contact_ref}",
            template="case_status",
            language=case.language,
            context={
                "tracking_code": tracking,
                "status": str(data.get("status", event.type)),
                "note": str(data.get("public_note") or ""),
                "confidential": confidential,
            },
            cause=f"status:{event.id}",
        )
    if event.type in (CASE_ROUTED, CASE_TRANSFERRED):
        # The unit's officials and the citizen, in one insert (queue_step).
        await queue_step(
            session,
            units=[str(data.get("unit_code", ""))],
            case_id=event.case_id,
            template="case_queued",
            context={
                "tracking_code": tracking,
                "case_kind": kind,
                "note": "" if confidential else str(data.get("public_note") or ""),
            },
            cause=f"queued:{event.id}",
            citizen=citizen,
            now=now,
        )
    elif citizen is not None:
        await queue_all(session, [citizen], now)


async def on_submitted(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    # "Received": the receipt, with the tracking code, on the citizen's own channel. The
    # contact reference travels in this event; later steps find it on the tracked case.
    submitted = event.parse(CaseSubmitted)
    await track_submission(session, event, deps.now())
    channel = notice_channel(submitted)
    if channel == "none":
        return
    await queue(
        session,
        case_id=event.case_id,
        audience="citizen",
        channel=channel,
        recipient=f"contact:{submitted.contact_ref}",
        template="case_status",
        language=submitted.language,
        context={
            "tracking_code": submitted.tracking_code,
            "status": "submitted",
            "note": "",
            "confidential": submitted.kind == "denunciation",
        },
        cause=f"status:{event.id}",
        now=deps.now(),
    )


HANDLERS: dict[str, DepsHandler[NotificationDeps]] = {
    **dict.fromkeys(PUBLIC_STEPS, on_step),
    CASE_SUBMITTED: on_submitted,
}
