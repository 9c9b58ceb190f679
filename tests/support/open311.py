"""What the Open311 tests share: the official schemas, XML parsing, a client's api_key."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from services.intake.open311.keys import create_key
from tests.conftest import StackFactory
from tests.support.stack import Stack, room

# Intake's limits out of the way, for tests of something else that send many requests.
WIDE_OPEN = room(ip_burst=100_000, open311_key_burst=100_000, contact_burst=100_000)

BASE = "/open311/v2"
# ../shared beside the checkout, as the deploy tests find the CRDs and the Compose schema.
SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "open311-schemas"
_REGISTRY: Registry[Any] = Registry().with_resources(
    (p.name, Resource(contents=json.loads(p.read_text()), specification=DRAFT7))
    for p in SCHEMAS.glob("*.json")
    if p.name != "swagger.json"
)


def valid(name: str, document: Any) -> None:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft7Validator(
        schema, registry=_REGISTRY, format_checker=jsonschema.FormatChecker()
    ).validate(document)


def xml_root(response: Any) -> ElementTree.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)


def open311_errors(response: Any) -> list[dict[str, Any]]:
    """The answer as Open311's error list, whichever format it came in."""
    if response.headers["content-type"].startswith("text/xml"):
        root = xml_root(response)
        assert root.tag == "errors"
        return [
            {"code": int(e.findtext("code") or 0), "description": e.findtext("description")}
            for e in root.findall("error")
        ]
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body: list[dict[str, Any]] = response.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == response.status_code
    return body


async def api_key(stack: Stack, name: str = "fixmystreet") -> str:
    async with stack.database("intake").transaction() as session:
        return await create_key(session, name)


@pytest.fixture(name="intake")
async def intake_with_room(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    """Intake alone, with rate limits out of the way: these tests send many requests from
    one client, and what they test is not the limits (tests/intake/test_limits.py is)."""
    async with stack_factory(services=("intake",), parts=[WIDE_OPEN]) as running:
        yield running
