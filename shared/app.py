"""Builds a service's FastAPI app: database, bus, outbox relay, consumers, health and metrics.

Everything is built in the lifespan, never at import, and closed on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic_settings import BaseSettings
from sqlalchemy import MetaData
from starlette.types import ASGIApp

from shared.auth import TokenVerifier
from shared.bus.base import Bus
from shared.bus.embedded import EmbeddedBus
from shared.context import install
from shared.db import Database
from shared.errors import OutageAnswers, ServiceUnavailable, install_error_handlers
from shared.kernel import Kernel, KernelDep, ServiceContext
from shared.messaging.consumer import ConsumerConfig, EventConsumer, Handlers
from shared.messaging.outbox import Outbox
from shared.messaging.relay import OutboxRelay
from shared.messaging.tables import MessagingTables
from shared.metrics import HttpMetricsMiddleware, ServiceMetrics
from shared.settings import BusKind, Settings

log = logging.getLogger(__name__)
SHUTDOWN_SECONDS = 20  # consumers finish the event in hand within this; k8s grace is longer
WORKER_SHUTDOWN_SECONDS = 10  # a worker's step in hand (a sweep, a delivery) within this
C = TypeVar("C", bound=ServiceContext)


class Worker(Protocol):
    """A service's background loop: runs until stopped, finishing the step in hand."""

    async def run(self) -> None: ...

    def stop(self) -> None: ...


def no_workers(_: ServiceContext) -> Sequence[Worker]:
    return ()


@dataclass(frozen=True)
class ServiceDefinition(Generic[C]):
    name: str
    title: str
    version: str
    routers: Sequence[APIRouter]
    metadata: MetaData
    messaging: MessagingTables
    migrations: Path
    # builds the service's context around the kernel, in the lifespan (reference data...)
    context: Callable[[Kernel], Awaitable[C]]
    # consumer group name -> its table of handlers bound to their dependencies, built from the
    # service's context (`bind(HANDLERS, deps)`, shared/messaging/consumer.py), or its parts
    consumers: Mapping[str, Callable[[C], Handlers]] = field(default_factory=dict)
    # consumer group name -> the groups it replaced, whose unread events it starts from
    takes_over: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # background work, started after the consumers and stopped before them
    workers: Callable[[C], Sequence[Worker]] = no_workers
    # the service's own ASGI middleware (classes taking the app), innermost first
    middleware: Sequence[Callable[[ASGIApp], ASGIApp]] = ()
    # What this service alone refuses to start with (raises SettingsError, one line).
    preflight: Callable[[Settings], None] | None = None
    # Its feature settings, parts of its one Settings object (settings.part(LimitSettings)).
    settings_parts: Sequence[type[BaseSettings]] = ()


def build_bus(settings: Settings) -> Bus:
    if settings.bus is BusKind.kafka:
        from shared.bus.kafka import KafkaBus

        return KafkaBus(
            settings.kafka_bootstrap_servers,
            client_id=f"tiepdan-{settings.service}",
            options=settings.kafka_client_options(),
            group_instance_id=settings.kafka_group_instance_id,
        )
    return EmbeddedBus(settings.resolved_event_log_url())


def create_app(
    definition: ServiceDefinition[Any], settings: Settings, *, bus: Bus | None = None
) -> FastAPI:
    # Refuse to start, before anything is built, with an unsafe configuration. The feature
    # settings are read here, once: a bad value fails the start, never a first request.
    settings.check_serving()
    for kind in definition.settings_parts:
        settings.part(kind)
    if definition.preflight is not None:
        definition.preflight(settings)
    metrics = ServiceMetrics(definition.name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(
            settings.database_url_for(definition.name),
            pool_size=settings.database_pool_size,
            pool_timeout=settings.database_pool_timeout,
        )
        the_bus = bus or build_bus(settings)
        connecting: asyncio.Task[None] | None = None
        if bus is None and settings.bus is BusKind.kafka:
            # Not awaited: a broker slow to answer held readiness for the producer's request
            # timeout (40 s), and requests need only the database; the relay connects on its
            # first publish if this has not yet (issue 15).
            connecting = asyncio.create_task(_start_bus(the_bus), name=f"{definition.name}-bus")
        elif bus is None:
            await _start_bus(the_bus)
        outbox = Outbox(definition.messaging.outbox, settings.kafka_topic)
        relay = OutboxRelay(
            service=definition.name,
            database=database,
            outbox=outbox,
            bus=the_bus,
            metrics=metrics,
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
        )
        kernel = Kernel(
            settings=settings,
            database=database,
            bus=the_bus,
            outbox=outbox,
            relay=relay,
            metrics=metrics,
            token_verifier=TokenVerifier(settings),
        )
        context = await definition.context(kernel)
        install(app, context, kernel)
        kernel.consumers.extend(
            EventConsumer(
                ConsumerConfig(
                    name=settings.kafka_group_prefix + name,
                    topic=settings.kafka_topic,
                    dead_letter_topic=settings.kafka_dead_letter_topic,
                    max_attempts=settings.consumer_max_attempts,
                    retry_base_seconds=settings.consumer_retry_base_seconds,
                    fault_crash_at=settings.fault_crash_at,
                    batch_size=settings.consumer_batch_size,
                    takes_over=tuple(
                        settings.kafka_group_prefix + old
                        for old in definition.takes_over.get(name, ())
                    ),
                ),
                database=database,
                processed=definition.messaging.processed,
                handlers=build_handlers(context),
                bus=the_bus,
                metrics=metrics,
            )
            for name, build_handlers in definition.consumers.items()
        )
        tasks = [asyncio.create_task(relay.run(), name=f"{definition.name}-relay")]
        tasks += [asyncio.create_task(c.run(), name=c.config.name) for c in kernel.consumers]
        workers = definition.workers(context)
        worker_tasks = [asyncio.create_task(w.run()) for w in workers]
        log.info("%s started", definition.name)
        try:
            yield
        finally:
            for worker in workers:
                worker.stop()
            await _finish(worker_tasks, WORKER_SHUTDOWN_SECONDS)
            for consumer in kernel.consumers:
                consumer.stop()
            relay.stop()
            await _finish(tasks, SHUTDOWN_SECONDS)
            if connecting is not None:  # still waiting on the broker: give up
                connecting.cancel()
                await asyncio.gather(connecting, return_exceptions=True)
            if bus is None:
                await the_bus.close()
            await database.dispose()
            log.info("%s stopped", definition.name)

    app = FastAPI(
        title=definition.title,
        version=definition.version,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for middleware in definition.middleware:
        app.add_middleware(middleware)
    app.add_middleware(OutageAnswers)  # around the service's own: the limiter uses the database
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    app.include_router(_operations_router(definition.name))
    for router in definition.routers:
        app.include_router(router)
    return app


async def _start_bus(bus: Bus) -> None:
    try:
        await bus.start()
    except Exception as exc:  # the outbox keeps events until the bus is back
        log.warning("event bus not reachable at start-up: %s", exc)


async def _finish(tasks: Sequence[asyncio.Task[None]], seconds: float) -> None:
    """Wait for stopped tasks to end, cancelling those still running after `seconds`."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _operations_router(service: str) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": service}

    @router.get("/readyz", responses={503: {"description": "the database is unreachable"}})
    async def readyz(kernel: KernelDep) -> dict[str, Any]:
        """Readiness: this replica can serve its requests, i.e. its database answers.

        The event bus is reported, not required: every write goes to the outbox, which keeps
        events until the bus is back, so a broker outage must not take the replicas out of
        the load balancer (that would turn a harmless outage into a citizen-facing one). Its
        state is the `tiepdan_dependency_up{dependency="bus"}` metric, with an alert."""
        metrics = kernel.metrics
        checks: dict[str, str] = {}
        for name, probe in (("database", kernel.database.ping), ("bus", kernel.bus.ping)):
            try:
                await asyncio.wait_for(probe(), timeout=3)
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"failing: {type(exc).__name__}"
            metrics.dependency_up.labels(name).set(1 if checks[name] == "ok" else 0)
        if checks["database"] != "ok":
            raise ServiceUnavailable(
                "not ready: " + ", ".join(f"{k} {v}" for k, v in checks.items()),
                checks=checks,
                headers={"Retry-After": "5"},
            )
        status = "ready" if checks["bus"] == "ok" else "ready, event bus degraded"
        return {"status": status, "service": service, "checks": checks}

    @router.get("/metrics", include_in_schema=False)
    async def metrics(kernel: KernelDep) -> Response:
        return Response(generate_latest(kernel.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
