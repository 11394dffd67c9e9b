"""Per-invocation state shared by the CLI commands: settings, the lazily built app, printing.

This module is imported for every command, ``--help`` and ``--version``
included, so it imports nothing heavy at module level: the application and
configuration modules are imported inside the methods that need
them (see the start-up test in tests/interfaces/test_cli_startup.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from idolguard.app import IdolGuard
    from idolguard.config import Settings

EXIT_USAGE = 2
EXIT_SYSTEM = 3


def console(*, stderr: bool = False) -> Console:
    """A rich console that prints text exactly as written.

    Rich markup is off: messages, table cells and titles carry names, paths,
    URLs and config keys such as ``[smtp]``, which markup would swallow.
    Styling is done with ``Text``/``style=`` instead of markup tags.
    """
    return Console(stderr=stderr, markup=False, highlight=False)


def styled(text: str, style: str) -> Text:
    """``text`` in ``style``, never parsed as markup (for table cells and prefixes)."""
    return Text(text, style=style)


def note(label: str, message: str, *, style: str = "yellow") -> None:
    """``label message`` on stderr: only the label coloured, the message literal and unwrapped."""
    console(stderr=True).print(Text.assemble((label, style), " ", message), soft_wrap=True)


@dataclass
class CLIState:
    home: Path | None = None
    database_url: str | None = None
    config: Path | None = None
    workers: int | None = None
    face_backend: str | None = None
    operator: str | None = None
    tenant: str | None = None  # an agency's data instead of the installation's own
    console: Console = field(default_factory=lambda: console(stderr=True))
    _app: IdolGuard | None = None

    def settings(self) -> Settings:
        from idolguard.config import ConfigError, load_settings
        from idolguard.faces import BACKENDS

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
        tenant = self.tenant
        return _opened(lambda: installation.tenant(tenant))

    def installation(self) -> IdolGuard:
        """The installation's own instance, which also holds agencies and accounts."""
        if self._app is None:
            from idolguard.app import IdolGuard

            settings = self.settings()
            self._app = _opened(lambda: IdolGuard(settings))
        return self._app


def _opened(build: Callable[[], IdolGuard]) -> IdolGuard:
    """Run ``build`` and turn the ways opening an installation fails into clear CLI errors."""
    from idolguard.app import StartupError
    from idolguard.domain.accounts import AccountError
    from idolguard.faces import FaceBackendError

    try:
        return build()
    except (AccountError, FaceBackendError) as exc:
        fail(str(exc), EXIT_USAGE)
    except StartupError as exc:
        fail(str(exc), EXIT_SYSTEM)
    except OSError as exc:
        fail(f"cannot prepare the data directory: {exc}", EXIT_SYSTEM)


def state(ctx: typer.Context) -> CLIState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CLIState)
    return obj


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` on stderr, the message exactly as written, and exit ``code``."""
    note("error:", message, style="bold red")
    sys.exit(code)
