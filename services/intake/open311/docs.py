"""What the OpenAPI document says of the Open311 routes: their real status codes, both
media types, Open311's error list, and the form bodies, so tools can exercise them."""

from __future__ import annotations

from typing import Any

ERROR_LIST: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
DESCRIPTIONS = {
    200: "The resource (a list where Open311 says so)",
    201: "Created: a list of one with the new id",
    400: "A bad or missing argument (Open311's error list)",
    403: "No valid api_key (Open311's error list)",
    404: "Not found, or an unknown jurisdiction_id (Open311's error list)",
    413: "The body is too large (Open311's error list)",
    429: "Too many requests for this api_key: see Retry-After (Open311's error list)",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """For a route's `responses=`: each code in JSON and XML, errors as Open311's list."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        schema: dict[str, Any] = ERROR_LIST if code >= 400 else {}
        out[code] = {
            "description": DESCRIPTIONS[code],
            "content": {
                "application/json": {"schema": schema},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
    return out


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    multipart = {
        **schema,
        "properties": {**properties, "media": {"type": "string", "format": "binary"}},
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": schema},
                "multipart/form-data": {"schema": multipart},
            },
        }
    }


_STRING: dict[str, Any] = {"type": "string"}
FORM = _form(
    {
        "api_key": _STRING,
        "jurisdiction_id": _STRING,
        "service_code": _STRING,
        "lat": {"type": "string", "description": "WGS 84 decimal degrees"},
        "long": {"type": "string", "description": "WGS 84 decimal degrees"},
        "address_string": {"type": "string", "maxLength": 500},
        "address_id": {"type": "string", "description": "a commune code"},
        "attribute[kind]": {"type": "string", "enum": ["feedback", "petition"]},
        "attribute[title]": {"type": "string", "maxLength": 200},
        "email": _STRING,
        "device_id": _STRING,
        "account_id": _STRING,
        "first_name": _STRING,
        "last_name": _STRING,
        "phone": _STRING,
        "description": {"type": "string", "maxLength": 4000},
        "media_url": {"type": "array", "items": {"type": "string", "format": "uri"}},
    },
    ["api_key", "service_code"],
)
UPDATE_FORM = _form(
    {
        "api_key": _STRING,
        "jurisdiction_id": _STRING,
        "service_request_id": _STRING,
        "update_id": _STRING,
        "status": _STRING,
        "description": {"type": "string", "maxLength": 4000},
        "updated_datetime": {"type": "string", "format": "date-time"},
        "media_url": {"type": "string", "format": "uri"},
        "email": _STRING,
        "first_name": _STRING,
        "last_name": _STRING,
    },
    ["api_key", "service_request_id", "description"],
)
