"""the citizen's full contract: read-model columns, conversation, attachments, identity-read
log, Open311 keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE_COLUMNS = [
    ("unit_at", sa.DateTime(timezone=True)),
    ("remote_area", sa.Boolean()),
    ("dialogue", sa.JSON()),
    ("media_url", sa.String(length=500)),
    ("resolution", sa.JSON()),
    ("resolved_on", sa.Date()),
    ("rating_score", sa.Integer()),
    ("rating_comment", sa.String(length=2000)),
    ("appeal_of", sa.Uuid()),
    ("appealed_as", sa.String(length=16)),
]


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, type_ in CASE_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        # Open311 lists cases by submission time.
        batch_op.create_index("ix_cases_submitted_at", ["submitted_at"], unique=False)

    with op.batch_alter_table("submitters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_ref_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_submitters_contact_ref_hash", ["contact_ref_hash"])

    op.create_table(
        "case_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=5000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.create_index("ix_case_messages_case_id", ["case_id"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("object_key", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_key"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_case_id", ["case_id"], unique=False)

    op.create_table(
        "submitter_reads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("submitter_reads", schema=None) as batch_op:
        batch_op.create_index("ix_submitter_reads_case_id", ["case_id"], unique=False)

    op.create_table(
        "open311_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("open311_keys")
    op.drop_table("submitter_reads")
    op.drop_table("attachments")
    op.drop_table("case_messages")
    with op.batch_alter_table("submitters", schema=None) as batch_op:
        batch_op.drop_constraint("uq_submitters_contact_ref_hash", type_="unique")
        batch_op.drop_column("contact_ref_hash")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_submitted_at")
        for name, _ in reversed(CASE_COLUMNS):
            batch_op.drop_column(name)
