"""An index for the work queue's per-status counts

The routing benchmark found the counts query reading every case of a 100k-case unit
(50-80 ms on each page); with (unit_code, status) it is an index-only count.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_unit_status", ["unit_code", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_unit_status")
