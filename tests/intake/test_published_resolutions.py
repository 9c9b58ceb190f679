"""GET /v1/units/{code}/resolutions: the answers citizens consented to publish, about a
commune or any commune of a province, through the real pipeline (intake files, routing
resolves, intake's read model learns the answer)."""

from __future__ import annotations

from typing import Any

from tests.support.stack import Stack, wait_until


async def resolved(stack: Stack, *, consent: bool, publish: bool, summary: str) -> str:
    created = await stack.submit(publish_consent=consent, description=f"Hồ sơ: {summary}")
    code = created["tracking_code"]
    await stack.wait_routed(code)
    official = stack.auth(unit="06427", sub="can-bo-an")

    async def case_id() -> str | None:
        queue = await stack["routing"].get("/v1/queues/06427", headers=stack.auth())
        found = [i["id"] for i in queue.json()["items"] if i["tracking_code"] == code]
        return str(found[0]) if found else None

    case = await wait_until(case_id, what=f"{code} in the unit's queue")
    for name, body in (
        ("accept", {"note": "ok"}),
        ("resolve", {"summary": summary, "publish": publish}),
    ):
        answer = await stack["routing"].post(
            f"/v1/cases/{case}/{name}", json=body, headers=official
        )
        assert answer.status_code == 200, answer.text

    async def answered() -> bool:
        full = await stack["intake"].get(
            f"/v1/cases/{code}", headers={"X-Case-Token": created["access_token"]}
        )
        return (full.json().get("resolution") or {}).get("summary") == summary

    await wait_until(answered, what=f"{code}'s answer in intake")
    return str(code)


async def listed(stack: Stack, unit: str, **params: Any) -> list[dict[str, Any]]:
    answer = await stack["intake"].get(f"/v1/units/{unit}/resolutions", params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_only_consented_and_published_answers_are_listed(stack: Stack) -> None:
    shown = await resolved(stack, consent=True, publish=True, summary="Đã thay bóng đèn")
    # (Routing refuses `publish` without the citizen's consent: 422.)
    await resolved(stack, consent=False, publish=False, summary="Không đồng ý công khai")
    await resolved(stack, consent=True, publish=False, summary="Đơn vị không công khai")
    for unit in ("06427", "20"):  # the commune, and its province
        items = await listed(stack, unit)
        assert [i["tracking_code"] for i in items] == [shown], unit
        (item,) = items
        assert item["resolution"]["summary"] == "Đã thay bóng đèn"
        assert item["place_code"] == "06427" and item["unit"]["code"] == "06427"
        assert item["kind"] == "feedback"
        assert item["description"] == "Hồ sơ: Đã thay bóng đèn"  # consented feedback: public
        assert set(item) >= {"tracking_code", "kind", "category", "resolution"}
        assert "submitter" not in item and "title" not in item
    assert await listed(stack, "06364") == []  # another commune of the province
    assert await listed(stack, "01") == []  # another province
    assert (await stack["intake"].get("/v1/units/99999/resolutions")).status_code == 404
    for limit in ("0", "51", "x"):
        answer = await stack["intake"].get("/v1/units/20/resolutions", params={"limit": limit})
        assert answer.status_code == 422, limit
