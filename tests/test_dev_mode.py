"""`make run`'s embedded mode tells the citizen what happened, end to end, in Vietnamese."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import httpx

from tests.support.stack import wait_until
from tests.test_crash_recovery import _dev, _free_ports, _ready, _routed

PETITION = {
    "kind": "petition",
    "title": "Đề nghị sửa cầu treo bản Nà Hin",
    "description": "Cầu treo xuống cấp, người dân đi lại nguy hiểm.",
    "location": {"unit_code": "06427"},
    "submitter": {"full_name": "Hoàng Thị Mai", "email": "mai@example.vn"},
}


async def test_the_citizen_gets_an_email_when_the_case_is_received_and_routed(
    tmp_path: Path,
) -> None:
    ports = _free_ports(3)
    with _dev(tmp_path, ports):
        await wait_until(lambda: _ready(ports[2]), what="services ready", within=60)
        async with httpx.AsyncClient() as client:
            created = await client.post(f"http://127.0.0.1:{ports[0]}/v1/cases", json=PETITION)
        assert created.status_code == 201, created.text
        code = created.json()["tracking_code"]
        await wait_until(lambda: _routed(ports[0], code), what="routed", within=60)

        async def delivered() -> list[email.message.EmailMessage] | None:
            folder = tmp_path / "mail-outbox"
            found = (
                [
                    email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                    for p in sorted(folder.glob("*.eml"))
                ]
                if folder.exists()
                else []
            )
            mine = [m for m in found if m["To"] == "mai@example.vn"]
            return mine if len(mine) >= 2 else None  # type: ignore[return-value]

        notices = await wait_until(delivered, what="the citizen's two e-mails", within=90)
    texts = [n.get_body(("plain",)).get_content() for n in notices]  # type: ignore[union-attr]
    assert all(code in text for text in texts)
    [received] = [t for t in texts if "đã được tiếp nhận" in t]
    [routed] = [t for t in texts if "đã được chuyển đến cơ quan có thẩm quyền" in t]
    assert "Xã Cai Kinh" in routed  # why it went where it did
    assert "Xã Cai Kinh" not in received
