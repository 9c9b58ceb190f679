"""Item 13: e-mail to the relay is encrypted (STARTTLS required, never opportunistic) and
authenticated, against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.notification.channels.base import Message
from services.notification.channels.email import SmtpChannel

MESSAGE = Message(recipient="tiep-dan@caikinh.gov.vn", subject="s", body="b", sms="", payload={})


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[bool, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((session.ssl is not None, envelope.content))
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"relay", b"pw")
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


def _server(inbox: Inbox, certificate: tuple[Path, Path] | None) -> Controller:
    kwargs: dict[str, Any] = {}
    if certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*map(str, certificate))
        kwargs.update(tls_context=context, require_starttls=True, authenticator=_authenticate)
    return Controller(inbox, hostname="127.0.0.1", port=_free_port(), **kwargs)


@pytest.fixture
def plain_relay() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = _server(inbox, None)
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def tls_relay(certificate: tuple[Path, Path]) -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = _server(inbox, certificate)
    controller.start()
    yield controller, inbox
    controller.stop()


async def test_a_relay_without_starttls_gets_nothing_in_clear(
    plain_relay: tuple[Controller, Inbox],
) -> None:
    controller, inbox = plain_relay
    channel = SmtpChannel("127.0.0.1", controller.port, "tiepdan@test", security="starttls")
    with pytest.raises(aiosmtplib.SMTPException):
        await channel.send(MESSAGE)
    assert inbox.messages == []


async def test_mail_goes_over_starttls_with_the_relay_credentials(
    tls_relay: tuple[Controller, Inbox], certificate: tuple[Path, Path]
) -> None:
    controller, inbox = tls_relay
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    channel = SmtpChannel(
        "127.0.0.1",
        controller.port,
        "tiepdan@test",
        security="starttls",
        username="relay",
        password="pw",
        tls_context=trust,
    )
    await channel.send(MESSAGE)
    [(encrypted, _)] = inbox.messages
    assert encrypted


async def test_an_untrusted_relay_certificate_is_refused(
    tls_relay: tuple[Controller, Inbox],
) -> None:
    controller, inbox = tls_relay
    channel = SmtpChannel(
        "127.0.0.1", controller.port, "tiepdan@test", security="starttls", username="relay"
    )
    with pytest.raises((aiosmtplib.SMTPException, ssl.SSLError)):
        await channel.send(MESSAGE)
    assert inbox.messages == []
