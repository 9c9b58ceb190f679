from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class CaseKind(StrEnum):
    """What a case is. Here, at the bottom of intake: a category is filed under kinds, and
    the cases (above) are of one."""

    complaint = "complaint"
    denunciation = "denunciation"
    petition = "petition"
    feedback = "feedback"
    dialogue_request = "dialogue_request"


class CategoryRead(BaseModel):
    code: str
    name_vi: str
    name_en: str
    kinds: list[str]


class CategoryList(BaseModel):
    items: list[CategoryRead]
    next_cursor: str | None = None
