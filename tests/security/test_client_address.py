"""Item 1: behind the ingress every request comes from the ingress pod. The per-client
limits must still see each citizen on their own, from what the ingress (not the client)
says, so one client cannot spend everyone's budget nor reset its own with a forged header."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.intake.limits.buckets import LimitSettings
from services.intake.limits.client import client_address
from tests.conftest import StackFactory
from tests.support.stack import Stack, room

INGRESS_POD = ("10.42.3.17", 40312)  # every request's peer behind the ingress
WRITE = "/v1/cases/ABCDE-FGHJK/withdraw"  # a 404 that costs a write token


def _via_ingress(stack: Stack) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=stack.apps["intake"], client=INGRESS_POD)
    return httpx.AsyncClient(transport=transport, base_url="http://intake")


async def _statuses(client: httpx.AsyncClient, n: int, headers: dict[str, str]) -> list[int]:
    return [(await client.post(WRITE, headers=headers)).status_code for _ in range(n)]


@pytest.fixture
async def behind_ingress(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    # the header deploy/k8s sets; a bucket that cannot refill during the test, however slow
    limits = room(ip_burst=3, ip_per_minute=0.001, client_ip_header="X-Real-IP")
    async with stack_factory(services=("intake",), parts=[limits]) as stack:
        yield stack


async def test_one_client_cannot_spend_another_clients_budget(behind_ingress: Stack) -> None:
    async with _via_ingress(behind_ingress) as client:
        flooder = {"X-Real-IP": "203.0.113.9"}
        assert await _statuses(client, 4, flooder) == [404, 404, 404, 429]
        citizen = {"X-Real-IP": "198.51.100.20"}
        assert await _statuses(client, 1, citizen) == [404]  # not the flooder's 429


@pytest.fixture
async def behind_two_proxies(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    limits = room(ip_burst=3, ip_per_minute=0.001, trusted_hops=2)  # a load balancer, then nginx
    async with stack_factory(services=("intake",), parts=[limits]) as stack:
        yield stack


async def test_a_forged_forwarded_for_does_not_reset_a_budget(behind_two_proxies: Stack) -> None:
    async with _via_ingress(behind_two_proxies) as client:
        # The client writes anything on the left; the load balancer appends the client's
        # address, nginx the load balancer's; the peer is nginx.
        def forged(n: int) -> dict[str, str]:
            return {"X-Forwarded-For": f"10.0.0.{n}, 1.2.3.{n}, 203.0.113.9, 10.1.0.2"}

        statuses = [(await client.post(WRITE, headers=forged(n))).status_code for n in range(5)]
        assert statuses == [404, 404, 404, 429, 429]
        other = {"X-Forwarded-For": "203.0.113.9, 198.51.100.20, 10.1.0.2"}
        assert (await client.post(WRITE, headers=other)).status_code == 404


def _scope(peer: str, headers: list[tuple[str, str]]) -> dict[str, object]:
    encoded = [(k.lower().encode(), v.encode()) for k, v in headers]
    return {"type": "http", "client": (peer, 1), "headers": encoded}


def test_the_leftmost_forwarded_for_entry_is_never_the_client() -> None:
    forged = [("X-Forwarded-For", "6.6.6.6, 203.0.113.9")]
    hops = LimitSettings(trusted_hops=1)
    assert client_address(_scope("10.42.3.17", forged), hops) == "203.0.113.9"
    # No trusted proxy configured: the header is the client's word, and ignored.
    assert client_address(_scope("10.42.3.17", forged), LimitSettings()) == "10.42.3.17"
    # Fewer entries than hops (the proxy was bypassed): never further left than the list.
    assert client_address(_scope("203.0.113.9", []), LimitSettings(trusted_hops=2))
    header = LimitSettings(client_ip_header="X-Real-IP")
    junk = [("X-Real-IP", "not-an-address")]
    assert client_address(_scope("10.42.3.17", junk), header) == "10.42.3.17"


def test_an_ipv6_client_is_its_slash_64() -> None:
    settings = LimitSettings(client_ip_header="X-Real-IP")
    one = client_address(_scope("10.0.0.1", [("X-Real-IP", "2001:db8:1:2::1")]), settings)
    two = client_address(_scope("10.0.0.1", [("X-Real-IP", "2001:db8:1:2:ffff::9")]), settings)
    assert one == two == "2001:db8:1:2::/64"


def test_the_old_leftmost_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="TIEPDAN_LIMITS_TRUST_FORWARDED_FOR"):
        LimitSettings(trust_forwarded_for=True)
