"""Issue 11, item 9: a denunciation is never reclassified out of its confidentiality.

Reclassifying a denunciation into feedback, a petition, a complaint or a dialogue request
would hand its text to supervisors, its reasons to their deadline history, and (feedback,
petitions) its text and place to Open311. The denouncer filed under the law's promise of
secrecy (Luật Tố cáo 2018, Điều 8, 47), so the step is refused (409, naming the law): the
unit rejects it as a denunciation, with the legal ground, and the citizen decides whether to
file it again as something public. Reclassifying *into* a denunciation stays allowed (it only
adds protection). docs/confidentiality.md gives the reasoning.
"""

from __future__ import annotations

import pytest

from shared.auth import Role
from tests.support.routing_workflow import admin, outbox_events, routed_case, step
from tests.support.stack import Stack, wait_until

DENUNCIATION = {
    "kind": "denunciation",
    "title": "Tố cáo cán bộ địa chính nhận tiền",
    "description": "Cán bộ địa chính xã nhận tiền của ông Lường Văn Pọm khi làm sổ đỏ.",
    "location": {"unit_code": "06427", "address": "Nhà ông Lường Văn Pọm, thôn Nà Hin"},
    "submitter": {"full_name": "Lường Văn Pọm"},
    "target": {"unit_code": "06427", "person": "Cán bộ địa chính xã"},
}


@pytest.mark.parametrize("kind", ["feedback", "petition", "complaint", "dialogue_request"])
async def test_a_denunciation_cannot_be_reclassified_out_of_confidentiality(
    stack: Stack, kind: str
) -> None:
    case = await routed_case(stack, **DENUNCIATION)
    case_id, code = case["id"], case["tracking_code"]
    answer = await step(stack, case_id, "reclassify", {"kind": kind, "reason": "Là phản ánh"})
    assert answer.status_code == 409, answer.text
    problem = answer.json()
    assert "Tố cáo" in problem["rule"] and "reject" in problem["allowed"]

    # Nothing changed, and no one reads more than before.
    routing = await stack["routing"].get(f"/v1/cases/{case_id}", headers=admin(stack))
    assert routing.json()["kind"] == "denunciation"
    assert [e.type for e in await outbox_events(stack, case_id)] == ["case.routed"]
    board = stack.auth(role=Role.supervisor, unit="06427", sub="ban-thanh-tra")
    seen = (await stack["routing"].get(f"/v1/cases/{case_id}", headers=board)).json()
    assert "Pọm" not in str(seen)
    assert (await stack["intake"].get(f"/open311/v2/requests/{code}.json")).status_code == 404
    public = (await stack["intake"].get(f"/v1/cases/{code}")).json()
    assert public["kind"] == "denunciation" and "Pọm" not in str(public)

    # What the unit does instead: not accepted as a denunciation, with the legal ground.
    grounds = (await stack["routing"].get("/v1/workflow/grounds", headers=admin(stack))).json()
    ground = next(g for g in grounds if "denunciation" in g["kinds"])
    answer = await step(stack, case_id, "reject", {"reason": ground["code"]})
    assert answer.status_code == 200, answer.text

    async def told() -> bool:
        view = await stack["intake"].get(f"/v1/cases/{code}")
        return bool(view.json()["status"] == "rejected")

    await wait_until(told, what="the citizen's view shows the rejection")
