"""Dates and times in requests are ISO 8601 strings: a number is not taken for a Unix time."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.auth import Role
from shared.dates import IsoDate, IsoDateTime
from tests.support.stack import Stack

DATE: TypeAdapter[date] = TypeAdapter(IsoDate)
DATETIME: TypeAdapter[datetime] = TypeAdapter(IsoDateTime)


@pytest.mark.parametrize("value", ["1767225600", "0", "1e-22", "0.5", 1767225600, "2026-1-1"])
def test_numbers_are_not_dates(value: object) -> None:
    with pytest.raises(ValidationError, match="ISO 8601"):
        DATE.validate_python(value)
    with pytest.raises(ValidationError, match="ISO 8601"):
        DATETIME.validate_python(value)


def test_iso_strings_are() -> None:
    assert DATE.validate_python("2026-01-01") == date(2026, 1, 1)
    at = DATETIME.validate_python("2026-01-01T08:00:00+07:00")
    assert at.isoformat() == "2026-01-01T08:00:00+07:00"


async def test_the_services_refuse_numbers_where_dates_go(stack: Stack) -> None:
    admin = stack.auth(role=Role.admin, unit=None)
    official = stack.auth()
    for service, method, path, params, headers in (
        ("notification", "PUT", "/v1/calendar/overrides/1767225600", {}, admin),
        ("notification", "GET", "/v1/calendar/working-days", {"from": "0", "to": "1"}, {}),
        ("notification", "GET", "/v1/deadlines", {"due_before": "0.5"}, official),
        ("routing", "GET", "/v1/routing/rules", {"at": "1e-22"}, official),
        ("routing", "GET", "/v1/queues/06427", {"due_before": "0.5"}, official),
        ("routing", "GET", "/v1/reports/units/06427", {"from": "0", "to": "1"}, {}),
    ):
        body = {"working": False, "reason": "Nghỉ bù"} if method == "PUT" else None
        answer = await stack[service].request(
            method, path, params=params, headers=headers, json=body
        )
        assert answer.status_code == 422, (path, answer.text)
        assert "ISO 8601" in answer.json()["detail"], path


def test_bodies_refuse_numbers_where_dates_go() -> None:
    from services.intake.cases.schemas import DialogueIn
    from services.routing.reception.schemas import SessionCreate
    from services.routing.rules.schemas import RuleSetWrite

    session = {"starts_at": 1767225600, "ends_at": 1767232800, "place": "UBND", "host": "An"}
    for model, body in (
        (SessionCreate, session),
        (RuleSetWrite, {"effective_from": 1767225600, "rules": []}),
        (DialogueIn, {"topic": "Đường", "preferred_dates": [1767225600]}),
    ):
        with pytest.raises(ValidationError, match="ISO 8601"):
            model.model_validate_json(json.dumps(body))
