"""Delivering queued notices: claimed with a lease, retried with exponential back-off, then
parked as `dead` with the last error. Each outcome is announced (notification.sent/failed)."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from services.notification.channels.base import Channel, PermanentFailure
from services.notification.channels.email import MailFolderChannel, SmtpChannel
from services.notification.channels.http import SmsChannel, WebhookChannel
from services.notification.clock import Clock
from services.notification.metrics import NotifyMetrics
from services.notification.notices import repository
from services.notification.notices.contacts import ClaimContacts, ContactResolver, ResolverDown
from services.notification.notices.models import DEAD, SENT, Notification
from services.notification.notices.repository import Outcome
from services.notification.settings import DEV_WEBHOOK_SECRET, NotifySettings
from services.notification.templates.service import Templates
from shared.db import Database
from shared.events import (
    NOTIFICATION_FAILED,
    NOTIFICATION_SENT,
    NotificationDelivered,
    new_event,
)
from shared.messaging.outbox import Outbox
from shared.personal_data import ADDRESS_WITHHELD, redact_addresses
from shared.settings import Environment, Settings

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)
CONTACT_PREFIX = "contact:"
# Cases whose notices are sent at once by one deliverer: sequentially, one replica sent about
# 11 SMS/s (bench.intake), each send waiting on intake's look-up and the gateway.
SENDING = 8
# What a relay or gateway may echo of a recipient: shared.personal_data's strict patterns.
REDACTED = ADDRESS_WITHHELD


def scrub(error: str, recipient: str | None = None) -> str:
    """The error without the addresses it names: the delivery log is read by officials and
    supervisors, and a denouncer's address is confidential (Luật Tố cáo 2018, Điều 8, 47)."""
    if recipient:  # whatever its form, also where no pattern below would see it
        error = re.sub(re.escape(recipient), REDACTED, error, flags=re.IGNORECASE)
    return redact_addresses(error, REDACTED)


class Deliverer:
    def __init__(
        self,
        database: Database,
        channels: Mapping[str, Channel],
        outbox: Outbox,
        now: Clock,
        *,
        max_attempts: int = 6,
        backoff_seconds: float = 30.0,
        lease_seconds: float = 60.0,
        batch_size: int = 50,
        resolver: ContactResolver | None = None,
        metrics: NotifyMetrics | None = None,
        owner: str | None = None,
    ) -> None:
        self.database = database
        self.channels = dict(channels)
        self.outbox = outbox  # notification.sent / notification.failed
        self.now = now
        self.max_attempts = max_attempts
        self.backoff = backoff_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.resolver = resolver or ContactResolver("")
        self.metrics = metrics
        self.templates = Templates()
        self.owner = owner or f"delivery-{uuid.uuid4().hex[:12]}"

    @classmethod
    def from_settings(
        cls,
        database: Database,
        notify: NotifySettings,
        settings: Settings,
        outbox: Outbox,
        now: Clock,
        metrics: NotifyMetrics | None,
    ) -> Deliverer:
        email: Channel = (
            SmtpChannel(
                notify.smtp_host,
                notify.smtp_port,
                notify.smtp_sender,
                notify.smtp_timeout,
                security=notify.smtp_security,
                username=notify.smtp_username,
                password=notify.smtp_password.get_secret_value(),
            )
            if notify.smtp_host
            else MailFolderChannel(
                notify.mail_dir or settings.data_dir / "mail-outbox", notify.smtp_sender
            )
        )
        return cls(
            database,
            {
                "email": email,
                "sms": SmsChannel(notify.sms_gateway_url),
                "webhook": WebhookChannel(
                    notify.webhook_secret
                    or (DEV_WEBHOOK_SECRET if settings.env is Environment.development else ""),
                    allow_private=notify.webhook_allow_private,
                    https_only=settings.env is not Environment.development,
                ),
            },
            outbox,
            now,
            max_attempts=notify.delivery_max_attempts,
            backoff_seconds=notify.delivery_backoff_seconds,
            lease_seconds=notify.lease_seconds,
            resolver=ContactResolver(
                notify.contact_resolver_url, settings.internal_token.get_secret_value()
            ),
            metrics=metrics,
        )

    async def close(self) -> None:
        """Close the channels' and the resolver's HTTP clients (when the worker stops)."""
        for channel in self.channels.values():
            await channel.close()
        await self.resolver.close()

    async def claim(self) -> list[Notification]:
        now = self.now()
        async with self.database.transaction() as session:
            return await repository.claim_due(
                session,
                now=now,
                owner=self.owner,
                lease_until=now + self.lease,
                limit=self.batch_size,
            )

    async def deliver_once(self) -> int:
        """Deliver what one claim took: the cases side by side (each send waits on the
        gateway, not on this process), each case's notices one after the
        other, in the order they fell due, so that a citizen's texts arrive in the order of
        the steps they tell. At most SENDING cases at once (each holds a database connection
        while it records). Returns how many notices the claim took."""
        claimed = await self.claim()
        # The claim's citizens' addresses, asked of intake in one request, held only while
        # the claim's notices are sent.
        contacts = ClaimContacts(self.resolver)
        await contacts.ask(
            [n.recipient.removeprefix(CONTACT_PREFIX) for n in claimed if _to_citizen(n)]
        )
        by_case: dict[uuid.UUID, list[Notification]] = {}
        for notice in claimed:
            by_case.setdefault(notice.case_id, []).append(notice)
        gate = asyncio.Semaphore(SENDING)

        async def deliver_case(notices: list[Notification]) -> None:
            async with gate:
                for notice in notices:
                    await self.deliver(notice, contacts)

        failures = await asyncio.gather(
            *(deliver_case(notices) for notices in by_case.values()), return_exceptions=True
        )
        for failure in failures:  # every case had its turn; then the first failure is raised
            if isinstance(failure, BaseException):
                raise failure
        return len(claimed)

    async def deliver(self, notice: Notification, contacts: ClaimContacts | None = None) -> None:
        """Send one notice claimed by this deliverer (as the claim returned it), then record
        the outcome. Sending happens outside a transaction (a slow SMTP server must not hold
        locks); the lease keeps other replicas off meanwhile. A crash between sending and
        recording can send twice: delivery is at-least-once, as every mail system is."""
        error: str | None = None
        permanent = False
        recipient = notice.recipient
        try:
            if _to_citizen(notice):
                contacts = contacts or ClaimContacts(self.resolver)
                recipient = await contacts.address(
                    recipient.removeprefix(CONTACT_PREFIX), notice.channel
                )
            channel = self.channels.get(notice.channel)
            if channel is None:
                raise PermanentFailure(f"no channel {notice.channel!r}")
            message = self.templates.render(
                notice.template, notice.language, notice.context, recipient
            )
            await channel.send(message)
        except PermanentFailure as exc:
            error, permanent = str(exc), True
        except ResolverDown as exc:
            # Intake is restarting or down: not this notice's failure, and not counted
            # against its attempts (a long intake outage must not kill the citizen's notice).
            await self._record(notice, str(exc), False, counted=False)
            return
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is not None:  # stored, then served in the delivery log
            error = scrub(error, recipient if _to_citizen(notice) else None)
        await self._record(notice, error, permanent)

    async def _record(
        self, notice: Notification, error: str | None, permanent: bool, *, counted: bool = True
    ) -> None:
        """The outcome, in one statement that also releases the lease, if the notice is still
        this deliverer's (pending, claimed by it): its row is as the claim returned it, since
        only the lease's holder writes it. Announced by notification.sent or .failed, in
        the same statement on PostgreSQL (repository.record_announced)."""
        now = self.now()
        outcome = Outcome(
            state=notice.state,
            attempts=notice.attempts + 1 if counted else notice.attempts,
            next_attempt_at=notice.next_attempt_at,
            last_error=None if error is None else error[:2000],
            sent_at=notice.sent_at,
        )
        event_type = ""
        if not counted:
            outcome.next_attempt_at = now + timedelta(seconds=min(self.backoff * 4, 60.0))
            result = "postponed"
        elif error is None:
            outcome.state, outcome.sent_at = SENT, now
            result, event_type = "sent", NOTIFICATION_SENT
        elif permanent or outcome.attempts >= self.max_attempts:
            outcome.state = DEAD
            result, event_type = "dead", NOTIFICATION_FAILED
        else:
            backoff = self.backoff * 2 ** (outcome.attempts - 1)
            outcome.next_attempt_at = now + timedelta(seconds=backoff)
            result = "retry"
        async with self.database.transaction() as session:
            if event_type:
                event = new_event(
                    event_type,
                    source="notification",
                    case_id=notice.case_id,
                    at=now,
                    data=NotificationDelivered(
                        notification_id=notice.id,
                        channel=notice.channel,
                        audience=notice.audience,
                        template=notice.template,
                        attempts=outcome.attempts,
                    ),
                )
                recorded = await repository.record_announced(
                    session, notice.id, self.owner, outcome, self.outbox, event
                )
            else:
                recorded = await repository.record_outcome(session, notice.id, self.owner, outcome)
            if not recorded:
                return  # no longer this deliverer's: its lease ran out and another took it
        if self.metrics is not None:
            self.metrics.deliveries.labels(notice.channel, result).inc()


def _to_citizen(notice: Notification) -> bool:
    """Whether the notice goes to a citizen, whose address intake holds (by reference)."""
    return notice.recipient.startswith(CONTACT_PREFIX)
