from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from services.intake.cases.secrets import Cipher
from services.intake.identity.schemas import ContactsAsked, ContactsFound
from services.intake.identity.service import read_submitter, resolve_contact, resolve_contacts
from shared.auth import CurrentPrincipal, InternalCaller
from shared.db import DbSession
from shared.errors import Forbidden, NotFound, Unauthorized, problem_responses

router = APIRouter(prefix="/v1/cases", tags=["officials"])


@router.get(
    "/{case_id}/submitter",
    responses=problem_responses(Unauthorized, Forbidden, NotFound),
)
async def submitter_identity(
    case_id: uuid.UUID, cipher: Cipher, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """The submitter's identity, for officials of the responsible unit; every read logged."""
    return await read_submitter(session, case_id, principal, cipher)


internal = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[InternalCaller])


@internal.get("/contacts/{ref}", include_in_schema=False)
async def contact(ref: str, cipher: Cipher, session: DbSession) -> dict[str, str]:
    """For the notification service only (keep /internal off the public ingress): the
    citizen's address per channel, by the opaque reference in case.submitted."""
    return await resolve_contact(session, ref, cipher)


@internal.post("/contacts", include_in_schema=False)
async def contacts(asked: ContactsAsked, cipher: Cipher, session: DbSession) -> ContactsFound:
    """Several references at once, for a delivery's claim of notices: the addresses of the
    known ones (an unknown reference is left out), each read logged."""
    return ContactsFound(contacts=await resolve_contacts(session, asked.refs, cipher))
