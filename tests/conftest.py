"""Shared fixtures: settings in a temp home; databases (SQLite, and PostgreSQL when given)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from idolguard.app import IdolGuard
from idolguard.config import Settings, load_settings
from idolguard.faces import FaceBackend, load_backend
from idolguard.storage.database import normalise_url
from tests.helpers import SAMPLES
from tests.smtp import smtp_server  # noqa: F401  (a real SMTP server on loopback)
from tests.tsa import tsa  # noqa: F401  (a real RFC 3161 TSA on loopback)
from tests.website import website  # noqa: F401  (a web server whose answers change)

POSTGRES_ENV = "IDOLGUARD_TEST_POSTGRES_URL"


def _reset_postgres(url: str) -> None:
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage-touching test runs on SQLite and, when configured, on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'idolguard.sqlite3'}"
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (scripts/test starts a server)")
    _reset_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    base = load_settings(environ={}, home=tmp_path / "home")
    return replace(base, database_url=database_url, workers=2)


@pytest.fixture
def app(settings: Settings) -> Iterator[IdolGuard]:
    with IdolGuard(settings) as instance:
        yield instance


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """For tests about behaviour that does not depend on the database backend."""
    return replace(load_settings(environ={}, home=tmp_path / "home"), workers=2)


@pytest.fixture
def samples_dir(tmp_path: Path) -> Path:
    target = tmp_path / "samples"
    target.mkdir()
    for path in SAMPLES.glob("*.jpg"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def arcface() -> FaceBackend:
    """Face backends load once per session: model start-up would dominate otherwise."""
    return load_backend("arcface", threads=2)


@pytest.fixture(scope="session")
def dlib_backend() -> FaceBackend:
    if importlib.util.find_spec("dlib") is None:
        pytest.skip("the dlib backend needs the `dlib` extra (pip install -e '.[dlib]')")
    return load_backend("dlib", threads=2)
