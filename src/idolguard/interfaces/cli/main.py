"""Entry point of the ``idolguard`` command: global options and sub-command wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from idolguard import __version__
from idolguard.interfaces.cli.accounts import tenant_app, token_app, user_app
from idolguard.interfaces.cli.bank import bank_app
from idolguard.interfaces.cli.cases import (
    audit_app,
    case_app,
    evidence_app,
    retention_app,
    verify,
)
from idolguard.interfaces.cli.context import CLIState, state
from idolguard.interfaces.cli.demo import demo
from idolguard.interfaces.cli.models import models
from idolguard.interfaces.cli.notices import notice_app, watch_urls
from idolguard.interfaces.cli.portal import portal_app
from idolguard.interfaces.cli.review import capture, item_app, review_app
from idolguard.interfaces.cli.roster import roster_app
from idolguard.interfaces.cli.scan import scan
from idolguard.interfaces.cli.serve import serve
from idolguard.interfaces.cli.sources import sources_app, watch

app = typer.Typer(
    name="idolguard",
    help="Protect artists from deepfakes and NCII: fingerprint, match, keep evidence, take down.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(bank_app, name="bank")
app.add_typer(roster_app, name="roster")
app.add_typer(review_app, name="review")
app.add_typer(item_app, name="item")
app.add_typer(case_app, name="case")
app.add_typer(audit_app, name="audit")
app.add_typer(evidence_app, name="evidence")
app.add_typer(retention_app, name="retention")
app.add_typer(notice_app, name="notice")
app.add_typer(sources_app, name="sources")
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(portal_app, name="portal")
app.command("watch")(watch)
app.command("watch-urls")(watch_urls)
app.command("capture")(capture)
app.command("verify")(verify)
app.command("models")(models)
app.command("scan")(scan)
app.command("serve")(serve)
app.command("demo")(demo)


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
    Console().print(table)


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
