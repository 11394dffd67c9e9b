"""cluster state: web rate-limit hits shared by every web worker process

``serve --workers N`` runs several processes; rate limits kept in memory would
be per process. Login lockouts were already counted in the user table.

Revision ID: 0016_cluster_state
Revises: 0015_exchange
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_cluster_state"
down_revision: str | None = "0015_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_hit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_rate_limit_hit_key", "rate_limit_hit", ["bucket", "client", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_hit_key", table_name="rate_limit_hit")
    op.drop_table("rate_limit_hit")
