"""Per-invocation state shared by the CLI commands: settings and the lazily built app."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from idolguard.app import IdolGuard
from idolguard.config import ConfigError, Settings, load_settings
from idolguard.domain.accounts import AccountError
from idolguard.faces import BACKENDS, FaceBackendError
from idolguard.storage.database import DatabaseError

EXIT_USAGE = 2
EXIT_SYSTEM = 3


@dataclass
class CLIState:
    home: Path | None = None
    database_url: str | None = None
    config: Path | None = None
    workers: int | None = None
    face_backend: str | None = None
    operator: str | None = None
    tenant: str | None = None  # an agency's data instead of the installation's own
    console: Console = field(default_factory=lambda: Console(stderr=True))
    _app: IdolGuard | None = None

    def settings(self) -> Settings:
        try:
            settings = load_settings(config_file=self.config, home=self.home)
        except ConfigError as exc:
            fail(str(exc), EXIT_USAGE)
        settings = settings.with_overrides(
            database_url=self.database_url, workers=self.workers, operator=self.operator
        )
        if self.face_backend:
            if self.face_backend not in BACKENDS:
                fail(
                    f"unknown face backend {self.face_backend!r}; available: {', '.join(BACKENDS)}"
                )
            settings = replace(settings, faces=replace(settings.faces, backend=self.face_backend))
        return settings

    def app(self) -> IdolGuard:
        """What commands act on: the agency named by ``--tenant``, else the installation."""
        installation = self.installation()
        if self.tenant is None:
            return installation
        try:
            return installation.tenant(self.tenant)
        except AccountError as exc:
            fail(str(exc))
        except DatabaseError as exc:
            fail(str(exc), EXIT_SYSTEM)

    def installation(self) -> IdolGuard:
        """The installation's own instance, which also holds agencies and accounts."""
        if self._app is None:
            try:
                self._app = IdolGuard(self.settings())
            except DatabaseError as exc:
                fail(str(exc), EXIT_SYSTEM)
            except FaceBackendError as exc:
                fail(str(exc), EXIT_USAGE)
            except OSError as exc:
                fail(f"cannot prepare the data directory: {exc}", EXIT_SYSTEM)
        return self._app


def state(ctx: typer.Context) -> CLIState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CLIState)
    return obj


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)
    sys.exit(code)
