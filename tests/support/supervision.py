"""Helpers for the supervision tests: the board's, the head's and the public's calls."""

from __future__ import annotations

from typing import Any

import httpx

from shared.auth import Role
from tests.support.stack import Stack

UNIT = "06427"  # Xã Cai Kinh, Lạng Sơn (20)


def board(stack: Stack, unit: str = UNIT) -> dict[str, str]:
    return stack.auth(role=Role.supervisor, unit=unit, sub="ban-ttnd-cai-kinh")


def head(stack: Stack, unit: str = UNIT) -> dict[str, str]:
    return stack.auth(role=Role.unit_head, unit=unit, sub="chu-tich-ubnd")


async def open_supervision(stack: Stack, **body: Any) -> dict[str, Any]:
    payload = {"unit_code": UNIT, "title": "Giám sát giải quyết khiếu nại về đất đai"} | body
    answer = await stack["routing"].post("/v1/supervisions", json=payload, headers=board(stack))
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()
    return data


async def recommend(stack: Stack, supervision_id: str, **body: Any) -> httpx.Response:
    payload = {"text": "Đề nghị giải quyết đúng hạn", "reason": "Quá hạn thụ lý"} | body
    return await stack["routing"].post(
        f"/v1/supervisions/{supervision_id}/recommendations", json=payload, headers=board(stack)
    )
