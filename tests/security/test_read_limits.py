"""Item 2: reads are limited per client (generous for a person, tight for a scanner);
looking a case up by code costs the same whether it exists or not; Open311 POSTs count
the per-client limit and wrong api_keys are counted, so neither is a free attempt."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import StackFactory
from tests.support.stack import Stack, room

# Buckets that do not refill within a test, however slow the machine: a token back after 0.5 s
# (the default read rate) turned the ninth read into a 200 on a loaded machine (load average 10).
SLOW = 0.001  # a token per 1,000 minutes
LIMITS = room(
    lookup_burst=4,
    lookup_per_minute=SLOW,
    read_burst=8,
    read_per_minute=SLOW,
    ip_burst=3,
    ip_per_minute=SLOW,
    open311_bad_key_burst=2,
    open311_bad_key_per_minute=SLOW,
)


@pytest.fixture
async def limited(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    async with stack_factory(services=("intake",), parts=[LIMITS]) as stack:
        yield stack


def _from(stack: Stack, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=stack.apps["intake"], client=(address, 1234))
    return httpx.AsyncClient(transport=transport, base_url="http://intake")


async def test_a_miss_costs_what_a_hit_costs_and_codes_cannot_be_walked(limited: Stack) -> None:
    code = (await limited.submit())["tracking_code"]
    async with _from(limited, "203.0.113.9") as scanner:
        walk = [f"/v1/cases/{code}", "/v1/cases/ABCDE-FGHJK", f"/v1/cases/{code}", "/v1/cases/X"]
        assert [(await scanner.get(p)).status_code for p in walk] == [200, 404, 200, 404]
        for path in (f"/v1/cases/{code}", "/v1/cases/ABCDE-FGHJK"):
            refused = await scanner.get(path)
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    async with _from(limited, "198.51.100.20") as citizen:
        assert (await citizen.get(f"/v1/cases/{code}")).status_code == 200


async def test_reads_have_a_per_client_budget(limited: Stack) -> None:
    async with _from(limited, "203.0.113.9") as client:
        statuses = [(await client.get("/v1/categories")).status_code for _ in range(9)]
        assert statuses == [200] * 8 + [429]
        assert (await client.get("/healthz")).status_code == 200  # probes are never limited


async def test_open311_posts_count_the_per_client_limit(limited: Stack) -> None:
    async with _from(limited, "203.0.113.9") as client:
        form = {"description": "x"}  # no api_key at all
        statuses = [
            (await client.post("/open311/v2/requests.json", data=form)).status_code
            for _ in range(4)
        ]
        assert statuses == [403, 403, 403, 429]


async def test_wrong_api_keys_are_counted(stack_factory: StackFactory) -> None:
    limits = room(open311_bad_key_burst=2, open311_bad_key_per_minute=SLOW)
    async with stack_factory(services=("intake",), parts=[limits]) as stack:
        form = {"api_key": "guess", "service_code": "environment", "description": "x"}
        async with _from(stack, "203.0.113.9") as guesser:
            statuses = [
                (await guesser.post("/open311/v2/requests.json", data=form)).status_code
                for _ in range(4)
            ]
            assert statuses == [403, 403, 429, 429]
        async with _from(stack, "198.51.100.20") as other:
            assert (await other.post("/open311/v2/requests.json", data=form)).status_code == 403
