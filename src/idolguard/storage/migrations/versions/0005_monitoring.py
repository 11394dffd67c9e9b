"""monitored sources, their seen-sets, and where each sighting came from

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitor_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("next_run_at", TZ, nullable=True),
        sa.Column("last_run_at", TZ, nullable=True),
        sa.Column("last_success_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_monitor_source_next_run_at", "monitor_source", ["next_run_at"])
    op.create_table(
        "monitor_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column("found", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("media_sha256", sa.String(length=64), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("times_listed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["monitor_source.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "key_hash", name="uq_monitor_entry_key"),
    )
    op.create_index("ix_monitor_entry_source_id", "monitor_entry", ["source_id"])
    op.create_index("ix_monitor_entry_state", "monitor_entry", ["state"])
    op.create_index("ix_monitor_entry_media_sha256", "monitor_entry", ["media_sha256"])
    with op.batch_alter_table("sighting") as batch:
        batch.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("entry_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            "fk_sighting_source_id", "monitor_source", ["source_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            "fk_sighting_entry_id", "monitor_entry", ["entry_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_sighting_source_id", ["source_id"])
        batch.create_index("ix_sighting_entry_id", ["entry_id"])


def downgrade() -> None:
    with op.batch_alter_table("sighting") as batch:
        batch.drop_index("ix_sighting_entry_id")
        batch.drop_index("ix_sighting_source_id")
        batch.drop_constraint("fk_sighting_entry_id", type_="foreignkey")
        batch.drop_constraint("fk_sighting_source_id", type_="foreignkey")
        batch.drop_column("details")
        batch.drop_column("entry_id")
        batch.drop_column("source_id")
    op.drop_table("monitor_entry")
    op.drop_table("monitor_source")
