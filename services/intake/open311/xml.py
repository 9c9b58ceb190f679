"""Open311's XML: the JSON mapped element for element; list items get their singular tag.

Whatever is stored, the document is well formed: a character XML 1.0 cannot carry (refused
at the edge, but older rows or other writers may hold one) is written as U+FFFD.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from shared.text import XML_FORBIDDEN

ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str:
    return XML_FORBIDDEN.sub("\ufffd", str(value))


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(SubElement(element, key), child)
    elif isinstance(value, list):
        tag = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(SubElement(element, tag), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _text(value)


def render(root: str, value: Any) -> bytes:
    element = Element(root)
    _fill(element, value)
    body = tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")
