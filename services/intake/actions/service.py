"""What the citizen does on their case with its token: write, withdraw, rate, appeal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import CITIZEN, SOURCE
from services.intake.actions.models import CaseMessage
from services.intake.cases import repository
from services.intake.cases.models import Case, CaseDeadline, Submitter, TimelineEntry
from services.intake.cases.secrets import (
    new_tracking_code,
    normalise_tracking_code,
    token_matches,
)
from shared.context import provided
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import (
    CaseAppealed,
    CaseMessageAdded,
    CaseRated,
    CaseStatus,
    CaseWithdrawn,
    LateReason,
    new_event,
)
from shared.messaging.outbox import Outbox

WITHDRAWABLE = frozenset(
    {CaseStatus.submitted, CaseStatus.routed, CaseStatus.accepted, CaseStatus.info_requested}
)
NO_MORE_MESSAGES = frozenset({CaseStatus.withdrawn, CaseStatus.closed})
ANSWERED = frozenset({CaseStatus.resolved, CaseStatus.closed})


@dataclass(frozen=True)
class CourtWindow:
    basis: str
    period: str
    text: str


@dataclass(frozen=True)
class AppealPolicy:
    basis: str
    second_time_appealable: bool
    court: CourtWindow | None = None


class AppealPolicies(dict[str, AppealPolicy]):
    """Each case kind's appeal rules (a type of its own, to be found in intake's context)."""


def load_appeal_policies(path: Path | None = None) -> AppealPolicies:
    raw: dict[str, Any] = yaml.safe_load(
        (path or Path(__file__).with_name("appeals.yaml")).read_text(encoding="utf-8")
    )
    return AppealPolicies(
        {
            kind: AppealPolicy(
                basis=values["basis"],
                second_time_appealable=values["second_time_appealable"],
                court=CourtWindow(**values["court"]) if values.get("court") else None,
            )
            for kind, values in raw.items()
        }
    )


async def citizen_case(session: AsyncSession, tracking_code: str, token: str | None) -> Case:
    """The case, locked for writing its events in order; 404 unknown, 403 wrong token."""
    found = await repository.by_tracking_code(session, normalise_tracking_code(tracking_code))
    if found is None:
        raise NotFound(f"no case with tracking code {tracking_code}")
    if token is None or not token_matches(token, found.access_token_hash):
        raise Forbidden("X-Case-Token is missing or does not match this case")
    case = await repository.for_update(session, found.id)
    assert case is not None
    return case


async def add_message(
    session: AsyncSession, case: Case, text: str, outbox: Outbox, to: str = "unit"
) -> CaseMessage:
    if case.status in NO_MORE_MESSAGES:
        raise Conflict(f"the case is {case.status}: no more messages can be added")
    now = datetime.now(UTC)
    message = CaseMessage(id=uuid.uuid4(), case_id=case.id, author=CITIZEN, text=text, at=now)
    session.add(message)
    data = CaseMessageAdded(
        message_id=message.id,
        author=CITIZEN,
        visibility="citizen",
        text=text,
        actor=CITIZEN,
        addressed_to=to,
    )
    await outbox.add(
        session, new_event(CaseMessageAdded.type, source=SOURCE, case_id=case.id, at=now, data=data)
    )
    await session.flush()
    return message


async def withdraw(session: AsyncSession, case: Case, reason: str | None, outbox: Outbox) -> None:
    if case.status not in WITHDRAWABLE:
        raise Conflict(
            f"a case that is {case.status} cannot be withdrawn; "
            f"withdrawal is possible while it is {', '.join(sorted(WITHDRAWABLE))}"
        )
    now = datetime.now(UTC)
    event = new_event(
        CaseWithdrawn.type,
        source=SOURCE,
        case_id=case.id,
        at=now,
        data=CaseWithdrawn(reason=reason),
    )
    _set_status(session, case, CaseStatus.withdrawn, now, event.id, step="withdrawn")
    await outbox.add(session, event)
    await session.flush()


async def rate(
    session: AsyncSession, case: Case, score: int, comment: str | None, outbox: Outbox
) -> None:
    if case.status not in ANSWERED or case.resolved_on is None:
        raise Conflict(f"the case is {case.status}: it can be rated once it is resolved")
    if case.rating_score is not None:
        raise Conflict("this case was already rated")
    case.rating_score, case.rating_comment = score, comment
    now = datetime.now(UTC)
    data = CaseRated(score=score, comment=comment)
    await outbox.add(
        session, new_event(CaseRated.type, source=SOURCE, case_id=case.id, at=now, data=data)
    )
    await session.flush()


def appeal_window(case: Case, deadlines: list[CaseDeadline]) -> tuple[bool, datetime | None]:
    """Whether there is something to contest, and when the window closes (None: open).

    Notification decides the window on the one calendar (its `appeal_window` deadline, from the
    day the complainant received the decision or the day a first-time deadline passed without
    one, Khiếu nại Điều 7, 33); intake reads it and counts nothing itself. A decision not yet
    received, or a window held open for the decision's receipt, is open.
    """
    window = next((d for d in deadlines if d.kind == "appeal_window"), None)
    if window is None:
        return case.resolved_on is not None, None
    if window.state == "paused" or window.due_at is None:
        return True, None
    return True, window.due_at


async def appeal(
    session: AsyncSession,
    case: Case,
    reason: str,
    *,
    outbox: Outbox,
    policies: dict[str, AppealPolicy],
    now: datetime | None = None,
    late_reason: LateReason | None = None,
) -> Case:
    """Contest the resolution: a complaint's appeal opens a second-time complaint."""
    now = now or datetime.now(UTC)
    policy = policies.get(case.kind)
    if policy is None:
        raise Conflict(
            f"a {case.kind} is not appealed: rate the answer, or file a new case "
            "(a denunciation's re-denunciation goes to the superior unit, Luật Tố cáo Điều 37)"
        )
    if case.appealed_as is not None:
        raise Conflict(f"already appealed as {case.appealed_as}")
    if case.appeal_of is not None and not policy.second_time_appealable:
        raise Conflict(
            "a second-time complaint's decision is contested in court, not by appeal "
            f"({policy.basis})"
        )
    if case.status in (CaseStatus.withdrawn, CaseStatus.rejected):
        raise Conflict(f"the case is {case.status}: there is no resolution to contest")
    contestable, closes_at = appeal_window(case, await repository.deadlines(session, case.id))
    if not contestable:
        raise Conflict(
            f"the case is {case.status}: it can be appealed once resolved, or once the "
            f"deadline to accept or resolve it passed without a decision ({policy.basis})"
        )
    late = closes_at is not None and now > closes_at
    if late and late_reason is None:
        assert closes_at is not None
        raise Conflict(
            f"the appeal window closed at {closes_at.isoformat()} ({policy.basis}: from the "
            "day the decision was received, or the deadline passed without one); an appeal "
            "kept late by illness, disaster, work or study far away or another objective "
            "obstacle is taken with that reason stated in late_reason (Điều 9 khoản 2)"
        )
    second = await _second_time_case(session, case, reason, now)
    event = new_event(
        CaseAppealed.type,
        source=SOURCE,
        case_id=case.id,
        at=now,
        data=CaseAppealed(
            reason=reason,
            new_case_id=second.id,
            new_tracking_code=second.tracking_code,
            # Late with a reason: opened all the same, for the official to decide on it.
            late_reason=late_reason if late else None,
        ),
    )
    case.appealed_as = second.tracking_code
    _set_status(session, case, CaseStatus.appealed, now, event.id, step="appealed")
    await outbox.add(session, event)
    await session.flush()
    return second


async def _second_time_case(session: AsyncSession, case: Case, reason: str, now: datetime) -> Case:
    """The read model's row for the case routing opens from the appeal, so the citizen can
    follow it with the same token; routing's events about it find it here."""
    target = dict(case.target or {})
    if case.resolution and case.resolution.get("decision_ref"):
        target["decision_ref"] = case.resolution["decision_ref"]
    second = Case(
        id=uuid.uuid4(),
        tracking_code=new_tracking_code(),
        access_token_hash=case.access_token_hash,
        kind=case.kind,
        title=f"Khiếu nại lần hai: {case.title}"[:200],
        description=reason,
        category=case.category,
        location_unit_code=case.location_unit_code,
        address=case.address,
        lat=case.lat,
        lon=case.lon,
        target=target or None,
        publish_consent=case.publish_consent,
        channel=case.channel,
        submitted_at=now,
        status=CaseStatus.submitted.value,
        status_at=now,
        appeal_of=case.id,
    )
    session.add(second)
    submitter = await session.get(Submitter, case.id)
    if submitter is not None:
        session.add(Submitter(case_id=second.id, ciphertext=submitter.ciphertext))
    session.add(
        TimelineEntry(
            event_id=uuid.uuid4(),
            case_id=second.id,
            at=now,
            status=CaseStatus.submitted.value,
            step="received",
        )
    )
    return second


def _set_status(
    session: AsyncSession,
    case: Case,
    status: CaseStatus,
    at: datetime,
    event_id: uuid.UUID,
    *,
    step: str,
) -> None:
    case.status, case.status_at = status.value, at
    session.add(
        TimelineEntry(event_id=event_id, case_id=case.id, at=at, status=status.value, step=step)
    )


AppealPoliciesDep = Annotated[AppealPolicies, provided(AppealPolicies)]
