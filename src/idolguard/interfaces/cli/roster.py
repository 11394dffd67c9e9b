"""``idolguard roster``: the artists IdolGuard protects and their reference photos."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from idolguard.domain.roster import EnrolmentError, RosterError
from idolguard.faces import FaceBackendError
from idolguard.interfaces.cli.context import EXIT_SYSTEM, console, fail, note, state

roster_app = typer.Typer(
    help="Enrol artists with reference photos and aliases; list and remove them."
)

PhotosOpt = Annotated[
    list[Path],
    typer.Option("--photo", "-p", help="Reference photo with exactly one clear face (repeatable)."),
]
ArtistArg = Annotated[str, typer.Argument(help="Artist name, alias (any script) or #id.")]


def _enrolment_failed(exc: EnrolmentError) -> None:
    note("error:", "photo(s) rejected, nothing was changed:", style="bold red")
    err = console(stderr=True)
    for problem in exc.problems:
        err.print(f"  {problem.path}: {problem.problem}")
    raise typer.Exit(2)


@roster_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Stage name as the agency writes it.")],
    photos: PhotosOpt,
    alias: Annotated[
        list[str] | None,
        typer.Option(
            "--alias", "-a", help="Other name: Hangul, romanisation, nickname (repeatable)."
        ),
    ] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Group name.")] = None,
) -> None:
    """Enrol an artist from a few reference photos (all are checked before anything is saved)."""
    app = state(ctx).app()
    try:
        summary = app.roster.add_artist(name, photos, aliases=alias or [], group=group)
    except EnrolmentError as exc:
        _enrolment_failed(exc)
    except RosterError as exc:
        fail(str(exc))
    except FaceBackendError as exc:
        fail(str(exc), EXIT_SYSTEM)
    print(f"enrolled {summary.name} (#{summary.id}) with {summary.photos} photo(s)")


@roster_app.command("add-photo")
def add_photo(ctx: typer.Context, artist: ArtistArg, photos: PhotosOpt) -> None:
    """Add reference photos to an enrolled artist."""
    app = state(ctx).app()
    try:
        summary = app.roster.add_photos(artist, photos)
    except EnrolmentError as exc:
        _enrolment_failed(exc)
    except RosterError as exc:
        fail(str(exc))
    print(f"{summary.name} (#{summary.id}) now has {summary.photos} photo(s)")


@roster_app.command("alias")
def add_alias(
    ctx: typer.Context,
    artist: ArtistArg,
    aliases: Annotated[list[str], typer.Argument(help="Aliases to add.")],
) -> None:
    """Add aliases (Hangul, romanisations, nicknames) to an artist."""
    try:
        summary = state(ctx).app().roster.add_aliases(artist, aliases)
    except RosterError as exc:
        fail(str(exc))
    print(f"{summary.name}: {', '.join(summary.aliases) or '(no aliases)'}")


@roster_app.command("remove")
def remove(
    ctx: typer.Context,
    artist: ArtistArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove an artist and their face templates (stored photo originals are kept)."""
    app = state(ctx).app()
    try:
        summary = app.roster.get(artist)
    except RosterError as exc:
        fail(str(exc))
    if not yes and not typer.confirm(f"Remove {summary.name} (#{summary.id}) from the roster?"):
        raise typer.Exit(1)
    removed = app.roster.remove_artist(f"#{summary.id}")
    print(f"removed {removed}")


@roster_app.command("list")
def list_artists(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(help="Only artists with a matching name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array on stdout.")] = False,
) -> None:
    """List enrolled artists with aliases, photo and template counts."""
    artists = state(ctx).app().roster.list_artists(query)
    if as_json:
        print(json.dumps([a.as_json() for a in artists], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Roster ({len(artists)} artists)")
    for column in ("#", "Name", "Group", "Aliases", "Photos", "Templates"):
        table.add_column(column)
    for a in artists:
        table.add_row(
            str(a.id), a.name, a.group or "", ", ".join(a.aliases), str(a.photos), str(a.templates)
        )
    console().print(table)


@roster_app.command("reembed")
def reembed(ctx: typer.Context) -> None:
    """Build templates for the current face backend from the stored reference photos."""
    app = state(ctx).app()
    missing = app.roster.missing_templates()
    if not missing:
        print(f"all reference photos have {app.roster.backend_key} templates")
        return
    problems = app.roster.ensure_templates(
        lambda done, total: print(f"  {done}/{total}", end="\r", flush=True)
    )
    print(f"embedded {missing - len(problems)} photo(s) with {app.roster.backend_key}")
    for problem in problems:
        note("skipped", f"{problem.path}: {problem.problem}")
