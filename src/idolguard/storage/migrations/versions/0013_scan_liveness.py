"""scan liveness: the pid and host running a scan and its last heartbeat

A scan killed with SIGKILL never wrote its final status and stayed "running" for
ever; with these columns the next scan (or a listing) marks it "interrupted".

Revision ID: 0013_scan_liveness
Revises: 0012_error_detail
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_scan_liveness"
down_revision: str | None = "0012_error_detail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: no table rebuild, so SQLite's cascades never touch the sightings.
    op.add_column("scan_run", sa.Column("pid", sa.Integer(), nullable=True))
    op.add_column("scan_run", sa.Column("host", sa.String(length=255), nullable=True))
    op.add_column("scan_run", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scan_run") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("host")
        batch.drop_column("pid")
