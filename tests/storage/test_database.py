from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from idolguard.storage.database import Database, migrate
from idolguard.storage.models import Base


def test_migrations_create_the_models_schema(database_url: str) -> None:
    db = Database(database_url)
    migrate(db.engine)  # idempotent
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert {"media", "analysis_result", "bank", "bank_content", "bank_signal"} <= set(
        inspect(db.engine).get_table_names()
    )
    db.dispose()


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()
