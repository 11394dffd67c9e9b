"""sighting.error_detail: the decoder's own words for a failed file, kept apart from the message

Revision ID: 0012_error_detail
Revises: 0011_agency_sender
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_error_detail"
down_revision: str | None = "0011_agency_sender"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sighting") as batch:
        batch.add_column(sa.Column("error_detail", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sighting") as batch:
        batch.drop_column("error_detail")
