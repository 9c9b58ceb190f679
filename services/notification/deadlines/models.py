from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.notification.database import Base
from shared.db import UtcDateTime


class Deadline(Base):
    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("case_id", "step", name="uq_deadlines_case_step"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    case_kind: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(16), index=True)
    province_code: Mapped[str] = mapped_column(String(16))
    policy_id: Mapped[str] = mapped_column(String(100))
    basis: Mapped[str] = mapped_column(String(500))
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
