"""fan reports: a number and PIN for each report a fan sends through the portal

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fan_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.Text(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("artist_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("withdrawn_at", TZ, nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("pin_failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["artist_id"], ["artist.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["duplicate_of"], ["fan_report.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_fan_report_item_id", "fan_report", ["item_id"])
    op.create_index("ix_fan_report_sha256", "fan_report", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_fan_report_sha256", table_name="fan_report")
    op.drop_index("ix_fan_report_item_id", table_name="fan_report")
    op.drop_table("fan_report")
