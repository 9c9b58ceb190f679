"""The officials' commands: each step's own rules, then `apply_step` (table, audit, event)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases import machine
from services.routing.cases.machine import Step
from services.routing.cases.models import RoutedCase
from services.routing.units.registry import UnitRegistry
from services.routing.workflow import late_appeals, repository, schemas
from services.routing.workflow.law import LawBook
from services.routing.workflow.models import CaseMessage
from services.routing.workflow.service import Applied, apply_step
from shared import events as ev
from shared.confidential import RESOLVED_NOTE, is_confidential
from shared.dates import LOCAL_TZ
from shared.errors import Conflict, Unprocessable
from shared.messaging.outbox import Outbox


def _join(*parts: str | None) -> str:
    return ". ".join(p for p in parts if p)


class Workflow:
    def __init__(self, outbox: Outbox, law: LawBook, units: UnitRegistry) -> None:
        self.outbox = outbox
        self.law = law
        self.units = units

    async def accept(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.AcceptCommand
    ) -> Applied:
        machine.target(case.status, Step.accept)
        if case.appeal_of is not None and await late_appeals.pending_late_appeal(session, case):
            raise late_appeals.refuse_to_accept_first(case)
        now = datetime.now(UTC)
        case.accepted_at = now
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.accept,
            actor=actor,
            now=now,
            event=ev.CaseAccepted,
            event_fields={"accepted_on": now.astimezone(LOCAL_TZ).date()},
            public_note=_join("Đã thụ lý giải quyết", body.note),
            reason=body.note,
        )

    async def reject(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.RejectCommand
    ) -> Applied:
        machine.target(case.status, Step.reject)
        ground = self.law.ground(body.reason)
        if ground is None:
            raise Unprocessable.field(
                ["reason"], f"{body.reason!r} is not a legal ground (GET /v1/workflow/grounds)"
            )
        if case.kind not in ground.kinds:
            raise Unprocessable.field(
                ["reason"],
                f"{ground.code} ({ground.law}, {ground.article}) is not a ground for a "
                f"{case.kind}; it applies to {', '.join(sorted(ground.kinds))}",
            )
        basis = f"{ground.text} ({ground.law}, {ground.article})"
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.reject,
            actor=actor,
            event=ev.CaseRejected,
            event_fields={"reason_code": ground.code, "reason": ground.text},
            public_note=_join(f"Không thụ lý: {basis}", body.note),
            reason=_join(f"{ground.code}: {basis}", body.note),
            data={"reason_code": ground.code, "note": body.note},
        )

    async def transfer(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.TransferCommand
    ) -> Applied:
        machine.target(case.status, Step.transfer)
        unit = self.units.get(body.to_unit_code)
        if unit is None:
            raise Unprocessable.field(["to_unit_code"], f"no unit {body.to_unit_code}")
        if unit.code == case.unit_code:
            raise Unprocessable.field(["to_unit_code"], "the case is already with this unit")
        from_unit = case.unit_code
        case.unit_code, case.province_code, case.assignee = unit.code, unit.province_code, None
        case.due_at = case.due_kind = None  # the new unit's clock comes from notification
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.transfer,
            actor=actor,
            event=ev.CaseTransferred,
            event_fields={
                "from_unit_code": from_unit,
                "unit_name": unit.display,
                "reason": body.reason,
                "remote_area": unit.remote,
            },
            public_note=f"Chuyển đến {unit.display}: {body.reason}",
            reason=body.reason,
            data={"from_unit_code": from_unit, "to_unit_code": unit.code},
        )

    async def assign(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.AssignCommand
    ) -> Applied:
        machine.target(case.status, Step.assign)
        case.assignee = body.assignee
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.assign,
            actor=actor,
            event=ev.CaseAssigned,
            event_fields={"assignee": body.assignee},
            data={"assignee": body.assignee},
        )

    async def request_info(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.RequestInfoCommand
    ) -> Applied:
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.request_info,
            actor=actor,
            event=ev.CaseInfoRequested,
            event_fields={"question": body.question},
            public_note=f"Đề nghị bổ sung thông tin: {body.question}",
            reason=body.question,
        )

    async def message(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.MessageCommand
    ) -> Applied:
        machine.target(case.status, Step.message)
        now = datetime.now(UTC)
        message = CaseMessage(
            id=uuid.uuid4(),
            case_id=case.id,
            author="official",
            visibility=body.visibility,
            text=body.text,
            actor=actor,
            at=now,
        )
        session.add(message)
        applied = await apply_step(
            session,
            self.outbox,
            case,
            Step.message,
            actor=actor,
            now=now,
            event=ev.CaseMessageAdded,
            event_fields={
                "message_id": message.id,
                "author": "official",
                "visibility": body.visibility,
                # Internal notes never leave routing; the citizen's side gets only theirs.
                "text": body.text if body.visibility == "citizen" else None,
            },
            data={"message_id": str(message.id), "visibility": body.visibility},
        )
        applied.extra["message_id"] = message.id
        return applied

    async def extend(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.ExtendCommand
    ) -> Applied:
        machine.target(case.status, Step.extend)
        rule = self.law.extension(case.kind, body.complexity)
        if rule is None:
            raise Unprocessable.field(
                ["complexity"], f"the law allows no extension of a {case.kind} as {body.complexity}"
            )
        if rule.decision_ref_required and not body.decision_ref:
            raise Unprocessable.field(
                ["decision_ref"], f"each extension needs a written decision ({rule.basis})"
            )
        done = await repository.times_taken(session, case.id, Step.extend.value)
        if done >= rule.max:
            raise Conflict(
                f"a {body.complexity} {case.kind} may be extended {rule.max} time(s); "
                f"it was extended {done}",
                rule=rule.basis,
                allowed=machine.allowed(case.status),
            )
        case.complexity = body.complexity
        label = "phức tạp" if body.complexity == "complex" else "đặc biệt phức tạp"
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.extend,
            actor=actor,
            event=ev.CaseExtended,
            event_fields={
                "complexity": body.complexity,
                "reason": body.reason,
                "decision_ref": body.decision_ref,
            },
            public_note=f"Gia hạn thời hạn giải quyết: vụ việc {label}",
            reason=body.reason,
            data={
                "complexity": body.complexity,
                "decision_ref": body.decision_ref,
                "basis": rule.basis,
                "number": (done or 0) + 1,
            },
        )

    async def resolve(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.ResolveCommand
    ) -> Applied:
        machine.target(case.status, Step.resolve)
        if case.kind in ("complaint", "denunciation") and not body.decision_ref:
            raise Unprocessable.field(
                ["decision_ref"], f"a {case.kind} is resolved by a written decision or conclusion"
            )
        # The law publishes second-time complaint decisions and denunciation conclusions
        # (without the denouncer); anything else only with the citizen's consent.
        required = case.kind == "denunciation" or (
            case.kind == "complaint" and case.appeal_of is not None
        )
        second_time = case.kind == "complaint" and case.appeal_of is not None
        if second_time and not await repository.dialogues_held(session, case.id):
            raise Conflict(
                "a second-time complaint is resolved after a dialogue with the parties; "
                "record its minutes first",
                rule="Luật Khiếu nại 2011, Điều 39",
                allowed=machine.allowed(case.status),
            )
        if body.publish and not (required or case.publish_consent):
            raise Unprocessable.field(["publish"], "the citizen did not consent to publication")
        publish = body.publish or required
        now = datetime.now(UTC)
        case.resolved_at, case.resolved_due_at = now, case.due_at  # measured on time or not
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.resolve,
            actor=actor,
            now=now,
            event=ev.CaseResolved,
            event_fields={
                "summary": body.summary,
                "decision_ref": body.decision_ref,
                "publish": publish,
                "resolved_on": now.astimezone(LOCAL_TZ).date(),
            },
            # The summary is public only as the published resolution (intake, with consent).
            public_note=RESOLVED_NOTE,
            reason=body.summary,
            data={"decision_ref": body.decision_ref, "publish": publish},
        )

    async def record_delivery(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.DeliveryCommand
    ) -> Applied:
        """The day the complainant received the decision: the appeal window runs from it
        (Khiếu nại Điều 33), so it is recorded once, with how it was delivered."""
        machine.target(case.status, Step.record_delivery)
        if case.kind != "complaint":
            raise Conflict(
                f"a {case.kind}'s answer starts no window of the citizen's: only a complaint "
                "decision's receipt is recorded",
                rule="Luật Khiếu nại 2011, Điều 33",
                allowed=machine.allowed(case.status),
            )
        done = await repository.step_data(session, case.id, Step.record_delivery.value)
        if done is not None:
            raise Conflict(
                f"the decision's receipt is already recorded ({done.get('received_on')})",
                allowed=machine.allowed(case.status),
            )
        decided = case.resolved_at.astimezone(LOCAL_TZ).date() if case.resolved_at else None
        today = datetime.now(UTC).astimezone(LOCAL_TZ).date()
        if (decided and body.received_on < decided) or body.received_on > today:
            raise Unprocessable.field(
                ["received_on"], f"must be between the decision's date ({decided}) and today"
            )
        decision_ref = await repository.decision_ref(session, case.id, Step.resolve.value)
        day = body.received_on.strftime("%d/%m/%Y")
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.record_delivery,
            actor=actor,
            event=ev.CaseDecisionDelivered,
            event_fields={
                "received_on": body.received_on,
                "how": body.how,
                "evidence_ref": body.evidence_ref,
                "decision_ref": decision_ref,
            },
            public_note=f"Ông/bà đã nhận quyết định giải quyết ngày {day}; thời hạn khiếu nại "
            "tiếp tính từ ngày này (Luật Khiếu nại 2011, Điều 33)",
            reason=f"received {body.received_on.isoformat()} ({body.how})",
            data={
                "received_on": body.received_on.isoformat(),
                "how": body.how,
                "evidence_ref": body.evidence_ref,
            },
        )

    async def close(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.CloseCommand
    ) -> Applied:
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.close,
            actor=actor,
            event=ev.CaseClosed,
            public_note=_join("Đã kết thúc hồ sơ", body.note),
            reason=body.note,
        )

    async def reclassify(
        self, session: AsyncSession, case: RoutedCase, actor: str, body: schemas.ReclassifyCommand
    ) -> Applied:
        machine.target(case.status, Step.reclassify)
        if body.kind == case.kind:
            raise Unprocessable.field(["kind"], f"the case is already a {case.kind}")
        if is_confidential(case.kind) and not is_confidential(body.kind):
            # Filed under the law's promise of secrecy: no official may make it public. Not a
            # denunciation? Reject it with the ground; the citizen chooses to file it anew.
            raise Conflict(
                f"a {case.kind} keeps its confidentiality: it cannot become a {body.kind}; "
                "reject it with its legal ground instead",
                rule="Luật Tố cáo 2018, Điều 8, 47 (bí mật thông tin người tố cáo)",
                allowed=machine.allowed(case.status),
            )
        from_kind, case.kind = case.kind, body.kind
        return await apply_step(
            session,
            self.outbox,
            case,
            Step.reclassify,
            actor=actor,
            event=ev.CaseReclassified,
            event_fields={"from_kind": from_kind, "reason": body.reason},
            public_note=f"Phân loại lại: {body.reason}",
            reason=body.reason,
            data={"from_kind": from_kind, "kind": body.kind},
        )
