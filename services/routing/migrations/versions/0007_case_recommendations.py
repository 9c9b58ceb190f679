"""recommendations on a single case, without a supervision; the audit names the recommendation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("recommendations") as batch:
        batch.alter_column("supervision_id", existing_type=sa.Uuid(), nullable=True)
    with op.batch_alter_table("supervision_history") as batch:
        batch.alter_column("supervision_id", existing_type=sa.Uuid(), nullable=True)
        batch.add_column(sa.Column("recommendation_id", sa.Uuid(), nullable=True))
    op.create_index(
        "ix_supervision_history_recommendation_id", "supervision_history", ["recommendation_id"]
    )
    op.create_index("ix_recommendations_case_id", "recommendations", ["case_id"])
    if sqlite:
        # SQLite rebuilt the table: its append-only triggers went with the old one (0005).
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER IF NOT EXISTS supervision_history_no_{action.lower()}
                BEFORE {action} ON supervision_history
                BEGIN SELECT RAISE(ABORT,
                    'supervision_history is append-only ({action} refused)'); END""")


def downgrade() -> None:
    op.drop_index("ix_recommendations_case_id", "recommendations")
    op.drop_index("ix_supervision_history_recommendation_id", "supervision_history")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("supervision_history", "recommendation_id")
    # Rows without a supervision cannot go back to NOT NULL columns: the columns stay nullable.
