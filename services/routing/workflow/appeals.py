"""A first-time complaint contested: a new, linked second-time complaint at the direct superior
(Luật Khiếu nại 2011, Điều 33 and 36: a commune's superior is its province)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import CITIZEN
from services.routing.cases.models import CaseStep, RoutedCase
from services.routing.rules.engine import FALLBACK_UNIT
from services.routing.units.registry import UnitRegistry
from services.routing.workflow.service import route
from shared.events import CaseStatus, LateReason
from shared.messaging.outbox import Outbox

APPEAL_RULE = "appeal.superior"
LATE_APPEAL_FLAG = "late_appeal_stated"  # the audit row of a late appeal's stated reason


async def open_second_time(
    session: AsyncSession,
    outbox: Outbox,
    units: UnitRegistry,
    first: RoutedCase,
    *,
    new_case_id: uuid.UUID,
    new_tracking_code: str,
    reason: str,
    received_at: datetime,
    at: datetime,
    late_reason: LateReason | None = None,
) -> RoutedCase:
    """Route the second-time complaint to the superior of the unit that resolved the first."""
    superior = units.superior(first.unit_code)
    if superior is None:
        unit_code, unit_name, province_code = (
            FALLBACK_UNIT,
            "Hàng chờ chưa phân loại",
            FALLBACK_UNIT,
        )
        why = f"không xác định được cấp trên trực tiếp của đơn vị {first.unit_code}"
    else:
        unit_code, unit_name, province_code = (
            superior.code,
            superior.display,
            superior.province_code,
        )
        why = (
            f"khiếu nại lần hai đối với kết quả giải quyết lần đầu của đơn vị {first.unit_code} "
            f"(hồ sơ {first.tracking_code}): thuộc thẩm quyền của cấp trên trực tiếp, {unit_name} "
            "(Luật Khiếu nại 2011, Điều 33)"
        )
    second = RoutedCase(
        id=new_case_id,
        tracking_code=new_tracking_code,
        kind="complaint",
        title=f"Khiếu nại lần hai: {first.title}"[:200],
        description=reason,
        category=first.category,
        location_unit_code=first.location_unit_code,
        unit_code=unit_code,
        first_unit_code=unit_code,
        province_code=province_code,
        status=CaseStatus.submitted.value,
        received_at=received_at,
        rule=APPEAL_RULE if superior else "fallback",
        reason=why,
        appeal_of=first.id,
        publish_consent=first.publish_consent,
    )
    await route(
        session,
        outbox,
        second,
        unit_name=unit_name,
        remote_area=bool(superior and superior.remote),
        data={"rule": second.rule, "unit_code": unit_code, "appeal_of": str(first.id)},
        now=at,
    )
    if late_reason is not None:
        # After the window, with a reason (Khiếu nại Điều 9 khoản 2): taken, flagged for the
        # official, who decides on the reason before accepting (late_appeals.py).
        session.add(
            CaseStep(
                case_id=second.id,
                step=LATE_APPEAL_FLAG,
                actor=CITIZEN,
                at=at,
                from_status=second.status,
                to_status=second.status,
                reason=f"Khiếu nại quá thời hạn, lý do nêu: {late_reason.text}",
                data={"ground": late_reason.ground, "text": late_reason.text},
            )
        )
    return second
