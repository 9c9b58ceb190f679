"""the citizen's notice channel on tracked cases

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Cases tracked before the choice existed were told by e-mail: they keep it.
    with op.batch_alter_table("tracked_cases", schema=None) as b:
        b.add_column(
            sa.Column("contact_channel", sa.String(16), nullable=False, server_default="email")
        )


def downgrade() -> None:
    with op.batch_alter_table("tracked_cases", schema=None) as b:
        b.drop_column("contact_channel")
