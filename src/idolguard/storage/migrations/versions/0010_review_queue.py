"""review queue: why a URL-only fan report's capture failed, so staff can see it and retry

Revision ID: 0010_review_queue
Revises: 0009_sources_fixes
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_review_queue"
down_revision: str | None = "0009_sources_fixes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fan_report") as batch:
        batch.add_column(sa.Column("capture_failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("capture_error_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("capture_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fan_report") as batch:
        batch.drop_column("capture_error")
        batch.drop_column("capture_error_code")
        batch.drop_column("capture_failed_at")
