"""The board's commands and the head's answer: each one audited and announced in one step.

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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import SOURCE
from services.routing.cases.models import RoutedCase
from services.routing.stats.rollup import local_day
from services.routing.supervision import repository, schemas
from services.routing.supervision.models import (
    Recommendation,
    Supervision,
    SupervisionEntry,
    SupervisionStep,
)
from services.routing.units.registry import UnitRegistry
from shared.auth import Principal, Role, require_unit_access
from shared.context import provided
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import (
    EventData,
    FollowUpAction,
    RecommendationActionDone,
    RecommendationAnswered,
    SupervisionClosed,
    SupervisionInformationGiven,
    SupervisionInformationRequested,
    SupervisionOpened,
    SupervisionRecommended,
    new_event,
)
from shared.messaging.outbox import Outbox

POLICY = Path(__file__).with_name("policy.yaml")


@dataclass(frozen=True)
class Period:
    days: int
    basis: str
    check: bool

    def due_on(self, start: date) -> date:
        # Calendar days, the day of the event not counted (Bộ luật Dân sự 2015, Điều 147).
        return start + timedelta(days=self.days)


class SupervisionPolicy(dict[str, Period]):
    """The board's periods by name (a type of its own, to be found in routing's context)."""


def load_policy(path: Path = POLICY) -> SupervisionPolicy:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return SupervisionPolicy(
        (name, Period(days=int(p["days"]), basis=str(p["basis"]), check=bool(p.get("check"))))
        for name, p in raw.items()
    )


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

    async def _audit(
        self,
        session: AsyncSession,
        supervision_id: uuid.UUID | None,
        action: str,
        actor: str,
        at: datetime,
        data: dict[str, Any] | None = None,
        event: tuple[str, EventData] | None = None,
        *,
        recommendation_id: uuid.UUID | None = None,
    ) -> None:
        # Events are keyed by the supervision (one supervision's events in order); a
        # recommendation on a single case is its own aggregate, keyed by its id.
        key = supervision_id or recommendation_id
        assert key is not None
        envelope = None
        if event is not None:
            envelope = new_event(event[0], source=SOURCE, case_id=key, at=at, data=event[1])
        session.add(
            SupervisionStep(
                supervision_id=supervision_id,
                recommendation_id=recommendation_id,
                action=action,
                actor=actor,
                at=at,
                data=data,
                event_id=envelope.id if envelope else None,
            )
        )
        await session.flush()
        if envelope is not None:
            await self.outbox.add(session, envelope)

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
        await self._audit(
            session,
            sup.id,
            "opened",
            principal.sub,
            now,
            {"title": sup.title, "scope": sup.scope},
            (SupervisionOpened.type, opened),
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
        event: tuple[str, EventData] | None = None
        if due is not None:
            period = self.policy["info_request_answer"]
            event = (
                SupervisionInformationRequested.type,
                SupervisionInformationRequested(
                    supervision_id=sup.id,
                    request_id=entry.id,
                    unit_code=sup.unit_code,
                    province_code=sup.province_code,
                    due_on=due,
                    basis=period.basis,
                    actor=principal.sub,
                ),
            )
        await self._audit(
            session, sup.id, body.kind, principal.sub, now, {"entry_id": str(entry.id)}, event
        )
        return entry

    async def answer_info(
        self,
        session: AsyncSession,
        principal: Principal,
        sup: Supervision,
        request_id: uuid.UUID,
        body: schemas.InfoAnswerCreate,
    ) -> SupervisionEntry:
        require_unit_staff(principal, sup.unit_code)
        request = await session.get(SupervisionEntry, request_id)
        if request is None or request.supervision_id != sup.id or request.kind != "info_request":
            raise NotFound(f"no request for information {request_id} in this supervision")
        answered = await session.scalar(
            select(SupervisionEntry.id).where(SupervisionEntry.answers == request.id).limit(1)
        )
        now = datetime.now(UTC)
        on_time = request.due_on is None or local_day(now) <= request.due_on
        entry = SupervisionEntry(
            id=uuid.uuid4(),
            supervision_id=sup.id,
            kind="info_answer",
            text=body.text,
            answers=request.id,
            actor=principal.sub,
            at=now,
        )
        session.add(entry)
        given = None
        if answered is None:  # a further answer adds to the first; the clock met once
            given = (
                SupervisionInformationGiven.type,
                SupervisionInformationGiven(
                    supervision_id=sup.id,
                    request_id=request.id,
                    unit_code=sup.unit_code,
                    on_time=on_time,
                    actor=principal.sub,
                ),
            )
        await self._audit(
            session,
            sup.id,
            "info_answered",
            principal.sub,
            now,
            {"entry_id": str(entry.id), "request_id": str(request.id), "on_time": on_time},
            given,
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
        await self._audit(
            session,
            supervision_id,
            "recommended",
            principal.sub,
            now,
            {"recommendation_id": str(rec.id), "case_id": rec.case_id and str(rec.case_id)},
            (SupervisionRecommended.type, recommended),
            recommendation_id=rec.id,
        )
        return rec

    async def answer(
        self,
        session: AsyncSession,
        principal: Principal,
        rec: Recommendation,
        body: schemas.AnswerCommand,
    ) -> Recommendation:
        require_head(principal, rec.unit_code)
        if rec.state != "open":
            raise Conflict("this recommendation is already answered", allowed=[])
        now = datetime.now(UTC)
        today = local_day(now)
        for i, f in enumerate(body.follow_up):
            if f.due_on <= today:
                raise Unprocessable.field(
                    ["body", "follow_up", i, "due_on"], "a follow-up action's date is ahead"
                )
        actions = [{"id": str(uuid.uuid4()), **f.model_dump(mode="json")} for f in body.follow_up]
        rec.state, rec.outcome, rec.answer_text = "answered", body.outcome, body.text
        rec.follow_up = actions
        rec.answered_by, rec.answered_at = principal.sub, now
        rec.answered_on_time = today <= rec.due_on
        await session.flush()
        answered = RecommendationAnswered(
            supervision_id=rec.supervision_id,
            recommendation_id=rec.id,
            unit_code=rec.unit_code,
            province_code=rec.province_code,
            outcome=body.outcome,
            on_time=rec.answered_on_time,
            follow_up_dates=[f.due_on for f in body.follow_up],
            follow_up=[
                FollowUpAction(action_id=uuid.UUID(a["id"]), due_on=f.due_on)
                for a, f in zip(actions, body.follow_up, strict=True)
            ],
            actor=principal.sub,
        )
        await self._audit(
            session,
            rec.supervision_id,
            "answered",
            principal.sub,
            now,
            {
                "recommendation_id": str(rec.id),
                "outcome": body.outcome,
                "follow_up": [a["id"] for a in actions],
            },
            (RecommendationAnswered.type, answered),
            recommendation_id=rec.id,
        )
        return rec

    async def action_done(
        self,
        session: AsyncSession,
        principal: Principal,
        rec: Recommendation,
        action_id: uuid.UUID,
        body: schemas.ActionDoneCommand,
    ) -> Recommendation:
        """The unit records a follow-up action it committed to as done: its clock is met."""
        require_unit_staff(principal, rec.unit_code)
        actions = [dict(a) for a in rec.follow_up or []]
        found = next((a for a in actions if a.get("id") == str(action_id)), None)
        if found is None:
            raise NotFound(f"no follow-up action {action_id} in this recommendation")
        if found.get("done_on") is not None:
            raise Conflict("this follow-up action is already recorded as done", allowed=[])
        now = datetime.now(UTC)
        today = local_day(now)
        on_time = today <= date.fromisoformat(found["due_on"])
        found.update(
            done_on=today.isoformat(), done_by=principal.sub, note=body.note, done_on_time=on_time
        )
        rec.follow_up = actions  # a new list: the JSON column sees the change
        await session.flush()
        done = RecommendationActionDone(
            supervision_id=rec.supervision_id,
            recommendation_id=rec.id,
            action_id=action_id,
            unit_code=rec.unit_code,
            on_time=on_time,
            actor=principal.sub,
        )
        await self._audit(
            session,
            rec.supervision_id,
            "action_done",
            principal.sub,
            now,
            {"recommendation_id": str(rec.id), "action_id": str(action_id), "on_time": on_time},
            (RecommendationActionDone.type, done),
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
        await self._audit(
            session, sup.id, "closed", principal.sub, now, None, (SupervisionClosed.type, closed)
        )
        return sup


def _still_open(sup: Supervision) -> None:
    if sup.state != "open":
        raise Conflict("this supervision is closed", allowed=[])


SupervisionPolicyDep = Annotated[SupervisionPolicy, provided(SupervisionPolicy)]
