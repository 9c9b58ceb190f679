"""Item 17: a webhook address set by an admin cannot point into the cluster. https only in
production; no loopback, link-local (cloud metadata) or private address unless allowed."""

from __future__ import annotations

import pytest

from services.notification.channels.addresses import address_problem
from services.notification.channels.base import Message, PermanentFailure
from services.notification.channels.http import WebhookChannel
from shared.auth import Role
from tests.conftest import StackFactory
from tests.support.http_server import HttpServer, http_server  # noqa: F401  (a fixture)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.7/hook",
        "https://192.168.1.1/hook",
        "https://0.0.0.0/hook",
        "https://localhost:8001/internal/v1/contacts",
        "https://user:pw@hooks.example.vn/hook",
        "ftp://hooks.example.vn/hook",
    ],
)
def test_internal_addresses_are_refused(url: str) -> None:
    assert address_problem(url, https_only=False, allow_private=False)


def test_production_takes_https_only_and_a_setting_allows_private_addresses() -> None:
    assert address_problem("http://hooks.example.vn/h", https_only=True, allow_private=False)
    public = "https://hooks.example.vn/h"
    assert address_problem(public, https_only=True, allow_private=False) is None
    assert address_problem("https://10.0.0.7/h", https_only=True, allow_private=True) is None


async def test_an_admin_cannot_set_a_private_webhook(stack_factory: StackFactory) -> None:
    async with stack_factory(services=("notification",)) as stack:
        client, admin = stack["notification"], stack.auth(role=Role.admin, unit=None)
        for address in ("http://169.254.169.254/latest", "http://intake.localhost/internal"):
            refused = await client.put(
                "/v1/unit-contacts/06427",
                json={"items": [{"channel": "webhook", "address": address}]},
                headers=admin,
            )
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["loc"] == ["items", 0, "address"]
        accepted = await client.put(
            "/v1/unit-contacts/06427",
            json={"items": [{"channel": "webhook", "address": "https://hooks.example.vn/t"}]},
            headers=admin,
        )
        assert accepted.status_code == 200, accepted.text


async def test_delivery_refuses_a_loopback_target_before_posting(
    http_server: HttpServer,  # noqa: F811
) -> None:
    """Checked again at delivery: a stored address (or a name) may lead inside."""
    channel = WebhookChannel("a-webhook-secret-for-tests", https_only=False)
    message = Message(
        recipient=f"{http_server.url}/hook", subject="s", body="b", sms="", payload={"a": 1}
    )
    with pytest.raises(PermanentFailure, match="webhook address refused"):
        await channel.send(message)
    assert http_server.requests == []
