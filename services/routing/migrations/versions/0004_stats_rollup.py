"""The public figures' daily roll-up, its indexes, and "my cases" in the queue

A province's figures over 1M cases took 2.5-3 s (three scans and a sort of every case); the
roll-up (stats/models.py), filled here from the cases and then kept in step with each
change (stats/rollup.py), makes them a sum of a few thousand rows. `overdue` depends on the
time, so it stays a live count, over partial indexes of open cases; the median reads the
exact resolution times of one whole-day bucket through ix_cases_resolved_*.

The queue filtered by assignee switched to a bad generic plan (p99 224 ms in the
benchmark); (unit_code, assignee, due_at, id) serves it in the queue's order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.routing.stats.repository.rebuild import RESOLVED_DAYS, backfill

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IS_OPEN = sa.text("status IN ('routed', 'info_requested', 'accepted')")
_COUNTERS = (
    "received",
    "accepted",
    "rejected",
    "resolved",
    "resolved_on_time",
    "rating_sum",
    "ratings",
)

_KIND_COUNTERS = ("received", "accepted", "rejected", "withdrawn", "resolved", "resolved_on_time")


def upgrade() -> None:
    op.create_table(
        "unit_daily_figures",
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=False),
        sa.Column("first_unit_code", sa.String(length=16), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTERS),
        sa.PrimaryKeyConstraint("unit_code", "day", "province_code", "first_unit_code"),
    )
    with op.batch_alter_table("unit_daily_figures", schema=None) as batch_op:
        batch_op.create_index("ix_unit_daily_figures_province", ["province_code", "day"])
        batch_op.create_index(
            "ix_unit_daily_figures_first_unit", ["first_unit_code", "province_code", "day"]
        )
    op.create_table(
        "unit_daily_resolutions",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "code", "day", "days"),
    )
    op.create_table(
        "daily_kind_figures",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _KIND_COUNTERS),
        sa.PrimaryKeyConstraint("scope", "code", "day", "kind", "category"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_queue_assignee", ["unit_code", "assignee", "due_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_cases_open_province",
            ["province_code", "due_at"],
            unique=False,
            postgresql_include=["received_at", "unit_code"],
            postgresql_where=IS_OPEN,
            sqlite_where=IS_OPEN,
        )
        batch_op.create_index(
            "ix_cases_open_unit",
            ["unit_code", "due_at"],
            unique=False,
            postgresql_include=["received_at"],
            postgresql_where=IS_OPEN,
            sqlite_where=IS_OPEN,
        )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for scope in ("province", "unit"):
            op.execute(
                f"CREATE INDEX ix_cases_resolved_{scope} ON cases "
                f"({scope}_code, ({RESOLVED_DAYS[dialect]}), received_at) INCLUDE (resolved_at) "
                "WHERE resolved_at IS NOT NULL"
            )
    for statement in backfill(dialect):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_cases_resolved_unit")
        op.execute("DROP INDEX ix_cases_resolved_province")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_open_unit")
        batch_op.drop_index("ix_cases_open_province")
        batch_op.drop_index("ix_cases_queue_assignee")
    op.drop_table("daily_kind_figures")
    op.drop_table("unit_daily_resolutions")
    op.drop_table("unit_daily_figures")
