"""Engine creation and schema migration.

SQLite is the zero-configuration default (WAL mode, so a scan can write while
another process reads); PostgreSQL is used when the URL says so. The schema is
always created by Alembic, never by ``create_all``, so every installation has
the same migration history.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# How long ``Database.retrying`` waits for a database server that went away (a restart
# takes seconds) before the work stops with ``DatabaseUnavailable``.
RECONNECT_SECONDS = 60.0

log = logging.getLogger(__name__)
T = TypeVar("T")


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated; the message says what to check."""


class DiskFullError(OSError):
    """The disk holding the database is full (an ``OSError`` with ``ENOSPC``, like a file's)."""

    def __init__(self, where: str) -> None:
        super().__init__(errno.ENOSPC, "the disk holding the database is full", where)


class DatabaseUnavailable(ConnectionError):
    """The database server stopped answering (restarted, crashed, network lost).

    A ``ConnectionError`` (an ``OSError``), so interfaces can tell it apart
    without importing storage. The unit of work that met it was rolled back:
    nothing half-written stays, and running the same work again completes it.
    """

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(
            errno.ECONNRESET,
            "the database server stopped answering; what was recorded before is kept",
            where,
        )
        self.detail = detail


def _lost_connection(exc: DBAPIError, dialect: str) -> bool:
    # A disconnect SQLAlchemy recognised, or any operational error of a server database
    # (refused connection while it restarts, "terminating connection", "server closed").
    if exc.connection_invalidated:
        return True
    if dialect == "sqlite" or not isinstance(exc, OperationalError):
        return False
    state = getattr(exc.orig, "sqlstate", None)  # None: no answer from the server at all
    return state is None or state.startswith(("08", "57P"))  # connection / shutdown


def normalise_url(url: str) -> str:
    """Accept the common ``postgresql://`` spelling and use the psycopg 3 driver for it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # bad URL or missing driver
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(connection: Connection) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                # pysqlite runs DDL outside any transaction: a process killed between two
                # CREATE TABLEs left half a schema, unversioned, that no later start could
                # migrate. An explicit BEGIN makes the whole upgrade one transaction (and
                # IMMEDIATE makes two processes opening a new database take turns).
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            command.upgrade(alembic_config(connection), "head")
    except Exception as exc:
        raise DatabaseError(f"cannot migrate database {engine.url!r}: {exc}") from exc


class Database:
    """An engine plus a session factory; the one handle the storage layer hands out."""

    def __init__(self, url: str, *, auto_migrate: bool = True) -> None:
        self.engine = make_engine(url)
        if auto_migrate:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except DBAPIError as exc:
            with suppress(Exception):  # the connection may be gone: nothing to roll back then
                session.rollback()
            if "disk is full" in str(exc.orig) or "No space left" in str(exc.orig):
                raise DiskFullError(self.engine.url.render_as_string()) from exc
            if _lost_connection(exc, self.engine.dialect.name):
                where = self.engine.url.render_as_string(hide_password=True)
                raise DatabaseUnavailable(where, f"{type(exc.orig).__name__}: {exc.orig}") from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def retrying(self, work: Callable[[], T], *, wait: float | None = None) -> T:
        """Run ``work`` (one or more whole units of work), again while the server is away.

        ``work`` must be safe to repeat: each ``session()`` it opened either
        committed or was rolled back. A PostgreSQL restart mid-scan then costs the
        scan a pause, not its run; after ``wait`` seconds ``DatabaseUnavailable``
        goes to the caller.
        """
        deadline = time.monotonic() + (RECONNECT_SECONDS if wait is None else wait)
        delay = 0.25
        while True:
            try:
                return work()
            except DatabaseUnavailable as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("database unavailable (%s); trying again in %.1f s", exc.detail, delay)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def dispose(self) -> None:
        self.engine.dispose()
