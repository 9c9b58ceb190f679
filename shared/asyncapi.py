"""The AsyncAPI 3 document of the case-events topic, generated from the pydantic models, and
served by each service beside its OpenAPI (`/asyncapi.json`), so that a team consuming the
topic can generate its client."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared import events as ev
from shared.context import part
from shared.events.envelope import KNOWN_TYPES, Envelope
from shared.settings import Settings

# Every event type with the model of its `data`.
EVENTS: dict[str, type[BaseModel]] = {
    ev.CASE_SUBMITTED: ev.CaseSubmitted,
    ev.CASE_ROUTED: ev.CaseRouted,
    ev.CASE_ACCEPTED: ev.CaseAccepted,
    ev.CASE_REJECTED: ev.CaseRejected,
    ev.CASE_TRANSFERRED: ev.CaseTransferred,
    ev.CASE_ASSIGNED: ev.CaseAssigned,
    ev.CASE_INFO_REQUESTED: ev.CaseInfoRequested,
    ev.CASE_MESSAGE_ADDED: ev.CaseMessageAdded,
    ev.CASE_DIALOGUE_SCHEDULED: ev.CaseDialogueScheduled,
    ev.CASE_DIALOGUE_HELD: ev.CaseDialogueHeld,
    ev.CASE_EXTENDED: ev.CaseExtended,
    ev.CASE_SUSPENDED: ev.CaseSuspended,
    ev.CASE_RESUMED: ev.CaseResumed,
    ev.CASE_SUSPENSION_NOTICE_SENT: ev.CaseSuspensionNoticeSent,
    ev.CASE_RESOLVED: ev.CaseResolved,
    ev.CASE_DECISION_DELIVERED: ev.CaseDecisionDelivered,
    ev.CASE_CLOSED: ev.CaseClosed,
    ev.CASE_RECLASSIFIED: ev.CaseReclassified,
    ev.CASE_WITHDRAWN: ev.CaseWithdrawn,
    ev.CASE_RATED: ev.CaseRated,
    ev.CASE_APPEALED: ev.CaseAppealed,
    ev.DEADLINE_SET: ev.DeadlineSet,
    ev.DEADLINE_WARNING: ev.DeadlineWarning,
    ev.DEADLINE_BREACHED: ev.DeadlineBreached,
    ev.NOTIFICATION_SENT: ev.NotificationDelivered,
    ev.NOTIFICATION_FAILED: ev.NotificationDelivered,
    ev.SUPERVISION_OPENED: ev.SupervisionOpened,
    ev.SUPERVISION_RECOMMENDED: ev.SupervisionRecommended,
    ev.RECOMMENDATION_ANSWERED: ev.RecommendationAnswered,
    ev.SUPERVISION_CLOSED: ev.SupervisionClosed,
    ev.SUPERVISION_INFORMATION_REQUESTED: ev.SupervisionInformationRequested,
    ev.SUPERVISION_INFORMATION_GIVEN: ev.SupervisionInformationGiven,
    ev.RECOMMENDATION_ACTION_DONE: ev.RecommendationActionDone,
}
assert set(EVENTS) == KNOWN_TYPES, "every known event type needs its model here"
REF = "#/components/schemas/{model}"


def _message_id(event_type: str) -> str:
    return event_type.replace(".", "_")


def document(title: str, version: str, topic: str) -> dict[str, Any]:
    unique: list[type[BaseModel]] = [*dict.fromkeys(EVENTS.values()), Envelope]
    mode: Literal["serialization"] = "serialization"
    models = [(m, mode) for m in unique]
    refs, definitions = models_json_schema(models, ref_template=REF)
    schemas: dict[str, Any] = definitions.get("$defs", {})
    envelope = schemas["Envelope"]
    messages: dict[str, Any] = {}
    for event_type, model in EVENTS.items():
        payload = {
            **envelope,
            "title": event_type,
            "properties": {
                **envelope["properties"],
                "type": {"type": "string", "const": event_type},
                "data": refs[(model, mode)],
            },
        }
        messages[_message_id(event_type)] = {
            "name": event_type,
            "title": event_type,
            "summary": (model.__doc__ or event_type).strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {
                    "type": {
                        "type": "string",
                        "const": event_type,
                        "description": "the event type, as a Kafka header (UTF-8 bytes)",
                    }
                },
                "required": ["type"],
            },
            "payload": payload,
            "bindings": {
                "kafka": {
                    "key": {
                        "type": "string",
                        "format": "uuid",
                        "description": "the case id: one case's events stay in one partition",
                    },
                    "bindingVersion": "0.5.0",
                }
            },
        }
    channel_messages = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}
    in_channel = [{"$ref": f"#/channels/caseEvents/messages/{name}"} for name in messages]
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"{title}: case events",
            "version": version,
            "description": (
                "Every fact about a case, in order per case (keyed by case id). Consumers "
                "ignore fields they do not know; a field is renamed or removed only with a "
                "new `version`."
            ),
        },
        "defaultContentType": "application/json",
        "channels": {
            "caseEvents": {
                "address": topic,
                "title": "case events",
                "messages": channel_messages,
            }
        },
        "operations": {
            "receiveCaseEvents": {
                "action": "receive",
                "channel": {"$ref": "#/channels/caseEvents"},
                "messages": in_channel,
            },
            "sendCaseEvents": {
                "action": "send",
                "channel": {"$ref": "#/channels/caseEvents"},
                "messages": in_channel,
            },
        },
        "components": {"messages": messages, "schemas": schemas},
    }


router = APIRouter(tags=["operations"])


@router.get("/asyncapi.json", include_in_schema=False)
async def asyncapi(request: Request) -> dict[str, Any]:
    """The AsyncAPI 3 document of the events this service sends and receives."""
    app = request.app
    return document(app.title, app.version, part(app, Settings).kafka_topic)
