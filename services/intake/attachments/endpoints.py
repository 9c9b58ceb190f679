from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, UploadFile
from fastapi.responses import Response

from services.intake.actions.service import citizen_case
from services.intake.attachments.models import Attachment
from services.intake.attachments.service import PayloadTooLarge, UnsupportedMediaType, attach
from services.intake.cases.schemas import AttachmentRead
from shared.db import DbSession
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/cases/{tracking_code}/attachments", tags=["citizen actions"])
TOKEN = Annotated[str | None, Header(alias="X-Case-Token")]


@router.post(
    "",
    status_code=201,
    response_model=AttachmentRead,
    responses=problem_responses(
        Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable
    ),
)
async def upload(
    tracking_code: str, file: UploadFile, request: Request, session: DbSession, token: TOKEN = None
) -> AttachmentRead:
    """Attach a photo (JPEG, PNG, WebP) or a PDF to the case (multipart field `file`)."""
    state = request.app.state
    case = await citizen_case(session, tracking_code, token)
    # Read one byte past the limit: enough to refuse without holding a huge upload.
    data = await file.read(state.attachment_settings.max_bytes + 1)
    attachment = await attach(
        session,
        case,
        data=data,
        filename=file.filename,
        config=state.attachment_settings,
        storage=state.attachment_storage,
        outbox=state.outbox,
    )
    return AttachmentRead(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
    )


@router.get("/{attachment_id}", responses=problem_responses(Forbidden, NotFound))
async def download(
    tracking_code: str,
    attachment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    token: TOKEN = None,
) -> Response:
    """The citizen's own attachment."""
    case = await citizen_case(session, tracking_code, token)
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound("no such attachment on this case")
    data = await request.app.state.attachment_storage.get(attachment.object_key)
    return Response(data, media_type=attachment.content_type)
