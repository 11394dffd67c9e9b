"""hash exchange: published entries, publications, bank-scoped tokens, subscriptions

Banks gain ``origin`` (set on banks filled from another agency's feed) and ``purged``
(bumped when hashes are deleted, so matchers in other processes rebuild).

Revision ID: 0015_exchange
Revises: 0014_accounts
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_exchange"
down_revision: str | None = "0014_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bank", sa.Column("origin", sa.Text(), nullable=True))
    op.add_column("bank", sa.Column("purged", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "exchange_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bank_name", sa.String(length=128), nullable=False),
        sa.Column("signal_type", sa.String(length=16), nullable=False),
        sa.Column("signal_key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("bank_name", "signal_type", "signal_key", name="uq_exchange_signal"),
    )
    op.create_index("ix_exchange_entry_feed", "exchange_entry", ["bank_name", "seq"], unique=True)
    op.create_table(
        "exchange_publication",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bank_name", sa.String(length=128), nullable=False, unique=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "exchange_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bank_name", sa.String(length=128), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_exchange_token_bank_name", "exchange_token", ["bank_name"])
    op.create_table(
        "exchange_subscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("local_bank", sa.String(length=128), nullable=False, unique=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("remote_bank", sa.String(length=128), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("after_seq", sa.Integer(), nullable=False),
        sa.Column("last_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exchange_subscription")
    op.drop_index("ix_exchange_token_bank_name", table_name="exchange_token")
    op.drop_table("exchange_token")
    op.drop_table("exchange_publication")
    op.drop_index("ix_exchange_entry_feed", table_name="exchange_entry")
    op.drop_table("exchange_entry")
    with op.batch_alter_table("bank") as batch:
        batch.drop_column("purged")
        batch.drop_column("origin")
