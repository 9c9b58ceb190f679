"""people's inspection boards: supervisions, entries, recommendations, audit, residents' messages

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "supervisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closing_report", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supervisions_unit", "supervisions", ["unit_code", "opened_at", "id"])
    op.create_table(
        "supervision_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supervision_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("answers", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_supervision_entries_supervision_id", "supervision_entries", ["supervision_id"]
    )
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supervision_id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("basis", sa.String(length=500), nullable=False),
        sa.Column("deadline_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.JSON(), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_on_time", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recommendations_supervision_id", "recommendations", ["supervision_id"])
    op.create_index("ix_recommendations_unit", "recommendations", ["unit_code", "issued_at", "id"])
    op.create_index(
        "ix_recommendations_province", "recommendations", ["province_code", "issued_at"]
    )
    op.create_table(
        "supervision_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("supervision_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_supervision_history_supervision_id", "supervision_history", ["supervision_id"]
    )
    _append_only("supervision_history")
    op.create_table(
        "board_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("tracking_code", sa.String(length=16), nullable=False),
        sa.Column("case_kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_board_messages_unit", "board_messages", ["unit_code", "at", "id"])


def _append_only(table: str) -> None:
    # The board's audit trail cannot be edited either, not even by the application's role.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$""")
        op.execute(f"""
            CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_no_{action.lower()}
                BEFORE {action} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only ({action} refused)'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS supervision_history_append_only ON supervision_history")
        op.execute("DROP FUNCTION IF EXISTS supervision_history_append_only()")
    op.drop_table("board_messages")
    op.drop_table("supervision_history")
    op.drop_table("recommendations")
    op.drop_table("supervision_entries")
    op.drop_table("supervisions")
