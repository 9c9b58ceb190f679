"""What the browser tests share: viewports, screenshots, the axe-core check, a routed case."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.stack import Stack, wait_until

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5e6b1e70000000049454e44ae426082"
)


async def shoot(page: Any, artifacts: Path, name: str) -> None:
    """The page at phone and desktop width, whole, as a test artifact."""
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(viewport)
        await page.screenshot(path=str(artifacts / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(size)


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (needs a bypass_csp context:
    the vendored script is injected inline, which the portal's own CSP rightly refuses)."""
    await page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


async def reload_until(page: Any, pattern: str, *, what: str, within: float = 20.0) -> None:
    """Reload a server-rendered page until its text matches (the server is the truth)."""

    async def probe() -> bool:
        await page.reload()
        return re.search(pattern, await page.locator("main").inner_text()) is not None

    await wait_until(probe, what=what, within=within)


async def case_id_of(stack: Stack, tracking_code: str) -> str:
    """The case's id, as an official of Xã Cai Kinh finds it in the unit's queue."""

    async def probe() -> str | None:
        queue = await stack["routing"].get("/v1/queues/06427", headers=stack.auth())
        for item in queue.json()["items"]:
            if item["tracking_code"] == tracking_code:
                return str(item["id"])
        return None

    return await wait_until(probe, what=f"{tracking_code} in the unit's queue")
