"""accounts: the artists' official handles per platform (the impersonation allow-list)

Profiles flagged as impersonators are review items like media (their avatar is
the item's media, the profile is in the item's source and evidence), so the
only new table is the allow-list. Fan reports get a ``subject``: content (as before) or
an account.

Revision ID: 0014_accounts
Revises: 0013_scan_liveness
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_accounts"
down_revision: str | None = "0013_scan_liveness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "official_handle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["artist_id"], ["artist.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "handle"),
    )
    op.create_index("ix_official_handle_artist_id", "official_handle", ["artist_id"])
    op.add_column(
        "fan_report",
        sa.Column("subject", sa.String(length=16), nullable=False, server_default="content"),
    )


def downgrade() -> None:
    with op.batch_alter_table("fan_report") as batch:
        batch.drop_column("subject")
    op.drop_index("ix_official_handle_artist_id", table_name="official_handle")
    op.drop_table("official_handle")
