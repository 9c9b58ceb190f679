"""What intake's OpenAPI document promises is what it answers: problem+json 422s (and 400s for
malformed JSON), the Open311 routes' own codes, media types and form bodies; and a 405 lists
every method of its path."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from shared.errors import PROBLEM_JSON, install_error_handlers
from tests.support.stack import Stack


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


async def test_every_problem_is_declared_as_the_service_answers_it(intake: Stack) -> None:
    document = (await intake["intake"].get("/openapi.json")).json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = {"$ref": "#/components/schemas/Problem"}
    seen_422 = 0
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        if path.startswith("/open311/"):
            assert "422" not in responses, (method, path)
            continue
        if "422" in responses:
            seen_422 += 1
            assert responses["422"]["content"] == {PROBLEM_JSON: {"schema": problem}}
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            assert responses["400"]["content"] == {PROBLEM_JSON: {"schema": problem}}, path
        if method in ("post", "put", "patch", "delete"):  # the abuse limits answer first
            assert {"413", "429"} <= set(responses), (method, path)
    assert seen_422 > 5
    # The 422 the document declares is the one the service sends.
    refused = await intake["intake"].post("/v1/cases", json={"kind": "feedback"})
    assert refused.status_code == 422
    body = refused.json()
    assert isinstance(body["detail"], str) and body["errors"][0]["loc"]


async def test_open311_routes_declare_their_codes_media_types_and_forms(intake: Stack) -> None:
    document = (await intake["intake"].get("/openapi.json")).json()
    post = document["paths"]["/open311/v2/requests.{fmt}"]["post"]
    assert {"201", "400", "403", "404"} <= set(post["responses"])
    assert set(post["responses"]["201"]["content"]) == {"application/json", "text/xml"}
    error = post["responses"]["400"]["content"]["application/json"]["schema"]
    assert error["items"]["required"] == ["code", "description"]
    form = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"api_key", "service_code", "lat", "long", "attribute[kind]"} <= set(form["properties"])
    assert "media" in post["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    fmt = next(p for p in post["parameters"] if p["name"] == "fmt")
    assert fmt["schema"]["enum"] == ["json", "xml"]
    assert "/open311/v2/servicerequestupdates.{fmt}" in document["paths"]


async def test_a_405_lists_every_method_of_the_path() -> None:
    app = FastAPI()
    install_error_handlers(app)
    first, second = APIRouter(), APIRouter()

    @first.get("/things/{day}")
    async def read(day: str) -> dict[str, str]:
        return {"day": day}

    @second.put("/things/{day}")
    async def write(day: str) -> dict[str, str]:
        return {"day": day}

    @second.delete("/things/{day}")
    async def remove(day: str) -> dict[str, str]:
        return {"day": day}

    app.include_router(first)
    app.include_router(second)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post("/things/2026-01-01")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "DELETE, GET, PUT"
    assert answer.headers["content-type"] == PROBLEM_JSON


async def test_an_outage_under_open311_is_a_503_in_open311s_format() -> None:
    from services.intake.open311.answers import Open311Route

    app = FastAPI()
    install_error_handlers(app)
    router = APIRouter(route_class=Open311Route)

    @router.get("/open311/v2/requests.{fmt}")
    async def down(fmt: str) -> dict[str, str]:
        raise ConnectionRefusedError("database down")

    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/open311/v2/requests.xml")
    assert answer.status_code == 503 and answer.headers["retry-after"]
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert b"<errors><error><code>503</code>" in answer.content
