"""A first-time complaint contested: a new, linked second-time complaint at the direct superior
(Luật Khiếu nại 2011, Điều 33 and 36: a commune's superior is its province)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import CaseStep, RoutedCase
from services.routing.rules.engine import FALLBACK_UNIT
from services.routing.units.registry import UnitRegistry
from services.routing.workflow.service import SOURCE, SYSTEM_ACTOR
from shared.events import CASE_ROUTED, CaseRouted, LateReason, new_event
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
        status="routed",
        received_at=received_at,
        rule=APPEAL_RULE if superior else "fallback",
        reason=why,
        appeal_of=first.id,
        publish_consent=first.publish_consent,
    )
    session.add(second)
    routed = new_event(
        CASE_ROUTED,
        source=SOURCE,
        case_id=second.id,
        at=at,
        data=CaseRouted(
            tracking_code=second.tracking_code,
            kind=second.kind,
            received_at=received_at,
            unit_code=unit_code,
            unit_name=unit_name,
            province_code=province_code,
            rule=second.rule,
            reason=why,
            actor=SYSTEM_ACTOR,
            public_note=why,
            remote_area=bool(superior and superior.remote),
            second_time=True,  # Khiếu nại Điều 36-37: its own, longer periods
            appeal_of=first.id,
        ),
    )
    session.add(
        CaseStep(
            case_id=second.id,
            step="routed",
            actor=SYSTEM_ACTOR,
            at=at,
            from_status="submitted",
            to_status="routed",
            reason=why,
            data={"rule": second.rule, "unit_code": unit_code, "appeal_of": str(first.id)},
            event_id=routed.id,
        )
    )
    if late_reason is not None:
        # After the window, with a reason (Khiếu nại Điều 9 khoản 2): taken, flagged for the
        # official, who decides on the reason before accepting (late_appeals.py).
        session.add(
            CaseStep(
                case_id=second.id,
                step=LATE_APPEAL_FLAG,
                actor="citizen",
                at=at,
                from_status="routed",
                to_status="routed",
                reason=f"Khiếu nại quá thời hạn, lý do nêu: {late_reason.text}",
                data={"ground": late_reason.ground, "text": late_reason.text},
            )
        )
    await outbox.add(session, routed)
    return second
