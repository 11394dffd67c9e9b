"""identity consistency: each reference photo's outer-head feature, per feature version

The identity-consistency signal compares a named face's hair, ears and outline
with the artist's reference photos; their features are computed once and kept here.

Revision ID: 0017_identity_consistency
Revises: 0016_cluster_state
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_identity_consistency"
down_revision: str | None = "0016_cluster_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "face_context",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["artist_photo.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("photo_id", "version"),
    )
    op.create_index("ix_face_context_photo_id", "face_context", ["photo_id"])
    op.create_index("ix_face_context_version", "face_context", ["version"])


def downgrade() -> None:
    op.drop_table("face_context")
