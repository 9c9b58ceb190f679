from __future__ import annotations

from pydantic import BaseModel

from services.intake.cases.schemas import ResolutionRead, UnitRef
from services.intake.categories.schemas import CaseKind


class PublishedResolution(BaseModel):
    """A case's answer that the unit published and the citizen consented to publish: what
    the case's public view shows of it, and its text where the Open311 list shows it too."""

    tracking_code: str
    kind: CaseKind
    category: str | None = None
    place_code: str | None = None  # the commune the case is about
    unit: UnitRef | None = None  # the unit that answered
    resolution: ResolutionRead
    description: str | None = None  # only where the report itself is public (Open311's rule)


class PublishedResolutions(BaseModel):
    unit_code: str
    items: list[PublishedResolution]
