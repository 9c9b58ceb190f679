"""the officials' workflow: case columns, conversation, dialogues, clocks, queue index, rules

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

_CASE_COLUMNS = (
    ("assignee", sa.String(length=200)),
    ("paused_from", sa.String(length=32)),
    ("complexity", sa.String(length=16)),
    ("appeal_of", sa.Uuid()),
    ("accepted_at", sa.DateTime(timezone=True)),
    ("resolved_at", sa.DateTime(timezone=True)),
    ("due_at", sa.DateTime(timezone=True)),
    ("due_kind", sa.String(length=32)),
    ("escalated_to", sa.JSON()),
    ("rating_score", sa.Integer()),
    ("rating_comment", sa.String(length=2000)),
    ("first_unit_code", sa.String(length=16)),
    ("resolved_due_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, type_ in _CASE_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.add_column(
            sa.Column("publish_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_cases_appeal_of", ["appeal_of"], unique=False)
        batch_op.create_index("ix_cases_first_unit_code", ["first_unit_code"], unique=False)
        # The work queue reads a unit's cases by due time, then id (keyset pagination).
        batch_op.create_index("ix_cases_queue", ["unit_code", "due_at", "id"], unique=False)

    op.create_table(
        "case_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.create_index("ix_case_messages_case_id", ["case_id"], unique=False)

    op.create_table(
        "dialogues",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("session", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("scheduled_by", sa.String(length=200), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("participants", sa.JSON(), nullable=True),
        sa.Column("absentees", sa.JSON(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("reception_session_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dialogues", schema=None) as batch_op:
        batch_op.create_index("ix_dialogues_case_id", ["case_id"], unique=False)
        batch_op.create_index(
            "ix_dialogues_reception_session_id", ["reception_session_id"], unique=False
        )

    op.create_table(
        "reception_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reception_sessions", schema=None) as batch_op:
        # The calendar reads a unit's sessions by start time.
        batch_op.create_index(
            "ix_reception_sessions_unit_starts", ["unit_code", "starts_at"], unique=False
        )

    op.create_table(
        "case_clocks",
        sa.Column("deadline_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("deadline_id"),
    )
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.create_index("ix_case_clocks_case_id", ["case_id"], unique=False)

    op.create_table(
        "routing_rule_sets",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    with op.batch_alter_table("routing_rule_sets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_routing_rule_sets_effective_from", ["effective_from"], unique=False
        )


def downgrade() -> None:
    op.drop_table("reception_sessions")
    op.drop_table("routing_rule_sets")
    op.drop_table("case_clocks")
    op.drop_table("dialogues")
    op.drop_table("case_messages")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_queue")
        batch_op.drop_index("ix_cases_first_unit_code")
        batch_op.drop_index("ix_cases_appeal_of")
        batch_op.drop_column("publish_consent")
        for name, _ in reversed(_CASE_COLUMNS):
            batch_op.drop_column(name)
