"""The portal in a real browser (Debian's Chromium, driven by Playwright): what a citizen
does on a phone, with and without JavaScript; screenshots under var/test-artifacts/portal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.portal.browser_support import (
    DESKTOP,
    PHONE,
    PNG,
    axe_violations,
    case_id_of,
    reload_until,
    shoot,
)
from tests.portal.conftest import Portal
from tests.support.stack import wait_until

pytestmark = pytest.mark.browser


async def _phone(browser: Any, **options: Any) -> Any:
    context = await browser.new_context(viewport=PHONE, locale="vi-VN", **options)
    return await context.new_page()


def _console_errors(page: Any) -> list[str]:
    """Errors the page logs: a CSP violation (an inline style, a foreign script) is one."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


async def _receipt(page: Any) -> tuple[str, str]:
    await expect(page.locator("#tracking-code")).to_be_visible()
    return (
        (await page.locator("#tracking-code").inner_text()).strip(),
        (await page.locator("#access-token").inner_text()).strip(),
    )


async def test_file_a_feedback_with_a_photo_and_track_it_until_routed(
    portal: Portal, browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    page = await _phone(browser)
    errors = _console_errors(page)
    await page.goto(portal.url)
    await shoot(page, artifacts, "home")
    await page.get_by_role("link", name=re.compile("Phản ánh")).click()
    await expect(page.locator("#rules")).to_contain_text("không cần tên")
    await page.fill("#title", "Đèn đường hỏng ở thôn Bản Chắt")
    await page.fill("#description", "Ba cột đèn trên đường liên thôn không sáng.")
    await page.select_option("#category", "transport")
    await page.locator("#commune").press_sequentially("cai kinh")
    photo = tmp_path / "den-duong.png"
    photo.write_bytes(PNG)
    await page.set_input_files("#photo", str(photo))
    await page.check("input[name=notify_by][value=none]")
    await page.check("input[name=publish_consent]")
    await shoot(page, artifacts, "new-feedback")
    await page.click("button.primary")

    code, token = await _receipt(page)
    assert len(token) > 20 and token not in page.url
    await shoot(page, artifacts, "receipt")
    await page.get_by_role("link", name=re.compile("Theo dõi hồ sơ")).click()
    await expect(page).to_have_url(f"{portal.url}/cases/{code}")
    await reload_until(page, "Đã chuyển đến cơ quan có thẩm quyền", what=f"{code} routed")
    await expect(page.locator("#unit")).to_contain_text("Cai Kinh")
    deadline = page.locator("#deadlines tbody tr").first

    async def deadline_shown() -> bool:  # notification's clock arrives after the routing
        await page.reload()
        return await deadline.locator("td.due").count() > 0

    await wait_until(deadline_shown, what=f"{code}'s deadline shown")
    await expect(deadline.locator("td.due")).to_have_text(re.compile(r"\d{2}/\d{2}/\d{4}"))
    await expect(deadline).to_contain_text("Luật")
    await expect(page.locator("#photos")).to_contain_text("den-duong.png")
    await shoot(page, artifacts, "case-full")
    # The token shown once: the receipt does not show it again.
    await page.goto(f"{portal.url}/cases/{code}/receipt")
    await expect(page).to_have_url(f"{portal.url}/cases/{code}")
    assert token not in await page.content()
    assert errors == []


async def test_a_complaint_resolved_by_the_unit_is_rated_and_appealed(
    portal: Portal, browser: Any, artifacts: Path
) -> None:
    page = await _phone(browser)
    await page.goto(f"{portal.url}/cases/new?kind=complaint")
    await expect(page.locator("#rules")).to_contain_text("Luật Khiếu nại 2011")
    await page.fill("#title", "Khiếu nại quyết định thu hồi đất")
    await page.fill("#description", "Quyết định thu hồi đất không đúng diện tích.")
    await page.fill("#target_person", "UBND xã Cai Kinh")
    await page.fill("#target_decision", "QĐ 12/2026")
    await page.fill("#commune", "Cai Kinh")
    await page.fill("#full_name", "Nguyễn Văn An")
    await page.fill("#phone", "0912000111")
    await page.check("input[name=notify_by][value=sms]")
    await page.check("input[name=publish_consent]")
    await page.click("button.primary")
    code, _ = await _receipt(page)

    stack = portal.stack
    case_id = await case_id_of(stack, code)
    official = stack.auth(unit="06427", sub="can-bo-an")
    for name, body in (
        ("accept", {"note": "Đủ điều kiện thụ lý"}),
        ("resolve", {"summary": "Giữ nguyên quyết định", "decision_ref": "QĐ 31/2026",
                     "publish": True}),
    ):  # fmt: skip
        answer = await stack["routing"].post(
            f"/v1/cases/{case_id}/{name}", json=body, headers=official
        )
        assert answer.status_code == 200, answer.text

    await page.goto(f"{portal.url}/cases/{code}")
    await reload_until(page, "Đã giải quyết", what=f"{code} resolved at intake")
    await expect(page.locator("main")).to_contain_text("Giữ nguyên quyết định")
    await page.check("input[name=score][value='2']")
    await page.fill("#comment", "Chưa thỏa đáng")
    await page.locator("#rating button").click()
    await expect(page.locator("#rated")).to_contain_text("2/5")
    await shoot(page, artifacts, "case-resolved")

    await page.fill("#reason", "Tôi không đồng ý với quyết định giải quyết lần đầu.")
    await page.locator("#appeal button").click()
    await expect(page).not_to_have_url(f"{portal.url}/cases/{code}")
    await expect(page.locator("main")).to_contain_text("Khiếu nại lần hai của hồ sơ")
    await expect(page.get_by_role("link", name=code)).to_be_visible()
    await page.goto(f"{portal.url}/cases/{code}")
    await expect(page.locator("#status")).to_contain_text("Đã khiếu nại lần hai")


async def test_a_denunciations_page_shows_nothing_confidential(
    portal: Portal, browser: Any, artifacts: Path
) -> None:
    page = await _phone(browser)
    await page.goto(f"{portal.url}/cases/new?kind=denunciation")
    await expect(page.locator("#rules")).to_contain_text("giữ bí mật")
    secrets = {
        "#title": "Tố cáo cán bộ địa chính xã",
        "#description": "Ông Hoàng Văn Bính nhận tiền khi cấp sổ đỏ.",
        "#target_person": "Hoàng Văn Bính",
        "#full_name": "Trần Thị Tố Nga",
        "#phone": "0987654321",
    }
    for selector, value in secrets.items():
        await page.fill(selector, value)
    await page.fill("#commune", "06427")
    await page.click("button.primary")
    code, _ = await _receipt(page)

    stranger = await _phone(browser)  # no cookie: the public view
    await stranger.goto(f"{portal.url}/cases/{code}")
    await expect(stranger.locator("#status")).to_be_visible()
    shown = await stranger.content()
    for value in secrets.values():
        assert value not in shown, value
    assert "Cai Kinh" not in shown  # not even the unit: status and deadlines only
    await shoot(stranger, artifacts, "case-denunciation-public")
    # The denouncer, with the token, sees their own case in full.
    await page.goto(f"{portal.url}/cases/{code}")
    await expect(page.locator("main")).to_contain_text("Hoàng Văn Bính")


async def test_the_forms_work_with_javascript_off(
    portal: Portal, browser: Any, artifacts: Path
) -> None:
    page = await _phone(browser, java_script_enabled=False)
    await page.goto(portal.url)
    await page.get_by_role("link", name=re.compile("Kiến nghị")).click()
    await page.fill("#title", "Đề nghị sửa cầu treo")
    await page.fill("#description", "Cầu treo xuống cấp, đi lại nguy hiểm.")
    await page.fill("#commune", "xa tan")  # several communes: the server offers them
    await page.click("button.primary")
    await expect(page.locator("#commune-error")).to_be_visible()
    await shoot(page, artifacts, "new-choose-commune")
    await page.locator("input[name=unit_code]").first.check()
    await expect(page.locator("#title")).to_have_value("Đề nghị sửa cầu treo")
    await page.click("button.primary")
    code, token = await _receipt(page)

    # A second device: the public view, then the token typed in.
    other = await _phone(browser, java_script_enabled=False)
    await other.goto(portal.url)
    await other.fill("#code", code.lower())
    await other.get_by_role("button", name=re.compile("Tra cứu")).click()
    await expect(other).to_have_url(f"{portal.url}/cases/{code}")
    await other.fill("#token", "not-the-token")
    await other.locator("#token-form button").click()
    await expect(other.locator("#token-error")).to_be_visible()
    await other.fill("#token", token)
    await other.locator("#token-form button").click()
    await expect(other.locator("main")).to_contain_text("Đề nghị sửa cầu treo")
    await other.fill("#text", "Bổ sung: cầu ở đầu bản Nà Hin.")
    await other.locator("#messages button").click()
    await expect(other.locator("#messages")).to_contain_text("cầu ở đầu bản Nà Hin")
    await other.locator("#withdraw button").click()
    await expect(other.locator("#status")).to_contain_text("Đã rút")


async def test_the_transparency_page_of_a_province_charts_the_figures(
    portal: Portal, browser: Any, artifacts: Path
) -> None:
    stack = portal.stack
    for category in ("transport", "transport", "environment"):
        # The last one with the citizen's consent to publish its answer.
        created = await stack.submit(category=category, publish_consent=category == "environment")
        await stack.wait_routed(created["tracking_code"])
    official = stack.auth(unit="06427", sub="can-bo-an")
    case_id = await case_id_of(stack, created["tracking_code"])
    resolve = {"summary": "Đã thu gom rác ở bãi đầu thôn", "publish": True}
    for name, body in (("accept", {"note": "ok"}), ("resolve", resolve)):
        answer = await stack["routing"].post(
            f"/v1/cases/{case_id}/{name}", json=body, headers=official
        )
        assert answer.status_code == 200, answer.text

    async def figures() -> dict[str, Any] | None:
        stats = (await stack["routing"].get("/v1/stats/units/20")).json()
        return stats if stats["figures"]["resolved"] == 1 else None

    stats = await wait_until(figures, what="the province's figures counting the resolution")
    starts = datetime.now(UTC) + timedelta(days=7)
    session = await stack["routing"].post(
        "/v1/units/06427/reception-sessions",
        json={"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
              "place": "Hội trường UBND xã Cai Kinh", "host": "Chủ tịch UBND xã", "capacity": 30},
        headers=official,
    )  # fmt: skip
    assert session.status_code == 201, session.text
    page = await _phone(browser)
    errors = _console_errors(page)
    await page.goto(f"{portal.url}/units/20")
    await expect(page.locator("h1")).to_contain_text("Lạng Sơn")
    charts = page.locator("svg[role=img]")
    await expect(charts).to_have_count(3)
    await expect(charts.first.locator("rect").first).to_be_attached()
    row = page.locator("#communes tbody tr", has_text="Cai Kinh")
    mine = next(r for r in stats["by_unit"] if r["unit_code"] == "06427")
    await expect(row.locator("td").first).to_have_text(str(mine["received"]))
    await expect(page.locator(".tiles")).to_contain_text(str(stats["figures"]["received"]))
    await shoot(page, artifacts, "unit-province")
    await page.locator("#communes thead a", has_text="Tiếp nhận").click()
    await expect(page).to_have_url(re.compile(r"sort=-?received"))
    async with page.expect_download() as download:
        await page.locator("#csv").click()
    assert (await download.value).suggested_filename.startswith("report-20-")
    await page.goto(f"{portal.url}/units/06427")
    await expect(page.locator("#months-table")).to_be_visible()
    await expect(page.locator("#published")).to_contain_text("Đã thu gom rác ở bãi đầu thôn")
    await expect(page.locator("main")).to_contain_text("Hội trường UBND xã Cai Kinh")
    await shoot(page, artifacts, "unit-commune")
    assert errors == []


async def test_every_page_passes_axe_core(portal: Portal, browser: Any) -> None:
    created = await portal.stack.submit()
    code, token = created["tracking_code"], created["access_token"]
    page = await _phone(browser, bypass_csp=True)
    kinds = ("feedback", "petition", "complaint", "denunciation", "dialogue_request")
    pages = ["/", "/units?q=lang+son", "/units/20", "/units/06427", f"/cases/{code}",
             "/cases/NOSUCHCODE", *(f"/cases/new?kind={k}" for k in kinds)]  # fmt: skip
    found: dict[str, Any] = {}
    for viewport in (PHONE, DESKTOP):
        await page.set_viewport_size(viewport)
        for path in pages:
            await page.goto(portal.url + path)
            if violations := await axe_violations(page):
                found[f"{path} @{viewport['width']}"] = violations
    await page.goto(f"{portal.url}/cases/{code}")
    await page.fill("#token", token)
    await page.locator("#token-form button").click()
    if violations := await axe_violations(page):
        found["full view"] = violations
    assert found == {}
