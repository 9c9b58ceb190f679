"""Who may see and act on a case: the JWT's role and unit (api.md, domain.md)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from shared.auth import CurrentPrincipal, Principal, Role, require_unit_access
from shared.confidential import withheld_from
from shared.errors import Forbidden

ACTING_ROLES = frozenset({Role.official, Role.unit_head, Role.admin})


class Guarded(Protocol):
    """What access reads of a case (a RoutedCase): described here, not imported, so that the
    cases feature may use these checks without a cycle."""

    @property
    def kind(self) -> str: ...
    @property
    def unit_code(self) -> str: ...
    @property
    def province_code(self) -> str: ...
    @property
    def escalated_to(self) -> list[str] | None: ...


def _escalated_to_me(principal: Principal, case: Guarded) -> bool:
    # An overdue case escalates to its unit's head and the superior body (notification's
    # deadline.breached): their heads may then see and act on it.
    return (
        principal.role is Role.unit_head
        and principal.unit_code is not None
        and principal.unit_code in (case.escalated_to or [])
    )


def require_read(principal: Principal, case: Guarded) -> None:
    """Officials and heads of the unit (a province's staff: its communes), supervisors of
    the commune or province (read-only), admins everywhere."""
    if _escalated_to_me(principal, case):
        return
    require_unit_access(principal, case.unit_code, parent_code=case.province_code)


def require_act(principal: Principal, case: Guarded) -> None:
    """Supervisors (people's inspection boards) watch; they never take a step."""
    if principal.role not in ACTING_ROLES:
        raise Forbidden(f"role {principal.role.value} has read-only access to cases")
    require_read(principal, case)


def sees_content(principal: Principal, case: Guarded) -> bool:
    """A denunciation's content is for the officials handling it, never for supervisors."""
    return not withheld_from(principal, case.kind)


def _admin(principal: CurrentPrincipal) -> Principal:
    if principal.role is not Role.admin:
        raise Forbidden("only an administrator may do this")
    return principal


def _actor(principal: CurrentPrincipal) -> Principal:
    if principal.role not in ACTING_ROLES:
        raise Forbidden(f"role {principal.role.value} has read-only access")
    return principal


# Dependencies, so that the role is checked before the body is even read.
AdminPrincipal = Annotated[Principal, Depends(_admin)]
ActingPrincipal = Annotated[Principal, Depends(_actor)]
