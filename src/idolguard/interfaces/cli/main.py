"""Entry point of the ``idolguard`` command: global options and sub-command wiring."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from typer import _click as click  # typer 0.29 (pinned) vendors click; its classes are these
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from idolguard import __version__
from idolguard.interfaces.cli.context import CLIState, console, state

# --------------------------------------------------------------------------------------------
# Sub-commands load on first use. Their modules import the application, storage and models
# (numpy, SQLAlchemy, ONNX Runtime...), which take seconds; ``--version`` and ``--help`` need
# none of it. Each entry: where the command lives and its one-line help for the command list
# (tests/interfaces/test_cli_startup.py checks these against the real commands).


@dataclass(frozen=True)
class _Lazy:
    module: str
    attribute: str
    help: str


_CLI = "idolguard.interfaces.cli."
_LAZY_COMMANDS: dict[str, _Lazy] = {
    "watch": _Lazy(
        _CLI + "sources",
        "watch",
        "Monitor sources continuously: run each one when due (new media is scanned and triaged) and"
        " re-check reported URLs; Ctrl-C stops.",
    ),
    "watch-urls": _Lazy(
        _CLI + "notices",
        "watch_urls",
        "Re-check the web addresses of confirmed items (one pass, or --loop): record removals"
        " (time to takedown) and reappearances.",
    ),
    "capture": _Lazy(
        _CLI + "review",
        "capture",
        "Capture a URL as evidence: page and media, redirects, final URL, title, uploader.",
    ),
    "verify": _Lazy(
        _CLI + "cases",
        "verify",
        "Check an evidence bundle offline and say exactly what, if anything, was altered.",
    ),
    "models": _Lazy(
        _CLI + "models",
        "models",
        "List the models, their licences, and the face backend in use with its calibration.",
    ),
    "scan": _Lazy(
        _CLI + "scan",
        "scan",
        "Analyse media and record every file; already-analysed content is reused.",
    ),
    "scans": _Lazy(
        _CLI + "scan",
        "scans",
        "List recent scans: running, finished, or interrupted (the process was killed).",
    ),
    "serve": _Lazy(
        _CLI + "serve",
        "serve",
        "Serve the web app. Agencies and people come from `idolguard tenant` and `idolguard user`.",
    ),
    "demo": _Lazy(
        _CLI + "demo",
        "demo",
        "Bank sample media, fabricate re-uploads and broken files, scan them, show the verdicts.",
    ),
}
_LAZY_GROUPS: dict[str, _Lazy] = {
    "bank": _Lazy(
        _CLI + "bank",
        "bank_app",
        "Hash banks: confirmed content to catch re-uploads, and allow-lists.",
    ),
    "exchange": _Lazy(
        _CLI + "exchange",
        "exchange_app",
        "Hash exchange: publish banks for HMA/pytx and agencies, subscribe to theirs.",
    ),
    "roster": _Lazy(
        _CLI + "roster",
        "roster_app",
        "Enrol artists with reference photos and aliases; list and remove them.",
    ),
    "review": _Lazy(
        _CLI + "review",
        "review_app",
        "Work the review queue: worst first, previews blurred by default.",
    ),
    "item": _Lazy(
        _CLI + "review",
        "item_app",
        "Items: content seen at a location, with its history and evidence.",
    ),
    "case": _Lazy(
        _CLI + "cases",
        "case_app",
        "Cases: the items of one incident, exported as evidence bundles.",
    ),
    "audit": _Lazy(
        _CLI + "cases",
        "audit_app",
        "The chain-of-custody log: show it, verify it, anchor it.",
    ),
    "evidence": _Lazy(
        _CLI + "cases",
        "evidence_app",
        "Evidence store: timestamps, integrity, encryption key.",
    ),
    "retention": _Lazy(
        _CLI + "cases",
        "retention_app",
        "Delete what the retention rules say has been kept long enough.",
    ),
    "notice": _Lazy(
        _CLI + "notices",
        "notice_app",
        "Takedown notices: draft per legal regime, send, track deadlines and removals.",
    ),
    "sources": _Lazy(
        _CLI + "sources",
        "sources_app",
        "Sources IdolGuard monitors: folders, URL lists, feeds, pages, listings, chat exports.",
    ),
    "tenant": _Lazy(
        _CLI + "accounts",
        "tenant_app",
        "Agencies sharing this installation, each with its own data.",
    ),
    "user": _Lazy(
        _CLI + "accounts",
        "user_app",
        "People who sign in to the web app, and their role in each agency.",
    ),
    "token": _Lazy(
        _CLI + "accounts",
        "token_app",
        "API tokens (one user, one agency); shown once when created.",
    ),
    "impersonation": _Lazy(
        _CLI + "impersonation",
        "impersonation_app",
        "Impersonation accounts: artists' official handles, check profiles, queue flagged ones.",
    ),
    "portal": _Lazy(
        _CLI + "portal",
        "portal_app",
        "An agency's statement, contact and artist list on its public report and guide pages.",
    ),
}
LAZY: dict[str, _Lazy] = {**_LAZY_COMMANDS, **_LAZY_GROUPS}


def _escape_help(command: click.Command) -> None:
    """Make a command's help texts literal for rich: ``[notices]`` would otherwise vanish.

    Typer renders help, epilogs and option help as rich markup, and help texts here name
    config sections in brackets. Done once per command, where commands are created.
    """
    if getattr(command, "_help_escaped", False):
        return
    command._help_escaped = True  # type: ignore[attr-defined]
    for attribute in ("help", "short_help", "epilog"):
        value = getattr(command, attribute, None)
        if isinstance(value, str):
            setattr(command, attribute, escape(value))
    for param in command.params:
        value = getattr(param, "help", None)
        if isinstance(value, str):
            param.help = escape(value)  # type: ignore[attr-defined]
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _escape_help(sub)


class LazyGroup(TyperGroup):
    """The root command: sub-commands in ``LAZY`` are imported only when run (or asked for help).

    Listing commands for ``--help`` shows stand-ins that carry only the one-line help.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False
        _escape_help(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = [name for name in super().list_commands(ctx) if name not in LAZY]
        return [*_LAZY_COMMANDS, *eager, *_LAZY_GROUPS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        lazy = LAZY.get(cmd_name)
        if lazy is None:
            return None
        if self._listing:
            return TyperCommand(cmd_name, help=escape(lazy.help))
        command = self._load(cmd_name, lazy)
        self.commands[cmd_name] = command
        return command

    def _load(self, name: str, lazy: _Lazy) -> click.Command:
        target = getattr(importlib.import_module(lazy.module), lazy.attribute)
        command: click.Command
        if isinstance(target, typer.Typer):
            command = get_group_from_info(
                TyperInfo(target, name=name),
                pretty_exceptions_short=True,
                suggest_commands=self.suggest_commands,
                rich_markup_mode=self.rich_markup_mode,
            )
        else:
            command = get_command_from_info(
                CommandInfo(name=name, callback=target),
                pretty_exceptions_short=True,
                rich_markup_mode=self.rich_markup_mode,
            )
        _escape_help(command)
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As Typer's, but "Did you mean" also suggests commands not loaded yet."""
        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                suggestions = ", ".join(f"{m!r}" for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise


app = typer.Typer(
    name="idolguard",
    cls=LazyGroup,
    help="Protect artists from deepfakes and NCII: fingerprint, match, keep evidence, take down.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"idolguard {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(help="Data directory (default $IDOLGUARD_HOME or the user data dir)."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default $IDOLGUARD_DATABASE_URL or SQLite in home)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="idolguard.toml to use (default $IDOLGUARD_CONFIG).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=0, help="Worker processes (0 = in-process).")
    ] = None,
    face_backend: Annotated[
        str | None,
        typer.Option(help="Face backend: arcface or dlib (see `idolguard models`)."),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option(help="Who is acting, for the custody log (default $IDOLGUARD_OPERATOR)."),
    ] = None,
    tenant: Annotated[
        str | None,
        typer.Option(
            help="Act on this agency's data (see `idolguard tenant list`); "
            "default the installation's own.",
            envvar="IDOLGUARD_TENANT",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    ctx.obj = CLIState(
        home=home,
        database_url=database_url,
        config=config,
        workers=workers,
        face_backend=face_backend,
        operator=operator,
        tenant=tenant,
    )


@app.command("signals")
def list_signals(ctx: typer.Context) -> None:
    """List the analysis signals available (built in and from plugins)."""
    table = Table(title="Signals")
    for column in ("Name", "Version", "Media", "Stage", "Description"):
        table.add_column(column)
    for signal in state(ctx).app().signals():
        table.add_row(
            signal.name,
            signal.version,
            ", ".join(sorted(m.value for m in signal.media_types)),
            signal.stage.value,
            signal.description,
        )
    console().print(table)


@app.command("info")
def info(ctx: typer.Context) -> None:
    """Show where data lives and which database is used."""
    settings = state(ctx).settings()
    print(f"home:          {settings.home}")
    print(f"database:      {settings.database_url}")
    print(f"originals:     {settings.blob_dir}")
    print(f"config file:   {settings.config_file or '-'}")
    print(f"workers:       {settings.workers}")
    print(f"face backend:  {settings.faces.backend}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
