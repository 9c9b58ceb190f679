"""the satisfaction index in the daily roll-up: cases rated 4-5 of 5, by unit and by kind

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.routing.stats.repository.rebuild import backfill_satisfaction

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counter(name: str) -> sa.Column[int]:
    # A server default: rows inserted by 0004's backfill (and the benchmark's) omit it.
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    with op.batch_alter_table("unit_daily_figures", schema=None) as batch_op:
        batch_op.add_column(_counter("satisfied"))
    with op.batch_alter_table("daily_kind_figures", schema=None) as batch_op:
        batch_op.add_column(_counter("ratings"))
        batch_op.add_column(_counter("satisfied"))
    for statement in backfill_satisfaction(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("daily_kind_figures", schema=None) as batch_op:
        batch_op.drop_column("satisfied")
        batch_op.drop_column("ratings")
    with op.batch_alter_table("unit_daily_figures", schema=None) as batch_op:
        batch_op.drop_column("satisfied")
