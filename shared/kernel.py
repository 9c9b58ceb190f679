"""What every service's lifespan builds: its settings, database, bus, outbox, relay, consumers.

A service's own context is a dataclass deriving from ServiceContext (the kernel, then its own
parts); the aliases below are the kernel's parts as FastAPI dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from shared.auth import TokenVerifier
from shared.bus.base import Bus
from shared.context import provided
from shared.db import Database
from shared.messaging.consumer import EventConsumer
from shared.messaging.outbox import Outbox
from shared.messaging.relay import OutboxRelay
from shared.metrics import ServiceMetrics
from shared.settings import Settings


@dataclass(frozen=True)
class Kernel:
    settings: Settings
    database: Database
    bus: Bus
    outbox: Outbox
    relay: OutboxRelay
    metrics: ServiceMetrics
    token_verifier: TokenVerifier
    # filled once the handlers (built from the service's context) exist
    consumers: list[EventConsumer] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceContext:
    """A service's context: the kernel; services derive their own, adding their parts."""

    kernel: Kernel


KernelDep = Annotated[Kernel, provided(Kernel)]
SettingsDep = Annotated[Settings, provided(Settings)]
OutboxDep = Annotated[Outbox, provided(Outbox)]
DatabaseDep = Annotated[Database, provided(Database)]
