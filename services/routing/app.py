"""Routing: units, the responsible unit for each case, work queues and the officials' workflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.routing.cases import endpoints as cases
from services.routing.cases.handlers import make_handlers
from services.routing.database import Base, messaging
from services.routing.queues import endpoints as queues
from services.routing.queues import handlers as clocks
from services.routing.reception import endpoints as reception
from services.routing.rules import endpoints as rules
from services.routing.rules import repository as rules_repository
from services.routing.rules.metrics import RoutingMetrics
from services.routing.stats import endpoints as stats
from services.routing.stats import reports
from services.routing.supervision import case_endpoints as supervision_cases
from services.routing.supervision import endpoints as supervision
from services.routing.supervision import handlers as supervision_events
from services.routing.supervision import service as supervision_policy
from services.routing.units import endpoints as units
from services.routing.units.registry import UnitRegistry
from services.routing.workflow import endpoints as workflow
from services.routing.workflow.handlers import make_workflow_handlers
from services.routing.workflow.law import LawBook
from shared import asyncapi
from shared.app import ServiceDefinition, create_app
from shared.bus.base import Bus
from shared.geography import AdminMap
from shared.settings import Settings


async def _state(_: Settings) -> dict[str, Any]:
    admin_map = AdminMap.load()
    return {
        "admin_map": admin_map,
        "units": UnitRegistry.load(admin_map),
        "law": LawBook.load(),
        "rules": rules_repository.builtin(),
        "supervision_policy": supervision_policy.load_policy(),
    }


def _handlers(state: Any) -> dict[str, Any]:
    # Routing's own metrics join the service's registry once (the lifespan builds consumers).
    if getattr(state, "routing_metrics", None) is None:
        state.routing_metrics = RoutingMetrics(state.metrics.registry)
    # One consumer group: a case's events are handled in their order (submitted first).
    workflow_handlers = make_workflow_handlers(state.outbox, state.units)
    return (
        make_handlers(state.outbox, state.units, state.rules, state.routing_metrics)
        | workflow_handlers
        | clocks.HANDLERS
        # deadline.set and case.message_added: the board's, else the cases' own handlers
        | supervision_events.make_handlers(workflow_handlers)
    )


DEFINITION = ServiceDefinition(
    name="routing",
    title="tiepdan routing",
    version="0.1.0",
    routers=[
        asyncapi.router,
        cases.router,
        workflow.router,
        workflow.grounds_router,
        queues.router,
        rules.router,
        stats.router,
        reports.router,
        reception.router,
        units.router,
        supervision.router,
        supervision.recommendations_router,
        supervision_cases.case_recommendations_router,
        supervision_cases.follow_up_router,
        supervision.boards_router,
    ],
    metadata=Base.metadata,
    messaging=messaging,
    migrations=Path(__file__).parent / "migrations",
    consumers={"routing.cases": _handlers},
    build_state=_state,
)


def create_routing_app(settings: Settings, *, bus: Bus | None = None) -> FastAPI:
    return create_app(DEFINITION, settings, bus=bus)
