from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from services.notification.database import Base
from shared.db import UtcDateTime


class PolicyOverride(Base):
    """An administrator's corrected (or added) policy; replaces the file's policy of that id."""

    __tablename__ = "policy_overrides"

    policy_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(500))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
