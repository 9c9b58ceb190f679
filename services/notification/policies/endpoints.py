from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from services.notification.policies.rules import Policy

router = APIRouter(prefix="/v1/policies", tags=["policies"])


class PolicyList(BaseModel):
    items: list[Policy]


@router.get("", response_model=PolicyList)
async def list_policies(request: Request) -> PolicyList:
    """The deadline rules, each with its legal basis and the day it took effect."""
    return PolicyList(items=request.app.state.policies.policies)
