"""The routing rules (GET for all, PUT for admins) and why a case would go where it goes."""

from __future__ import annotations

from fastapi import APIRouter

from services.routing.access import AdminPrincipal
from services.routing.rules import repository
from services.routing.rules.engine import decide
from services.routing.rules.repository import BuiltinRules
from services.routing.rules.schemas import CaseDraft, Explanation, RuleSetRead, RuleSetWrite
from services.routing.units.registry import Units
from shared.dates import IsoDate
from shared.db import DbSession
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/routing", tags=["routing rules"])


@router.get("/rules", response_model=RuleSetRead)
async def rules_in_force(
    builtin_rules: BuiltinRules, session: DbSession, at: IsoDate | None = None
) -> RuleSetRead:
    """The ordered rules in force on `at` (default today), with their version."""
    return await repository.in_force(session, at or repository.today(), builtin_rules)


@router.put(
    "/rules",
    response_model=RuleSetRead,
    responses=problem_responses(Unauthorized, Forbidden, Unprocessable),
)
async def replace_rules(
    body: RuleSetWrite, units: Units, session: DbSession, principal: AdminPrincipal
) -> RuleSetRead:
    """A new version of the rules, in force from its `effective_from` (admins only)."""
    for i, rule in enumerate(body.rules):
        if rule.route_to == "unit" and units.get(rule.unit_code or "") is None:
            raise Unprocessable.field(["rules", i, "unit_code"], f"no unit {rule.unit_code}")
    return await repository.save(session, body, by=principal.sub)


@router.post("/explain", response_model=Explanation)
async def explain(
    draft: CaseDraft, builtin_rules: BuiltinRules, units: Units, session: DbSession
) -> Explanation:
    """Where a case like this goes, by which rule, and why."""
    on = draft.received_on or repository.today()
    rules = await repository.in_force(session, on, builtin_rules)
    decision = decide(rules, draft, units)
    return Explanation(
        unit_code=decision.unit_code,
        unit_name=decision.unit_name,
        rule=decision.rule,
        reason=decision.reason,
        rules_version=decision.rules_version,
    )
