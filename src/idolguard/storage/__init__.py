"""Storage layer: the database (SQLAlchemy + Alembic) and the write-once store of originals.

Only the domain and pipeline layers import from here; interfaces go through them.
"""
