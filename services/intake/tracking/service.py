"""The case as the public sees it, and as the citizen sees it with the case's token: its
status, timeline and deadlines, and for the citizen the conversation, attachments and the
time to sue. Above the cases, the citizen's actions and the attachments it shows."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.actions.repository import messages
from services.intake.actions.service import CourtWindow
from services.intake.attachments import repository as attachments
from services.intake.cases import repository
from services.intake.cases.models import Case, Submitter
from services.intake.cases.schemas import (
    AttachmentRead,
    CasePublic,
    CourtWindowRead,
    DeadlineRead,
    MessageRead,
    RatingRead,
    TimelineRead,
    UnitRef,
)
from services.intake.cases.secrets import IdentityCipher
from services.intake.cases.service import published_resolution, resolution_of
from services.intake.categories.schemas import CaseKind
from shared.confidential import public_note
from shared.dates import LOCAL_TZ


def court_window(case: Case, court: CourtWindow | None) -> CourtWindowRead | None:
    """A resolved complaint's time to sue (Tố tụng hành chính Điều 116): a limit on the
    citizen, shown with where to compute its end on the one calendar, never timed here."""
    resolution = resolution_of(case)
    if court is None or case.kind != CaseKind.complaint or resolution is None:
        return None
    calculator = None
    if resolution.received_on is not None:
        query = {
            "kind": "complaint",
            "step": "court_window",
            "received": case.submitted_at.astimezone(LOCAL_TZ).date().isoformat(),
            "start": resolution.received_on.isoformat(),
            "attempt": "second" if case.appeal_of else "first",
        }
        calculator = f"/v1/deadlines/preview?{urlencode(query)}"
    return CourtWindowRead(
        basis=court.basis,
        period=court.period,
        text=court.text,
        runs_from=resolution.received_on,
        calculator=calculator,
    )


async def build_view(
    session: AsyncSession,
    case: Case,
    *,
    full: bool,
    cipher: IdentityCipher,
    court: CourtWindow | None = None,
) -> CasePublic:
    view = CasePublic(
        tracking_code=case.tracking_code,
        kind=CaseKind(case.kind),
        status=case.status,
        submitted_at=case.submitted_at,
        deadlines=[
            DeadlineRead(kind=d.kind, due_at=d.due_at, state=d.state, basis=d.basis)
            for d in await repository.deadlines(session, case.id)
        ],
    )
    if case.kind == CaseKind.denunciation and not full:
        return view  # a denunciation's public view: status and deadlines only
    view.category = case.category
    if case.unit_code and case.unit_name:
        view.unit = UnitRef(code=case.unit_code, name=case.unit_name)
    view.timeline = [
        TimelineRead(status=t.status, step=t.step, at=t.at, note=public_note(t.step, t.note))
        for t in await repository.timeline(session, case.id)
    ]
    view.resolution = resolution_of(case) if full else published_resolution(case)
    if not full:
        return view
    view.title, view.description, view.dialogue = case.title, case.description, case.dialogue
    submitter = await session.get(Submitter, case.id)
    if submitter is not None:
        view.submitter = cipher.decrypt(submitter.ciphertext)
    view.messages = [
        MessageRead(id=m.id, author=m.author, text=m.text, at=m.at)
        for m in await messages(session, case.id)
    ]
    view.attachments = [
        AttachmentRead(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size)
        for a in await attachments.of_case(session, case.id)
    ]
    view.court_window = court_window(case, court)
    if case.rating_score is not None:
        view.rating = RatingRead(score=case.rating_score, comment=case.rating_comment)
    if case.appeal_of is not None:
        first = await session.get(Case, case.appeal_of)
        view.appeal_of = first.tracking_code if first else None
    view.appealed_as = case.appealed_as
    return view
