"""Item 10: what only the citizen may see is stored by no cache and never given to another
request; citizens' files are served with the type sniffed on upload, never re-guessed."""

from __future__ import annotations

from tests.support.stack import Stack

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_the_full_view_is_not_stored_and_varies_with_the_token(intake: Stack) -> None:
    created = await intake.submit(submitter={"full_name": "Đỗ Văn Em", "phone": "0912000111"})
    path = f"/v1/cases/{created['tracking_code']}"
    full = await intake["intake"].get(path, headers={"X-Case-Token": created["access_token"]})
    assert full.status_code == 200
    assert full.headers["cache-control"] == "no-store"
    assert "X-Case-Token" in full.headers["vary"]
    public = await intake["intake"].get(path)
    # The public view may be cached, but never served for a request that carries a token.
    assert "X-Case-Token" in public.headers["vary"]


async def test_attachments_are_never_content_sniffed(intake: Stack) -> None:
    created = await intake.submit()
    code, token = created["tracking_code"], created["access_token"]
    uploaded = await intake["intake"].post(
        f"/v1/cases/{code}/attachments",
        files={"file": ("a.png", PNG, "text/html")},
        headers={"X-Case-Token": token},
    )
    assert uploaded.status_code == 201, uploaded.text
    back = await intake["intake"].get(
        f"/v1/cases/{code}/attachments/{uploaded.json()['id']}", headers={"X-Case-Token": token}
    )
    assert back.headers["content-type"] == "image/png"
    assert back.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in back.headers["cache-control"]
