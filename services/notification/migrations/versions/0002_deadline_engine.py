"""deadline engine: clocks with history, durable timers, overrides, notices

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as b:
        b.drop_constraint("uq_deadlines_case_step", type_="unique")
        b.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="0"))
        b.add_column(
            sa.Column("day_unit", sa.String(16), nullable=False, server_default="calendar_days")
        )
        b.add_column(sa.Column("duration", sa.Integer(), nullable=False, server_default="0"))
        b.add_column(sa.Column("anchor_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("used_days", sa.Integer(), nullable=False, server_default="0"))
        b.add_column(sa.Column("paused_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("extensions", sa.Integer(), nullable=False, server_default="0"))
        b.add_column(sa.Column("complexity", sa.String(32), nullable=True))
        b.add_column(sa.Column("met_at", sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        b.create_unique_constraint("uq_deadlines_case_step_round", ["case_id", "step", "round"])
        b.create_index("ix_deadlines_unit_state_due", ["unit_code", "state", "due_at", "id"])

    op.create_table(
        "tracked_cases",
        sa.Column("case_id", sa.Uuid(), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("unit_code", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("second_time", sa.Boolean(), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("contact_ref", sa.String(200), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "deadline_changes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("deadline_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("case_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("decision_ref", sa.String(200), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
    )
    op.create_table(
        "timers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("deadline_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.UniqueConstraint("deadline_id", "kind", "due_at", name="uq_timers_deadline_kind_due"),
    )
    op.create_index(
        "ix_timers_pending_fire_at",
        "timers",
        ["fire_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_table(
        "calendar_overrides",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "policy_overrides",
        sa.Column("policy_id", sa.String(100), primary_key=True),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("dedupe_key", sa.String(300), nullable=False, unique=True),
        sa.Column("case_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(500), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_notifications_pending_next",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_table(
        "unit_contacts",
        sa.Column("unit_code", sa.String(16), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("address", sa.String(500), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unit_contacts")
    op.drop_index("ix_notifications_pending_next", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("policy_overrides")
    op.drop_table("calendar_overrides")
    op.drop_index("ix_timers_pending_fire_at", table_name="timers")
    op.drop_table("timers")
    op.drop_table("deadline_changes")
    op.drop_table("tracked_cases")
    with op.batch_alter_table("deadlines", schema=None) as b:
        b.drop_index("ix_deadlines_unit_state_due")
        b.drop_constraint("uq_deadlines_case_step_round", type_="unique")
        for column in (
            "updated_at",
            "breached_at",
            "met_at",
            "complexity",
            "extensions",
            "paused_on",
            "used_days",
            "anchor_on",
            "duration",
            "day_unit",
            "round",
        ):
            b.drop_column(column)
        b.create_unique_constraint("uq_deadlines_case_step", ["case_id", "step"])
