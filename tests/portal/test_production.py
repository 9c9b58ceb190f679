"""The portal on a production-mode stack (PostgreSQL, Kafka): filed, tracked until routed."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.portal.conftest import CLIENT_TIMEOUT, Portal
from tests.portal.test_pages import PNG, file_form
from tests.support.stack import wait_until

pytestmark = pytest.mark.integration


async def test_filed_through_the_portal_and_routed_on_kafka(production_portal: Portal) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT, base_url=production_portal.url) as client:
        filed = await file_form(
            client,
            "feedback",
            {"title": "Đèn đường hỏng", "description": "Ba cột đèn không sáng.",
             "commune": "Xã Cai Kinh", "notify_by": "none"},
            files={"photo": ("den.png", PNG, "image/png")},
        )  # fmt: skip
        assert filed.status_code == 303, filed.text
        code = filed.headers["location"].split("/")[2]
        receipt = await client.get(filed.headers["location"])
        assert re.search(r'id="access-token">[^<]{20,}<', receipt.text)

        async def routed() -> str | None:
            page = (await client.get(f"/cases/{code}")).text
            return page if "Đã chuyển đến cơ quan" in page and 'class="due"' in page else None

        page = await wait_until(routed, what=f"{code} routed with a deadline", within=60)
        assert "UBND Xã Cai Kinh" in page and "den.png" in page
        units = await client.get("/units/20")
        assert units.status_code == 200 and "<svg" in units.text
