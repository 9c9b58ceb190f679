"""Attaching a file to a case: size and type checked on the bytes, stored, announced."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import CITIZEN, SOURCE
from services.intake.actions.models import CaseMessage
from services.intake.attachments import repository
from services.intake.attachments.models import Attachment
from services.intake.attachments.storage import AttachmentSettings, ObjectStorage
from services.intake.cases.models import Case
from services.intake.limits.middleware import PayloadTooLarge
from shared.errors import AppError, Conflict, Unprocessable
from shared.events import CaseMessageAdded, CaseStatus, new_event
from shared.messaging.outbox import Outbox

CLOSED = frozenset({CaseStatus.withdrawn, CaseStatus.closed})
# The declared type is not trusted: the first bytes say what a file is.
SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("application/pdf", b"%PDF-", 0),
    ("image/webp", b"WEBP", 8),
)
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/pdf": "pdf",
    "image/webp": "webp",
}


class UnsupportedMediaType(AppError):
    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


def sniff(data: bytes) -> str | None:
    for content_type, magic, offset in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return content_type
    return None


def safe_filename(name: str | None, content_type: str) -> str:
    stem = re.sub(r"[^\w.\- ]+", "_", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    return (stem.strip(" .") or f"file.{EXTENSIONS[content_type]}")[:255]


async def may_attach(session: AsyncSession, case: Case, config: AttachmentSettings) -> None:
    """What refuses an upload before its body is read: a closed case, a full one."""
    if case.status in CLOSED:
        raise Conflict(f"the case is {case.status}: nothing more can be attached")
    if await repository.count(session, case.id) >= config.max_per_case:
        raise Conflict(f"a case may have at most {config.max_per_case} attachments")


async def attach(
    session: AsyncSession,
    case: Case,
    *,
    file: BinaryIO,
    size: int,
    filename: str | None,
    config: AttachmentSettings,
    storage: ObjectStorage,
    outbox: Outbox,
) -> Attachment:
    """Store `file` (a spooled upload, never read whole into memory here) and announce it."""
    await may_attach(session, case, config)
    if size > config.max_bytes:
        raise PayloadTooLarge(f"a file may be at most {config.max_bytes} bytes")
    if not size:
        raise Unprocessable.field(["file"], "the file is empty")
    file.seek(0)
    content_type = sniff(file.read(16))
    if content_type is None:
        raise UnsupportedMediaType(
            "accepted files: JPEG, PNG or WebP images and PDF documents",
            accepted=[t for t, _, _ in SIGNATURES],
        )
    file.seek(0)
    attachment_id = uuid.uuid4()
    key = f"{case.id}/{attachment_id}.{EXTENSIONS[content_type]}"
    # Stored before the row commits: a crash leaves an orphan object, never a dangling row.
    await storage.put(key, file, content_type)
    now = datetime.now(UTC)
    attachment = Attachment(
        id=attachment_id,
        case_id=case.id,
        object_key=key,
        filename=safe_filename(filename, content_type),
        content_type=content_type,
        size=size,
        created_at=now,
    )
    session.add(attachment)
    # The upload is a message in the conversation too, so the officials hear of it.
    message = CaseMessage(
        id=uuid.uuid4(),
        case_id=case.id,
        author=CITIZEN,
        text=f"Tệp đính kèm: {attachment.filename}",
        at=now,
    )
    session.add(message)
    data_event = CaseMessageAdded(
        message_id=message.id,
        author=CITIZEN,
        visibility="citizen",
        text=message.text,
        actor=CITIZEN,
        attachments=[key],
    )
    await outbox.add(
        session,
        new_event(CaseMessageAdded.type, source=SOURCE, case_id=case.id, at=now, data=data_event),
    )
    await session.flush()
    return attachment
