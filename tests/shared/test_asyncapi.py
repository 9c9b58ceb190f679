"""The AsyncAPI 3 document of the case events: every type, its payload schema generated from
the models, the key and the header; real events validate against it; each service serves it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from shared.asyncapi import document
from shared.events import (
    EVENT_MODELS,
    CaseRouted,
    CaseSubmitted,
    EventData,
    Location,
    NotificationDelivered,
    new_event,
)
from tests.support.stack import Stack

DOCUMENT = document("tiepdan", "1", "tiepdan.case-events")
VENDOR = Path(__file__).parent / "vendor" / "asyncapi-specs"


def _validate(message: str, event: dict[str, Any]) -> None:
    # The document is the root its `#/components/...` references resolve against.
    schema = {**DOCUMENT, "$ref": f"#/components/messages/{message}/payload"}
    jsonschema.Draft202012Validator(schema).validate(event)


# The types on the wire, as consumers outside know them: the models declare them, and a renamed
# one would break those consumers.
WIRE_TYPES = {
    "case.submitted",
    "case.routed",
    "case.accepted",
    "case.rejected",
    "case.transferred",
    "case.assigned",
    "case.info_requested",
    "case.message_added",
    "case.dialogue_scheduled",
    "case.dialogue_held",
    "case.extended",
    "case.resolved",
    "case.closed",
    "case.decision_delivered",
    "case.withdrawn",
    "case.rated",
    "case.appealed",
    "case.suspended",
    "case.resumed",
    "case.suspension_notice_sent",
    "case.reclassified",
    "deadline.set",
    "deadline.warning",
    "deadline.breached",
    "notification.sent",
    "notification.failed",
    "supervision.opened",
    "supervision.recommended",
    "recommendation.answered",
    "supervision.closed",
    "supervision.information_requested",
    "supervision.information_given",
    "recommendation.action_done",
}


def test_an_event_model_carries_its_type() -> None:
    assert CaseRouted.type == "case.routed"
    assert EVENT_MODELS["case.routed"] is CaseRouted
    # One model, two types: a delivery and a failed one carry the same data.
    assert NotificationDelivered.types == ("notification.sent", "notification.failed")
    with pytest.raises(TypeError, match="declared twice"):

        class Again(EventData, type="case.routed"):
            pass

    assert EVENT_MODELS["case.routed"] is CaseRouted


def test_every_event_type_is_a_message_of_the_topic() -> None:
    assert DOCUMENT["asyncapi"] == "3.0.0"
    channel = DOCUMENT["channels"]["caseEvents"]
    assert channel["address"] == "tiepdan.case-events"
    names = {m["name"] for m in DOCUMENT["components"]["messages"].values()}
    assert names == set(EVENT_MODELS) == WIRE_TYPES
    for operation in DOCUMENT["operations"].values():
        assert operation["channel"] == {"$ref": "#/channels/caseEvents"}
        assert len(operation["messages"]) == len(WIRE_TYPES)
    for message in DOCUMENT["components"]["messages"].values():
        assert message["bindings"]["kafka"]["key"]["format"] == "uuid"
        assert message["headers"]["properties"]["type"]["const"] == message["name"]


def test_a_real_event_validates_and_a_wrong_one_does_not() -> None:
    event = new_event(
        CaseSubmitted.type,
        source="intake",
        case_id=uuid.uuid4(),
        data=CaseSubmitted(
            tracking_code="ABC123",
            kind="feedback",
            title="Đèn đường hỏng",
            description="Ba cột đèn không sáng.",
            category=None,
            location=Location(unit_code="06427"),
            target=None,
            channel="web",
            submitted_at=datetime.now(UTC),
            anonymous=True,
            publish_consent=False,
        ),
    ).model_dump(mode="json")
    _validate("case_submitted", event)
    broken = {**event, "data": {**event["data"], "tracking_code": 7}}
    try:
        _validate("case_submitted", broken)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("a number as tracking_code was accepted")
    try:
        _validate("case_routed", event)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("case.submitted validated as case.routed")


async def test_each_service_serves_it_beside_its_openapi(stack: Stack) -> None:
    for service in ("intake", "routing", "notification"):
        served = (await stack[service].get("/asyncapi.json")).json()
        assert served["channels"]["caseEvents"]["address"] == stack.settings[service].kafka_topic
        assert set(served["components"]["messages"]) == set(DOCUMENT["components"]["messages"])


def test_the_document_is_valid_asyncapi_3() -> None:
    """Against the AsyncAPI specification's own JSON Schema (vendored from @asyncapi/specs),
    as a team generating its client from the document would check it first."""
    spec = json.loads((VENDOR / "3.0.0.json").read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft7Validator(spec).iter_errors(DOCUMENT), key=lambda e: list(e.path)
    )
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]
