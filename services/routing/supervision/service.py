"""The board's commands, each one audited and announced in one step (the unit's answers:
answers.py).

Who may do what (domain.md, dân giám sát):
- the board's voice (open, note, request information, find, recommend, close) is a
  supervisor *of that very unit*: a board member of commune A does nothing in commune B,
  and no official, head or administrator writes as the board;
- the unit's head (unit_head of the unit) answers recommendations; the unit's officials and
  head answer requests for information;
- reading a supervision: the unit's board, officials and head, the province's staff and
  board, administrators (shared.auth.require_unit_access).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import local_day
from services.routing.cases.models import RoutedCase
from services.routing.supervision import repository, schemas
from services.routing.supervision.audit import audit
from services.routing.supervision.models import (
    Recommendation,
    Supervision,
    SupervisionEntry,
)
from services.routing.supervision.policy import Period
from services.routing.units.registry import UnitRegistry
from shared.auth import Principal, Role, require_unit_access
from shared.errors import Conflict, Forbidden, Unprocessable
from shared.events import (
    SupervisionClosed,
    SupervisionInformationRequested,
    SupervisionOpened,
    SupervisionRecommended,
)
from shared.messaging.outbox import Outbox

# --- who may do what -------------------------------------------------------------------


def require_board(principal: Principal, unit_code: str) -> None:
    if principal.role is not Role.supervisor:
        raise Forbidden(
            f"only the people's inspection board writes as the board, not {principal.role.value}"
        )
    if principal.unit_code != unit_code:
        raise Forbidden(f"a board member of {principal.unit_code} cannot act on unit {unit_code}")


def require_reader(principal: Principal, supervision: Supervision) -> None:
    require_unit_access(principal, supervision.unit_code, parent_code=supervision.province_code)


def require_head(principal: Principal, unit_code: str) -> None:
    if principal.role is not Role.unit_head or principal.unit_code != unit_code:
        raise Forbidden(f"only the head of unit {unit_code} answers the board's recommendations")


def require_unit_staff(principal: Principal, unit_code: str) -> None:
    if principal.role not in (Role.official, Role.unit_head) or principal.unit_code != unit_code:
        raise Forbidden(f"only the officials of unit {unit_code} answer the board's requests")


# --- the commands ----------------------------------------------------------------------


class Supervisions:
    def __init__(self, outbox: Outbox, units: UnitRegistry, policy: dict[str, Period]) -> None:
        self.outbox = outbox
        self.units = units
        self.policy = policy

    async def open(
        self, session: AsyncSession, principal: Principal, body: schemas.SupervisionCreate
    ) -> Supervision:
        unit = self.units.get(body.unit_code)
        if unit is None:
            raise Unprocessable.field(["body", "unit_code"], f"unknown unit {body.unit_code}")
        require_board(principal, unit.code)
        now = datetime.now(UTC)
        sup = Supervision(
            id=uuid.uuid4(),
            unit_code=unit.code,
            province_code=unit.province_code,
            title=body.title,
            scope=body.scope.model_dump(mode="json"),
            state="open",
            opened_by=principal.sub,
            opened_at=now,
        )
        session.add(sup)
        await session.flush()
        opened = SupervisionOpened(
            supervision_id=sup.id,
            unit_code=sup.unit_code,
            province_code=sup.province_code,
            title=sup.title,
            actor=principal.sub,
        )
        await audit(
            session,
            self.outbox,
            sup.id,
            "opened",
            principal.sub,
            now,
            {"title": sup.title, "scope": sup.scope},
            opened,
        )
        return sup

    async def add_entry(
        self,
        session: AsyncSession,
        principal: Principal,
        sup: Supervision,
        body: schemas.EntryCreate,
    ) -> SupervisionEntry:
        require_board(principal, sup.unit_code)
        _still_open(sup)
        now = datetime.now(UTC)
        due = None
        if body.kind == "info_request":
            due = self.policy["info_request_answer"].due_on(local_day(now))
        entry = SupervisionEntry(
            id=uuid.uuid4(),
            supervision_id=sup.id,
            kind=body.kind,
            text=body.text,
            due_on=due,
            actor=principal.sub,
            at=now,
        )
        session.add(entry)
        event = None
        if due is not None:
            period = self.policy["info_request_answer"]
            event = SupervisionInformationRequested(
                supervision_id=sup.id,
                request_id=entry.id,
                unit_code=sup.unit_code,
                province_code=sup.province_code,
                due_on=due,
                basis=period.basis,
                actor=principal.sub,
            )
        await audit(
            session,
            self.outbox,
            sup.id,
            body.kind,
            principal.sub,
            now,
            {"entry_id": str(entry.id)},
            event,
        )
        return entry

    async def recommend(
        self,
        session: AsyncSession,
        principal: Principal,
        sup: Supervision,
        body: schemas.RecommendationCreate,
    ) -> Recommendation:
        require_board(principal, sup.unit_code)
        _still_open(sup)
        if body.case_id is not None:
            case = await session.get(RoutedCase, body.case_id)
            if case is None or case.unit_code != sup.unit_code:
                raise Unprocessable.field(
                    ["body", "case_id"], f"no case {body.case_id} at unit {sup.unit_code}"
                )
        return await self._issue(
            session, principal, sup.id, sup.unit_code, sup.province_code, body.case_id, body
        )

    async def recommend_on_case(
        self,
        session: AsyncSession,
        principal: Principal,
        case: RoutedCase,
        body: schemas.CaseRecommendationCreate,
    ) -> Recommendation:
        """A recommendation on a single case, without a supervision: the board of the case's
        (current) unit only; the same answer, clock and publicity as any other."""
        require_board(principal, case.unit_code)
        return await self._issue(
            session, principal, None, case.unit_code, case.province_code, case.id, body
        )

    async def _issue(
        self,
        session: AsyncSession,
        principal: Principal,
        supervision_id: uuid.UUID | None,
        unit_code: str,
        province_code: str,
        case_id: uuid.UUID | None,
        body: schemas.CaseRecommendationCreate,
    ) -> Recommendation:
        now = datetime.now(UTC)
        period = self.policy["recommendation_answer"]
        rec = Recommendation(
            id=uuid.uuid4(),
            supervision_id=supervision_id,
            unit_code=unit_code,
            province_code=province_code,
            case_id=case_id,
            text=body.text,
            reason=body.reason,
            issued_by=principal.sub,
            issued_at=now,
            due_on=period.due_on(local_day(now)),
            basis=period.basis,
            state="open",
        )
        session.add(rec)
        await session.flush()
        recommended = SupervisionRecommended(
            supervision_id=supervision_id,
            recommendation_id=rec.id,
            unit_code=rec.unit_code,
            province_code=rec.province_code,
            case_id=rec.case_id,
            due_on=rec.due_on,
            basis=rec.basis,
            actor=principal.sub,
        )
        await audit(
            session,
            self.outbox,
            supervision_id,
            "recommended",
            principal.sub,
            now,
            {"recommendation_id": str(rec.id), "case_id": rec.case_id and str(rec.case_id)},
            recommended,
            recommendation_id=rec.id,
        )
        return rec

    async def close(
        self,
        session: AsyncSession,
        principal: Principal,
        sup: Supervision,
        body: schemas.CloseCommand,
    ) -> Supervision:
        require_board(principal, sup.unit_code)
        _still_open(sup)
        now = datetime.now(UTC)
        sup.state, sup.closing_report, sup.closed_by, sup.closed_at = (
            "closed",
            body.report,
            principal.sub,
            now,
        )
        count = await repository.count_recommendations(session, sup.id)
        closed = SupervisionClosed(
            supervision_id=sup.id,
            unit_code=sup.unit_code,
            actor=principal.sub,
            recommendations=count,
        )
        await audit(session, self.outbox, sup.id, "closed", principal.sub, now, None, closed)
        return sup


def _still_open(sup: Supervision) -> None:
    if sup.state != "open":
        raise Conflict("this supervision is closed", allowed=[])
