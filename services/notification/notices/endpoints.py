from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.notification.channels.addresses import address_problem
from services.notification.deadlines.repository import tracked_case
from services.notification.notices import repository
from services.notification.notices.delivery import scrub
from services.notification.notices.models import UnitContact
from services.notification.notices.schemas import (
    NotificationPage,
    NotificationRead,
    UnitContactList,
    UnitContactWrite,
)
from services.notification.settings import NotifyConfig
from shared.auth import CurrentPrincipal, Role
from shared.confidential import withheld_from
from shared.db import DbSession
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses
from shared.kernel import SettingsDep
from shared.settings import Environment

router = APIRouter(tags=["notifications"], responses=problem_responses(Unauthorized, Forbidden))


def _staff(principal: CurrentPrincipal) -> None:
    if principal.role not in (Role.admin, Role.supervisor, Role.unit_head, Role.official):
        raise Forbidden("officials only")


@router.get("/v1/notifications", response_model=NotificationPage)
async def delivery_log(
    case_id: uuid.UUID,
    session: DbSession,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    """The delivery log of a case's notices: channel, state, attempts, last error."""
    _staff(principal)
    case = await tracked_case(session, case_id)
    if principal.role is not Role.admin and (
        case is None or principal.unit_code not in (case.unit_code, case.province_code)
    ):
        raise Forbidden(f"case {case_id} is not in unit {principal.unit_code}")
    # A denunciation's notices to the denouncer tell when and how they were reached.
    citizen = not withheld_from(principal, case.kind if case else None)
    rows = await repository.delivery_log(session, case_id, citizen=citizen, limit=limit)
    items = [NotificationRead.model_validate(r, from_attributes=True) for r in rows]
    for item in items:  # errors stored before delivery scrubbed them
        item.last_error = scrub(item.last_error) if item.last_error else item.last_error
    return NotificationPage(items=items)


def _admin(principal: CurrentPrincipal) -> None:
    if principal.role is not Role.admin:
        raise Forbidden("administrators only")


@router.get("/v1/unit-contacts/{unit_code}", response_model=UnitContactList)
async def unit_contacts(
    unit_code: str, session: DbSession, principal: CurrentPrincipal
) -> UnitContactList:
    """Where the unit's officials are notified."""
    _admin(principal)
    rows = await repository.unit_contacts(session, [unit_code])
    return UnitContactList(
        items=[
            UnitContactWrite(channel=r.channel, address=r.address, language=r.language)
            for r in rows
        ]
    )


@router.put(
    "/v1/unit-contacts/{unit_code}",
    response_model=UnitContactList,
    responses=problem_responses(Unprocessable),
)
async def set_unit_contacts(
    unit_code: str,
    body: UnitContactList,
    settings: SettingsDep,
    notify: NotifyConfig,
    session: DbSession,
    principal: CurrentPrincipal,
) -> UnitContactList:
    """Replace the unit's contacts (administrators). A webhook is https (outside development)
    and never a loopback, link-local or private address unless the settings allow it."""
    _admin(principal)
    for index, c in enumerate(body.items):
        problem = c.channel == "webhook" and address_problem(
            c.address,
            https_only=settings.env is not Environment.development,
            allow_private=notify.webhook_allow_private,
        )
        if problem:
            raise Unprocessable.field(["items", index, "address"], f"webhook refused: {problem}")
    await repository.replace_unit_contacts(
        session,
        unit_code,
        [
            UnitContact(
                unit_code=unit_code, channel=c.channel, address=c.address, language=c.language
            )
            for c in body.items
        ],
    )
    return body
