"""What the law keeps confidential, as one rule every service applies (domain.md).

A denunciation's content, and the reasons of each step taken on it (why it was extended,
suspended, transferred, reclassified), are for the officials handling it; people's
inspection boards (supervisors) follow its steps and timing only (Luật Tố cáo 2018, Điều 8,
47). The resolution's summary is never public by itself: the public timeline says only that
the case was resolved; the summary is public as the published resolution, with consent.
"""

from __future__ import annotations

from shared.auth import Principal, Role

CONFIDENTIAL_KINDS = frozenset({"denunciation"})
# What the public timeline (and Open311's status_notes) says of a resolution.
RESOLVED_NOTE = "Đã có kết quả giải quyết"


def is_confidential(kind: str | None) -> bool:
    return kind in CONFIDENTIAL_KINDS


def withheld_from(principal: Principal, *kinds: str | None) -> bool:
    """Whether `principal` must not read the case's content and reasons: a supervisor, on a
    case that is (or any of whose clocks was started as) a denunciation."""
    return principal.role is Role.supervisor and any(is_confidential(k) for k in kinds)


def public_note(step: str, note: str | None) -> str | None:
    """A timeline step's note as the public reads it: a resolution's only as the generic note
    (also for entries a consumer stored before routing stopped sending the summary)."""
    return RESOLVED_NOTE if step == "resolved" else note
