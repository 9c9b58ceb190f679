"""The public figures' roll-up: additive counters per unit and local received day.

Kept in step with the cases by `rollup.py` (every change, in the same transaction) and
rebuilt from them by `rebuild.py`; the endpoint sums at most a few rows per unit and day
instead of reading a province's million cases.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.routing.database import Base


class UnitDailyFigures(Base):
    """Cases received on `day` (Asia/Ho_Chi_Minh) that are now at `unit_code`, in
    `province_code`, and were first routed to `first_unit_code` ('' when unknown)."""

    __tablename__ = "unit_daily_figures"

    unit_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_unit_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolved_on_time: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    # Rated 4-5 of 5: the satisfaction index (migration 0006).
    satisfied: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        # A province's figures: its rows by day.
        Index("ix_unit_daily_figures_province", "province_code", "day"),
        # `transferred`: the rows of cases first routed to a unit, wherever they are now.
        Index("ix_unit_daily_figures_first_unit", "first_unit_code", "province_code", "day"),
    )


class DailyKindFigures(Base):
    """Cases received on `day` by kind and category ('' when none), for a unit's scope (the
    cases now at the unit) and, separately, a province's: the period report's table."""

    __tablename__ = "daily_kind_figures"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # "unit" | "province"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolved_on_time: Mapped[int] = mapped_column(Integer, default=0)
    # The satisfaction index by kind (migration 0006).
    ratings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    satisfied: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class UnitDailyResolutions(Base):
    """How many cases received on `day` were resolved in `days` whole days (a histogram),
    for a unit's scope and, separately, for a province's, to find the median's bucket."""

    __tablename__ = "unit_daily_resolutions"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # "unit" | "province"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
