"""A recommendation and its answer are public once answered (dân biết), without the personal
data the board or the head wrote into them; the unit and its board read the original."""

from __future__ import annotations

from datetime import date, timedelta

from tests.support.stack import Stack
from tests.support.supervision import UNIT, board, head, open_supervision, recommend

TEXT = (
    "Đề nghị trả lời đơn của bà Hoàng Thị Lan (CCCD 020185001234, SĐT 0912.345.678) "
    "về việc cấp giấy chứng nhận quyền sử dụng đất."
)
ANSWER = "Đã giao anh Vi Văn Tùng, email tung.vv@langson.gov.vn, liên hệ bà Lan trong tuần."


async def test_the_public_reads_the_texts_without_personal_data(stack: Stack) -> None:
    sup = await open_supervision(stack)
    rec = (await recommend(stack, sup["id"], text=TEXT, reason="Ông Lục Văn Sơn phản ánh")).json()
    later = (date.today() + timedelta(days=10)).isoformat()
    answered = await stack["routing"].post(
        f"/v1/recommendations/{rec['id']}/answer", headers=head(stack),
        json={"outcome": "accepted", "text": ANSWER,
              "follow_up": [{"action": "Gọi cho chị Lan qua số 0205 3871 234", "due_on": later}]},
    )  # fmt: skip
    assert answered.status_code == 200, answered.text
    public = await stack["routing"].get("/v1/recommendations", params={"unit_code": UNIT})
    (shown,) = public.json()["items"]
    assert shown["text"] == (
        "Đề nghị trả lời đơn của bà [họ tên đã ẩn] (CCCD [số giấy tờ đã ẩn], SĐT "
        "[số điện thoại đã ẩn]) về việc cấp giấy chứng nhận quyền sử dụng đất."
    )
    assert shown["reason"] == "Ông [họ tên đã ẩn] phản ánh"
    assert shown["answer_text"] == (
        "Đã giao anh [họ tên đã ẩn], email [email đã ẩn], liên hệ bà [họ tên đã ẩn] trong tuần."
    )
    assert (
        shown["follow_up"][0]["action"] == "Gọi cho chị [họ tên đã ẩn] qua số [số điện thoại đã ẩn]"
    )
    for leaked in ("Lan", "0912", "020185001234", "tung.vv", "Sơn", "3871"):
        assert leaked not in public.text
    own = await stack["routing"].get(
        "/v1/recommendations", params={"unit_code": UNIT}, headers=board(stack)
    )
    assert own.json()["items"][0]["text"] == TEXT  # the board reads what it wrote
