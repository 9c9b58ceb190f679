"""The AsyncAPI 3 document of the case-events topic, generated from the pydantic models, and
served by each service beside its OpenAPI (`/asyncapi.json`), so that a team consuming the
topic can generate its client."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.context import part
from shared.events.envelope import EVENT_MODELS, Envelope
from shared.settings import Settings

REF = "#/components/schemas/{model}"


def _message_id(event_type: str) -> str:
    return event_type.replace(".", "_")


def document(title: str, version: str, topic: str) -> dict[str, Any]:
    unique: list[type[BaseModel]] = [*dict.fromkeys(EVENT_MODELS.values()), Envelope]
    mode: Literal["serialization"] = "serialization"
    models = [(m, mode) for m in unique]
    refs, definitions = models_json_schema(models, ref_template=REF)
    schemas: dict[str, Any] = definitions.get("$defs", {})
    envelope = schemas["Envelope"]
    messages: dict[str, Any] = {}
    for event_type, model in EVENT_MODELS.items():
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
