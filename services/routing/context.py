"""Routing's context: the kernel, the units and the law's books, built once in the lifespan.

Endpoints take its parts by type (shared.context); the consumer's handlers are built from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.routing.rules import repository as rules_repository
from services.routing.rules.metrics import RoutingMetrics
from services.routing.rules.schemas import RuleSetRead
from services.routing.supervision.policy import SupervisionPolicy, load_policy
from services.routing.units.registry import UnitRegistry
from services.routing.workflow.law import LawBook
from shared.geography import AdminMap
from shared.kernel import Kernel, ServiceContext


@dataclass(frozen=True)
class RoutingContext(ServiceContext):
    admin_map: AdminMap
    units: UnitRegistry
    law: LawBook
    rules: RuleSetRead  # the built-in rules, in force until an administrator publishes others
    supervision_policy: SupervisionPolicy
    routing_metrics: RoutingMetrics  # joins the service's registry


async def build_context(kernel: Kernel) -> RoutingContext:
    admin_map = AdminMap.load()
    return RoutingContext(
        kernel=kernel,
        admin_map=admin_map,
        units=UnitRegistry.load(admin_map),
        law=LawBook.load(),
        rules=rules_repository.builtin(),
        supervision_policy=load_policy(),
        routing_metrics=RoutingMetrics(kernel.metrics.registry),
    )
