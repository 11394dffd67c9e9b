"""Alembic environment: runs on the connection IdolGuard passes in (see ``database.migrate``)."""

from __future__ import annotations

from alembic import context

from idolguard.storage.models import Base

if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported; IdolGuard migrates on open")

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
