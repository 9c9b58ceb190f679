"""Routing: units, the responsible unit for each case, work queues and the officials' workflow."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.routing.cases import endpoints as cases
from services.routing.context import RoutingContext, build_context
from services.routing.database import Base, messaging
from services.routing.queues import endpoints as queues
from services.routing.queues import handlers as queue_events
from services.routing.reception import endpoints as reception
from services.routing.rules import endpoints as rules
from services.routing.stats import endpoints as stats
from services.routing.stats import report_endpoints as reports
from services.routing.stats import rollup  # noqa: F401  (registers the roll-up on RoutedCase)
from services.routing.supervision import case_endpoints as supervision_cases
from services.routing.supervision import endpoints as supervision
from services.routing.supervision import handlers as supervision_events
from services.routing.units import endpoints as units
from services.routing.workflow import endpoints as workflow
from services.routing.workflow import handlers as workflow_events
from services.routing.workflow.handlers import RoutingDeps
from shared import asyncapi
from shared.app import ServiceDefinition, create_app
from shared.bus.base import Bus
from shared.messaging.consumer import DepsHandler, bind
from shared.settings import Settings


def _deps(context: RoutingContext) -> RoutingDeps:
    return RoutingDeps(context.kernel.outbox, context.units, context.rules, context.routing_metrics)


# One consumer group: a case's events are handled in their order (submitted first). The board's
# handlers of deadline.set, case.submitted and case.message_added call the queues' and the
# workflow's own for a case's events (supervision/handlers.py): they take their place here.
HANDLERS: dict[str, DepsHandler[RoutingDeps]] = {
    **workflow_events.HANDLERS,
    **queue_events.HANDLERS,
    **supervision_events.HANDLERS,
}


DEFINITION = ServiceDefinition[RoutingContext](
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
    context=build_context,
    consumers={"routing.cases": lambda context: bind(HANDLERS, _deps(context))},
)


def create_routing_app(settings: Settings, *, bus: Bus | None = None) -> FastAPI:
    return create_app(DEFINITION, settings, bus=bus)
