"""A process killed during the first migration of a SQLite database.

pysqlite runs DDL outside any transaction, so a kill between two CREATE TABLEs
left half a schema with no Alembic version: every later start failed with
"cannot migrate database ... table media already exists". Found by the kill
benchmark (a scan killed about a second after it started, on a new home).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from idolguard.storage.database import Database
from idolguard.storage.models import Base

KILL_MID_MIGRATION = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
from idolguard.storage.database import Database

created = 0

@event.listens_for(Engine, "after_cursor_execute")
def _count(conn, cursor, statement, *args):
    global created
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        created += 1
        if created == 5:
            os.kill(os.getpid(), signal.SIGKILL)

Database(sys.argv[1])
"""


def test_a_kill_during_the_first_migration_leaves_a_database_that_still_opens(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'idolguard.sqlite3'}"
    killed = subprocess.run([sys.executable, "-c", KILL_MID_MIGRATION, url], check=False)
    assert killed.returncode == -9  # it died mid-migration, as meant

    db = Database(url)  # before the fix: DatabaseError, "table ... already exists"

    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert set(Base.metadata.tables) <= tables
    db.dispose()
