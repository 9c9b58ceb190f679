"""The portal's pages over real HTTP without a browser: what JavaScript-free clients get."""

from __future__ import annotations

import re
from typing import Any

import httpx

from shared.auth import Role
from tests.portal.conftest import CLIENT_TIMEOUT, UPSTREAM_TIMEOUT, Portal
from tests.support.stack import wait_until

PAGE_BUDGET = 200 * 1024  # bytes before images, each page with its CSS and script


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


async def page_weight(client: httpx.AsyncClient, path: str) -> int:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    total = len(page.content)
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
        total += len((await client.get(asset)).content)
    return total


async def file_form(
    client: httpx.AsyncClient, kind: str, data: dict[str, str], files: Any = None
) -> httpx.Response:
    form = await client.get(f"/cases/new?kind={kind}")
    assert form.status_code == 200
    body = {
        "csrf": csrf_of(form.text),
        "kind": kind,
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', form.text)[1],  # type: ignore[index]
        **data,
    }
    return await client.post(
        f"/cases/new?kind={kind}", data=body, files=files or {"photo": ("", b"")}
    )


async def test_home_is_small_and_protected(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        home = await client.get("/")
        assert home.status_code == 200
        assert "Phản ánh" in home.text and "Feedback" in home.text
        csp = home.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        cookie = home.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        for path in ("/", "/cases/new?kind=complaint", "/units/20"):
            assert await page_weight(client, path) < PAGE_BUDGET, path
        assert (await client.get("/healthz")).json()["status"] == "ok"
        assert (await client.get("/readyz")).status_code == 200


async def test_a_form_without_its_csrf_token_is_refused(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        await client.get("/")
        refused = await client.post(
            "/cases/new?kind=feedback", data={"kind": "feedback", "title": "x"}
        )
        assert refused.status_code == 403
        assert "hết hạn" in refused.text


async def test_filing_without_javascript_posts_and_redirects(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        filed = await file_form(
            client,
            "feedback",
            {
                "title": "Đèn đường hỏng",
                "description": "Ba cột đèn không sáng.",
                "commune": "cai kinh",
                "notify_by": "none",
            },
            files={"photo": ("den.png", PNG, "image/png")},
        )
        assert filed.status_code == 303, filed.text
        receipt_url = filed.headers["location"]
        code = receipt_url.split("/")[2]
        assert code not in ("", "new")
        token_cookie = filed.headers.get_list("set-cookie")
        assert any(f"Path=/cases/{code}" in c and "HttpOnly" in c for c in token_cookie)
        receipt = await client.get(receipt_url)
        assert receipt.headers["cache-control"] == "no-store"
        token = re.search(r'id="access-token">([^<]+)<', receipt.text)[1]  # type: ignore[index]
        assert token not in receipt_url
        again = await client.get(receipt_url)  # the token is shown once
        assert again.status_code == 303 and token not in again.text
        page = await client.get(f"/cases/{code}")
        assert "Đèn đường hỏng" in page.text and "den.png" in page.text
        assert page.headers["cache-control"] == "no-store"


async def test_a_refusal_is_shown_next_to_the_field(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        refused = await file_form(
            client,
            "complaint",
            {"title": "Khiếu nại", "description": "Nội dung.", "commune": "06427"},
        )
        assert refused.status_code == 422
        assert 'id="full_name-error"' in refused.text
        assert "Luật Khiếu nại" in refused.text


async def test_several_communes_are_offered_to_choose_from(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        ambiguous = await file_form(
            client, "feedback", {"title": "T", "description": "D", "commune": "xa tan"}
        )
        assert ambiguous.status_code == 422
        assert ambiguous.text.count('name="unit_code"') > 1


async def test_a_denunciation_shows_only_its_public_view(portal: Portal) -> None:
    created = await portal.stack.submit(
        kind="denunciation",
        title="Tố cáo cán bộ địa chính",
        description="Cán bộ Nguyễn Văn Bí mật nhận tiền.",
        submitter={"full_name": "Trần Thị Tố", "phone": "0912345678"},
        target={"person": "Nguyễn Văn Bí"},
    )
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        page = await client.get(f"/cases/{created['tracking_code']}")
    assert page.status_code == 200
    for secret in ("Trần Thị Tố", "0912345678", "Nguyễn Văn Bí", "Tố cáo cán bộ", "nhận tiền"):
        assert secret not in page.text


async def test_the_rate_limit_is_passed_through_with_retry_after(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        statuses = []
        for _ in range(7):
            filed = await file_form(
                client,
                "petition",
                {
                    "title": "Kiến nghị",
                    "description": "Nội dung.",
                    "commune": "06427",
                    "full_name": "Lê Văn A",
                    "email": "lan@example.vn",
                },
            )
            statuses.append(filed.status_code)
            if filed.status_code == 429:
                assert int(filed.headers["retry-after"]) > 0
                assert "thử lại sau" in filed.text
                break
        assert statuses[-1] == 429, statuses


async def test_the_unit_page_and_its_csv(portal: Portal) -> None:
    code = (await portal.stack.submit())["tracking_code"]
    await portal.stack.wait_routed(code)
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:

        async def counted() -> httpx.Response | None:
            page = await client.get("/units/20")
            return page if 'id="communes"' in page.text and "Cai Kinh" in page.text else None

        page = await wait_until(counted, what="the province's page with its communes")
        assert "<svg" in page.text and "<table" in page.text
        csv = await client.get("/units/20/reports.csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv.headers["content-disposition"]
        assert csv.content.startswith("\ufeffkind,category".encode())


async def test_a_clear_page_when_intake_is_down(portal: Portal) -> None:
    # A portal pointed at a port where nothing listens.
    from services.portal.app import create_portal_app
    from services.portal.settings import PortalSettings
    from tests.portal.conftest import serving

    settings = PortalSettings(
        _env_file=None,  # type: ignore[call-arg]
        intake_url="http://127.0.0.1:9",
        routing_url="http://127.0.0.1:9",
        timeout_seconds=UPSTREAM_TIMEOUT,
    )
    async with (
        serving(create_portal_app(settings), lifespan="on") as url,
        httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=url) as client,
    ):
        page = await client.get("/cases/new?kind=feedback")
        assert page.status_code == 503
        assert "tạm thời gián đoạn" in page.text and "intake" in page.text


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5e6b1e70000000049454e44ae426082"
)


async def test_the_figures_stand_without_intake(portal: Portal) -> None:
    """A unit's page needs only routing: with intake down, categories go by their codes."""
    from services.portal.app import create_portal_app
    from services.portal.settings import PortalSettings
    from tests.portal.conftest import serving

    settings = PortalSettings(
        _env_file=None,  # type: ignore[call-arg]
        intake_url="http://127.0.0.1:9",
        routing_url=portal.routing_url,
        timeout_seconds=UPSTREAM_TIMEOUT,
    )
    async with (
        serving(create_portal_app(settings), lifespan="on") as url,
        httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=url) as client,
    ):
        page = await client.get("/units/06427")
        assert page.status_code == 200
        assert "Cai Kinh" in page.text


async def test_public_figures_are_kept_for_a_while(portal: Portal) -> None:
    """What every visitor sees alike is asked of routing once per cache period."""
    from services.portal.upstream import Api

    path = "/v1/stats/units/06427"
    async with (
        httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.intake_url) as intake,
        httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.routing_url) as routing,
    ):
        kept, fresh = Api(intake, routing, cache_seconds=60), Api(intake, routing)
        before = (await kept.public("routing", path))["figures"]["received"]
        await portal.stack.wait_routed((await portal.stack.submit())["tracking_code"])

        async def counted() -> bool:
            figures = await fresh.public("routing", path)
            return bool(figures["figures"]["received"] == before + 1)

        await wait_until(counted, what="routing counting the new case")
        assert (await kept.public("routing", path))["figures"]["received"] == before


async def test_every_kind_can_be_filed_from_its_form(portal: Portal) -> None:
    named = {"full_name": "Hoàng Thị Mai", "submitter_address": "Thôn Bản Chắt"}
    forms = {
        "feedback": {},
        "petition": {},
        "complaint": {**named, "target_decision": "QĐ 12/2026"},
        "denunciation": {**named, "target_person": "Cán bộ địa chính"},
        "dialogue_request": {**named, "dialogue_topic": "Đường vào bản", "date_1": "2027-01-05"},
    }
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        for kind, extra in forms.items():
            filed = await file_form(
                client,
                kind,
                {"title": f"Hồ sơ {kind}", "description": "Nội dung.", "commune": "Cai Kinh",
                 "notify_by": "none", **extra},
            )  # fmt: skip
            assert filed.status_code == 303, (kind, filed.text[:2000])
            code = filed.headers["location"].split("/")[2]
            page = await client.get(f"/cases/{code}")
            assert f"Hồ sơ {kind}" in page.text, kind


async def test_a_photo_added_from_the_case_page(portal: Portal) -> None:
    created = await portal.stack.submit()
    code = created["tracking_code"]
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        page = await client.get(f"/cases/{code}")
        entered = await client.post(
            f"/cases/{code}/token",
            data={"csrf": csrf_of(page.text), "token": created["access_token"]},
        )
        assert entered.status_code == 303
        page = await client.get(f"/cases/{code}")
        added = await client.post(
            f"/cases/{code}/photos",
            data={"csrf": csrf_of(page.text)},
            files={"photo": ("cot-den.png", PNG, "image/png")},
        )
        assert added.status_code == 303, added.text
        page = await client.get(f"/cases/{code}")
        link = re.search(r'href="(/cases/[^"]+/attachments/[^"]+)">cot-den.png', page.text)
        assert link, page.text
        photo = await client.get(link[1])
        assert photo.content == PNG and photo.headers["content-type"] == "image/png"
        assert photo.headers["cache-control"] == "no-store"


async def test_a_body_past_the_photo_limit_is_refused_unread(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        form = await client.get("/cases/new?kind=feedback")
        big = b"\0" * (10 * 1024 * 1024 + 300 * 1024)
        refused = await client.post(
            "/cases/new?kind=feedback",
            data={"csrf": csrf_of(form.text)},
            files={"photo": ("big.png", big, "image/png")},
        )
        assert refused.status_code == 413
        assert "tối đa 10 MB" in refused.text


async def test_page_titles_are_plain_text(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        for path in ("/", "/cases/new?kind=petition", "/cases/NOSUCH", "/units?q=x", "/units/20"):
            title = re.search(r"<title>(.*?)</title>", (await client.get(path)).text, re.S)
            assert title and "<" not in title[1] and "&lt;" not in title[1], (path, title)


async def test_the_portals_own_refusals_are_pages(portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        for path, status in (("/no/such/page", 404), ("/cases/ABC/messages", 405),
                             ("/track?code=" + "X" * 50, 422)):  # fmt: skip
            page = await client.get(path)
            assert page.status_code == status, path
            assert page.headers["content-type"].startswith("text/html"), path
        assert (await client.get("/openapi.json")).status_code == 404


async def test_a_feedback_can_also_go_to_the_inspection_board(portal: Portal) -> None:
    """The feedback form's "also to the board" box: routing files it in the board's queue."""
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        form = await client.get("/cases/new?kind=feedback")
        assert 'name="to_board"' in form.text
        assert 'name="to_board"' not in (await client.get("/cases/new?kind=petition")).text
        filed = await file_form(
            client, "feedback",
            {"title": "Xã chậm trả lời phản ánh", "description": "Đã hơn 30 ngày chưa có trả lời.",
             "commune": "cai kinh", "notify_by": "none", "to_board": "on"},
        )  # fmt: skip
        assert filed.status_code == 303, filed.text
    board = portal.stack.auth(role=Role.supervisor, unit="06427", sub="ban-ttnd")

    async def queued() -> list[dict[str, Any]] | None:
        answer = await portal.stack["routing"].get("/v1/boards/06427/messages", headers=board)
        return answer.json()["items"] or None

    (message,) = await wait_until(queued, what="the feedback in the board's queue")
    assert message["via"] == "submission" and message["text"].startswith("Xã chậm trả lời")


async def test_the_months_table_is_routings_figures_by_month(portal: Portal) -> None:
    """One call for the chart's months (GET /v1/stats/units/{code}/months), shown as is."""
    await portal.stack.wait_routed((await portal.stack.submit())["tracking_code"])
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.routing_url) as routing:
        months = (await routing.get("/v1/stats/units/20/months")).json()["months"]
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=portal.url) as client:
        page = (await client.get("/units/20")).text
    table = page[page.index('id="months-table"') :]
    table = table[: table.index("</table>")]
    # The period is this year: the months of the twelve to this one that fall in it.
    year = months[-1]["month"][:4]
    shown = [m for m in months if m["month"].startswith(year)]
    rows = re.findall(r'<th scope="row">(\d\d/\d{4})</th><td>(\d+)</td>', table)
    assert rows == [(f"{m['month'][5:]}/{year}", str(m["received"])) for m in shown]
    assert int(rows[-1][1]) >= 1
