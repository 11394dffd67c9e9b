"""sightings: one page may show many files, so (scan, location) is no longer unique

A feed item with two images or a gallery page with three gave every image the
page as its location within one scan, and the unique constraint made the second
image's sighting fail (and the whole source run with it). The pair stays
indexed for the store's look-up.

Revision ID: 0009_sources_fixes
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_sources_fixes"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sighting") as batch:
        batch.drop_constraint("uq_sighting_scan_location", type_="unique")
        batch.create_index("ix_sighting_scan_location", ["scan_id", "location"])


def downgrade() -> None:
    # Fails while a page has more than one sighting in one scan: those rows are evidence,
    # and deleting them to restore the old constraint is not this migration's call.
    with op.batch_alter_table("sighting") as batch:
        batch.drop_index("ix_sighting_scan_location")
        batch.create_unique_constraint("uq_sighting_scan_location", ["scan_id", "location"])
