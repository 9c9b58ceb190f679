"""Email over SMTP (aiosmtplib); in embedded mode, .eml files in a local outbox folder."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

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

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    async def send(self, message: Message) -> None:
        try:
            await aiosmtplib.send(
                _email(message, self.sender),
                hostname=self.host,
                port=self.port,
                timeout=self.timeout,
                start_tls=False,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc}") from exc


class MailFolderChannel:
    name = "email"

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder, self.sender = folder, sender

    async def send(self, message: Message) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        mail = _email(message, self.sender)
        path = self.folder / f"{uuid.uuid4()}.eml"
        path.write_bytes(bytes(mail))
