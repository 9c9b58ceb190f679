from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.intake.actions.service import citizen_case
from services.intake.attachments import repository
from services.intake.attachments.service import (
    UnsupportedMediaType,
    attach,
    may_attach,
)
from services.intake.attachments.storage import AttachmentConfig, storage_of
from services.intake.cases.schemas import AttachmentRead
from services.intake.limits.middleware import PayloadTooLarge
from shared.db import DbSession
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable, problem_responses
from shared.kernel import OutboxDep

router = APIRouter(prefix="/v1/cases/{tracking_code}/attachments", tags=["citizen actions"])
TOKEN = Annotated[str | None, Header(alias="X-Case-Token")]
# The body is read by the endpoint itself (after the token check), so the form is described
# here for the OpenAPI document.
MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=AttachmentRead,
    responses=problem_responses(
        Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable
    ),
    openapi_extra=MULTIPART,
)
async def upload(
    attachment_settings: AttachmentConfig,
    outbox: OutboxDep,
    tracking_code: str,
    request: Request,
    session: DbSession,
    token: TOKEN = None,
) -> AttachmentRead:
    """Attach a photo (JPEG, PNG, WebP) or a PDF to the case (multipart field `file`)."""
    app = request.app
    # Token and case first: a stranger's upload is refused before a byte of it is read.
    case = await citizen_case(session, tracking_code, token)
    await may_attach(session, case, attachment_settings)
    # Then the body, streamed: the form parser spools the file to disk past 1 MB, and the
    # middleware stops the stream at the size cap (services/intake/limits/middleware.py).
    async with request.form(max_files=1, max_fields=8) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise Unprocessable.field(["file"], "a file is required (multipart field `file`)")
        attachment = await attach(
            session,
            case,
            file=file.file,
            size=file.size or 0,
            filename=file.filename,
            config=attachment_settings,
            storage=storage_of(app),
            outbox=outbox,
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
    attachment = await repository.get(session, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound("no such attachment on this case")
    data = await storage_of(request.app).get(attachment.object_key)
    # The type was sniffed on upload; the browser must not guess another (an HTML "photo").
    return Response(
        data,
        media_type=attachment.content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )
