from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.database import Base
from shared.db import UtcDateTime


class SubmitterRead(Base):
    """Every read of a submitter's identity: who, in which role and unit, when, which case.

    Leaking a denouncer's identity is a disciplinary offence (Luật Tố cáo Điều 9, 47);
    this log is how a leak is traced. Rows are only ever inserted.
    """

    __tablename__ = "submitter_reads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
