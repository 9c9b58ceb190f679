"""Issue 11, item 8: why a denunciation was transferred, extended, suspended or reclassified
is not for supervisors, in notification's deadline history as in routing's audit trail.

Officials take the steps over routing's API; the people's inspection board of the province
(a supervisor) then reads both services. It follows every step and its timing, never a reason
or a decision's reference. An admin reads the reasons: they are recorded, only withheld.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.auth import Role
from tests.support.routing_workflow import admin, routed_case, step
from tests.support.stack import Stack, wait_until

SECRETS = {
    "transfer": "Người bị tố cáo là Chủ tịch UBND xã Cai Kinh",
    "extend": "Phải xác minh tài khoản của vợ người bị tố cáo",
    "suspend": "Chờ kết luận giám định chữ ký của ông Hoàng Văn Tư",
    "reclassify": "Nội dung tố cáo Phó Chủ tịch xã nhận hối lộ",
}
DECISION = "9/QĐ-GH"
DENUNCIATION = {
    "kind": "denunciation",
    "title": "Tố cáo cán bộ địa chính xã",
    "description": "Cán bộ địa chính xã nhận tiền của doanh nghiệp khai thác đá.",
    "location": {"unit_code": "06427"},
    "submitter": {"full_name": "Nguyễn Văn Bình"},
    "target": {"unit_code": "06427", "person": "Cán bộ địa chính xã"},
}


async def deadlines(stack: Stack, case_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = await stack["notification"].get(f"/v1/cases/{case_id}/deadlines", headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def history_with(stack: Stack, case_id: str, *secrets: str) -> list[dict[str, Any]]:
    """Notification's deadline history, as an admin reads it, once it records `secrets`."""

    async def recorded() -> list[dict[str, Any]] | None:
        items = await deadlines(stack, case_id, admin(stack))
        text = str([h for d in items for h in d["history"]])
        return items if all(s in text for s in secrets) else None

    return await wait_until(recorded, what=f"deadline history of {case_id} with its reasons")


def reasons(items: list[dict[str, Any]]) -> list[Any]:
    return [(h["reason"], h["decision_ref"]) for d in items for h in d["history"]]


async def ok(stack: Stack, case_id: str, name: str, body: dict[str, Any], **kw: Any) -> None:
    answer = await step(stack, case_id, name, body, **kw)
    assert answer.status_code == 200, answer.text


async def test_a_supervisor_reads_no_reason_of_a_denunciations_clocks(stack: Stack) -> None:
    case = await routed_case(stack, **DENUNCIATION)
    case_id = case["id"]
    province = {"headers": stack.auth(role=Role.official, unit="20", sub="thanh-tra-tinh")}
    await ok(stack, case_id, "transfer", {"to_unit_code": "06364", "reason": SECRETS["transfer"]})
    await ok(stack, case_id, "accept", {"note": "Thụ lý"}, **province)
    extend = {"reason": SECRETS["extend"], "complexity": "complex", "decision_ref": DECISION}
    await ok(stack, case_id, "extend", extend, **province)
    suspended_on = date.today().isoformat()  # the suspension decision's date (Tố cáo Điều 34)
    await ok(
        stack,
        case_id,
        "suspend",
        {"reason": SECRETS["suspend"], "decided_on": suspended_on},
        **province,
    )
    taken = [SECRETS[name] for name in ("transfer", "extend", "suspend")]
    recorded = await history_with(stack, case_id, *taken)
    assert DECISION in str(reasons(recorded))

    board = stack.auth(role=Role.supervisor, unit="20", sub="ban-thanh-tra")
    seen = await deadlines(stack, case_id, board)
    assert [d["id"] for d in seen] == [d["id"] for d in recorded]  # the clocks, and their
    assert [len(d["history"]) for d in seen] == [len(d["history"]) for d in recorded]  # steps
    assert set(reasons(seen)) == {(None, None)}, reasons(seen)
    # The same rule in routing's audit trail.
    trail = await stack["routing"].get(f"/v1/cases/{case_id}/history", headers=board)
    assert trail.status_code == 200, trail.text
    assert not any(secret in trail.text for secret in SECRETS.values())
    assert DECISION not in trail.text


async def test_a_case_reclassified_as_a_denunciation_hides_its_reasons_too(stack: Stack) -> None:
    case = await routed_case(stack)  # a feedback of Xã Cai Kinh
    reclassify = {"kind": "denunciation", "reason": SECRETS["reclassify"]}
    await ok(stack, case["id"], "reclassify", reclassify)
    await history_with(stack, case["id"], SECRETS["reclassify"])
    board = stack.auth(role=Role.supervisor, unit="06427", sub="ban-thanh-tra-xa")
    seen = await deadlines(stack, case["id"], board)
    assert set(reasons(seen)) == {(None, None)}, reasons(seen)
