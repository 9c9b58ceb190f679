"""the published answers about a place: a partial index over the consented cases

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# GET /v1/units/{code}/resolutions: a province's newest answers among its communes' cases.
CONSENTED = sa.text("publish_consent AND resolved_on IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.create_index(
            "ix_cases_published_place",
            ["location_unit_code", "resolved_on"],
            unique=False,
            postgresql_where=CONSENTED,
            sqlite_where=CONSENTED,
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_published_place")
