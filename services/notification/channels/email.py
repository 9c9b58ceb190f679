"""Email over SMTP (aiosmtplib); in embedded mode, .eml files in a local outbox folder."""

from __future__ import annotations

import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from services.notification.channels.base import Message, PermanentFailure


def _email(message: Message, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = f"<{uuid.uuid4()}@tiepdan>"
    mail.set_content(message.body)
    return mail


class SmtpChannel:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        timeout: float = 10.0,
        *,
        security: str = "none",
        username: str = "",
        password: str = "",
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.security, self.username, self.password = security, username, password
        self.tls_context = tls_context

    def options(self) -> dict[str, Any]:
        """aiosmtplib's connection options: STARTTLS is required (never opportunistic), or
        implicit TLS, or clear text only when configured so; certificates are verified."""
        options: dict[str, Any] = {
            "hostname": self.host,
            "port": self.port,
            "timeout": self.timeout,
            "use_tls": self.security == "tls",
            "start_tls": self.security == "starttls",
        }
        if self.security != "none":
            if self.tls_context is None:
                # Built once: loading the CA bundle is about 25 ms of CPU, once per mail before.
                self.tls_context = ssl.create_default_context()
            options["tls_context"] = self.tls_context
        if self.username:
            options.update(username=self.username, password=self.password)
        return options

    async def send(self, message: Message) -> None:
        import aiosmtplib  # on the first mail, not while the service starts (issue 15)

        try:
            await aiosmtplib.send(_email(message, self.sender), **self.options())
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc}") from exc

    async def close(self) -> None:
        """Nothing kept: a connection per mail (a relay may close idle ones at any time)."""


class MailFolderChannel:
    name = "email"

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder, self.sender = folder, sender

    async def send(self, message: Message) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        mail = _email(message, self.sender)
        path = self.folder / f"{uuid.uuid4()}.eml"
        path.write_bytes(bytes(mail))

    async def close(self) -> None:
        """Nothing kept between messages."""
