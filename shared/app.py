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
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import MetaData
from starlette.types import ASGIApp

from shared.auth import TokenVerifier
from shared.bus.base import Bus
from shared.bus.embedded import EmbeddedBus
from shared.db import Database
from shared.errors import OutageAnswers, ServiceUnavailable, install_error_handlers
from shared.messaging.consumer import ConsumerConfig, EventConsumer, Handler
from shared.messaging.outbox import Outbox
from shared.messaging.relay import OutboxRelay
from shared.messaging.tables import MessagingTables
from shared.metrics import HttpMetricsMiddleware, ServiceMetrics
from shared.settings import BusKind, Settings

log = logging.getLogger(__name__)
SHUTDOWN_SECONDS = 20  # consumers finish the event in hand within this; k8s grace is longer


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    title: str
    version: str
    routers: Sequence[APIRouter]
    metadata: MetaData
    messaging: MessagingTables
    migrations: Path
    # consumer group name -> builds {event type -> handler} from app.state (outbox, state...)
    consumers: Mapping[str, Callable[[Any], Mapping[str, Handler]]] = field(default_factory=dict)
    # extra state built in the lifespan (reference data...), set on app.state
    build_state: Callable[[Settings], Awaitable[dict[str, Any]]] | None = None
    # the service's own ASGI middleware (classes taking the app), innermost first
    middleware: Sequence[Callable[[ASGIApp], ASGIApp]] = ()
    # What this service alone refuses to start with (raises SettingsError, one line).
    preflight: Callable[[Settings], None] | None = None


def build_bus(settings: Settings) -> Bus:
    if settings.bus is BusKind.kafka:
        from shared.bus.kafka import KafkaBus

        return KafkaBus(
            settings.kafka_bootstrap_servers,
            client_id=f"tiepdan-{settings.service}",
            options=settings.kafka_client_options(),
        )
    return EmbeddedBus(settings.resolved_event_log_url())


def create_app(
    definition: ServiceDefinition, settings: Settings, *, bus: Bus | None = None
) -> FastAPI:
    # Refuse to start, before anything is built, with an unsafe configuration.
    settings.check_serving()
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
        if bus is None:
            try:
                await the_bus.start()
            except Exception as exc:  # the outbox keeps events until the bus is back
                log.warning("event bus not reachable at start-up: %s", exc)
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
        app.state.settings = settings
        app.state.database = database
        app.state.bus = the_bus
        app.state.outbox = outbox
        app.state.relay = relay
        app.state.token_verifier = TokenVerifier(settings)
        if definition.build_state is not None:
            for key, value in (await definition.build_state(settings)).items():
                setattr(app.state, key, value)
        consumers = [
            EventConsumer(
                ConsumerConfig(
                    name=settings.kafka_group_prefix + name,
                    topic=settings.kafka_topic,
                    dead_letter_topic=settings.kafka_dead_letter_topic,
                    max_attempts=settings.consumer_max_attempts,
                    retry_base_seconds=settings.consumer_retry_base_seconds,
                    fault_crash_at=settings.fault_crash_at,
                    batch_size=settings.consumer_batch_size,
                ),
                database=database,
                processed=definition.messaging.processed,
                handlers=build_handlers(app.state),
                bus=the_bus,
                metrics=metrics,
            )
            for name, build_handlers in definition.consumers.items()
        ]
        app.state.consumers = consumers
        tasks = [asyncio.create_task(relay.run(), name=f"{definition.name}-relay")]
        tasks += [asyncio.create_task(c.run(), name=c.config.name) for c in consumers]
        log.info("%s started", definition.name)
        try:
            yield
        finally:
            for consumer in consumers:
                consumer.stop()
            relay.stop()
            _, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if bus is None:
                await the_bus.close()
            await database.dispose()
            log.info("%s stopped", definition.name)

    app = FastAPI(
        title=definition.title,
        version=definition.version,
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    install_error_handlers(app)
    for middleware in definition.middleware:
        app.add_middleware(middleware)
    app.add_middleware(OutageAnswers)  # around the service's own: the limiter uses the database
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    app.include_router(_operations_router(definition.name))
    for router in definition.routers:
        app.include_router(router)
    return app


def _operations_router(service: str) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": service}

    @router.get("/readyz", responses={503: {"description": "the database is unreachable"}})
    async def readyz(request: Request) -> dict[str, Any]:
        """Readiness: this replica can serve its requests, i.e. its database answers.

        The event bus is reported, not required: every write goes to the outbox, which keeps
        events until the bus is back, so a broker outage must not take the replicas out of
        the load balancer (that would turn a harmless outage into a citizen-facing one). Its
        state is the `tiepdan_dependency_up{dependency="bus"}` metric, with an alert."""
        metrics: ServiceMetrics = request.app.state.metrics
        checks: dict[str, str] = {}
        for name, probe in (
            ("database", request.app.state.database.ping),
            ("bus", request.app.state.bus.ping),
        ):
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
    async def metrics(request: Request) -> Response:
        return Response(
            generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
        )

    return router
