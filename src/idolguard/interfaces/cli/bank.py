"""``idolguard bank``: manage banks of confirmed (block) and known-benign (allow) content."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from idolguard.domain.banks import BankError
from idolguard.exchange.formats import (
    BankFormatError,
    BankRecord,
    detect_format,
    read_bank_file,
    write_bank_file,
    write_records,
)
from idolguard.exchange.formats.stopncii_format import read_stopncii, write_stopncii
from idolguard.interfaces.cli.context import EXIT_SYSTEM, console, fail, note, state
from idolguard.interfaces.cli.scan import JsonOpt, PathsArg, run_and_report
from idolguard.media import MediaError
from idolguard.pipeline.discovery import discover

bank_app = typer.Typer(help="Hash banks: confirmed content to catch re-uploads, and allow-lists.")

BankOpt = Annotated[str, typer.Option("--bank", "-b", help="Bank name.")]
FORMATS = ("csv", "json", "jsonl", "pytx", "stopncii")  # stopncii: only with --format


@bank_app.command("add")
def add(
    ctx: typer.Context,
    paths: PathsArg,
    bank: BankOpt,
    label: Annotated[str | None, typer.Option(help="Label stored with each entry.")] = None,
    allow: Annotated[
        bool, typer.Option("--allow", help="Allow-list bank: known-benign sources.")
    ] = False,
    content_id: Annotated[
        str | None, typer.Option(help="Content id (single file only; default: SHA-256 prefix).")
    ] = None,
) -> None:
    """Hash files (images: 8 flip/rotation variants; videos: every frame) into a bank."""
    cli = state(ctx)
    app = cli.app()
    files = list(discover(paths))
    if content_id is not None and len(files) != 1:
        fail("--content-id can only be used with a single file")
    failures = 0
    for path in files:
        try:
            added = app.banks.add_file(path, bank, label=label, content_id=content_id, allow=allow)
        except (MediaError, OSError) as exc:
            failures += 1
            note("skipped", f"{path}: {exc}", style="red")
            continue
        except BankError as exc:
            fail(str(exc))
        verb = "added" if added.created else ("updated" if added.signals else "already in bank")
        cli.console.print(
            f"{verb}: {path} -> {added.bank}/{added.content_id} ({added.signals} new hashes)",
            highlight=False,
        )
    cli.console.print(f"{len(files) - failures} of {len(files)} file(s) banked in {bank!r}")


@bank_app.command("match")
def match(ctx: typer.Context, paths: PathsArg, as_json: JsonOpt = False) -> None:
    """Look files up in the banks without recording anything."""
    cli = state(ctx)
    scanner = cli.app().scanner(persist=False)
    if as_json:
        from idolguard.interfaces.cli.output import write_json_line

        for record in scanner.scan(paths):
            bank = record.results.get("bank_match") or {}
            write_json_line(
                {
                    "path": record.location,
                    "sha256": record.sha256,
                    "error": record.error,
                    "matches": bank.get("matches", []),
                    "verdict": bank.get("verdict"),
                }
            )
        return
    run_and_report(scanner, paths, as_json=False, console=cli.console)


@bank_app.command("list")
def list_banks(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List banks with their sizes."""
    banks = state(ctx).app().banks.list_banks()
    if as_json:
        import json

        print(json.dumps([b.__dict__ for b in banks], ensure_ascii=False, indent=2))
        return
    table = Table(title="Banks")
    for column in ("Name", "Kind", "Contents", "Hashes", "Enabled", "Description"):
        table.add_column(column)
    for b in banks:
        table.add_row(
            b.name,
            b.kind,
            str(b.contents),
            str(b.signals),
            "yes" if b.enabled else "no",
            b.description or "",
        )
    console().print(table)


@bank_app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    allow: Annotated[bool, typer.Option("--allow", help="Make it an allow-list bank.")] = False,
    description: Annotated[str | None, typer.Option(help="What this bank holds.")] = None,
) -> None:
    """Create an empty bank."""
    try:
        state(ctx).app().banks.create_bank(name, "allow" if allow else "block", description)
    except BankError as exc:
        fail(str(exc))


@bank_app.command("remove")
def remove(
    ctx: typer.Context,
    name: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a bank and its hashes (stored originals are kept)."""
    if not yes and not typer.confirm(f"Delete bank {name!r} and all its hashes?"):
        raise typer.Exit(1)
    try:
        state(ctx).app().banks.delete_bank(name)
    except BankError as exc:
        fail(str(exc))


@bank_app.command("export")
def export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(help="File to write, or '-' for stdout.")],
    bank: Annotated[str | None, typer.Option("--bank", "-b", help="Only this bank.")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="csv, json, jsonl, pytx or stopncii."),
    ] = None,
) -> None:
    """Export hashes (never media) in IdolGuard, python-threatexchange or StopNCII formats."""
    suffixes = {
        ".csv": "csv",
        ".json": "json",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".txt": "pytx",
    }
    chosen = fmt or ("jsonl" if str(output) == "-" else suffixes.get(output.suffix.lower(), ""))
    if not chosen:
        fail(
            f"cannot tell the format of {output.name!r}: "
            f"use --format or one of {', '.join(suffixes)}"
        )
    if chosen not in FORMATS:
        fail(f"unknown format {chosen!r}; choose one of {', '.join(FORMATS)}")
    app = state(ctx).app()
    cli = state(ctx)
    try:
        records = list(app.banks.export_records(bank))
    except BankError as exc:
        fail(str(exc))
    # pytx's text format has no photo md5/sha256 types and no allow-lists: those are left out.
    skip = chosen in ("pytx", "stopncii")
    try:
        if chosen == "stopncii":
            count = _export_stopncii(records, output)
        elif str(output) == "-":
            count = write_records(records, sys.stdout, chosen, skip_unsupported=skip)  # type: ignore[arg-type]
        else:
            count = write_bank_file(records, output, chosen, skip_unsupported=skip)  # type: ignore[arg-type]
    except (BankFormatError, OSError) as exc:
        fail(f"cannot export: {exc}", EXIT_SYSTEM)
    left_out = len(records) - count
    cli.console.print(
        f"exported {count} hash(es)"
        + (f"; {left_out} left out (not expressible in {chosen} format)" if left_out else ""),
        highlight=False,
    )


@bank_app.command("import")
def import_(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="CSV, JSON, JSON Lines or pytx file.")],
    bank: Annotated[
        str | None, typer.Option("--bank", "-b", help="Bank for records that name none.")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f")] = None,
) -> None:
    """Import hashes shared by a partner or exported from another installation."""
    if not source.is_file():
        fail(f"no such file: {source}")
    chosen = fmt or detect_format(source)
    if chosen not in FORMATS:
        fail(f"unknown format {chosen!r}; choose one of {', '.join(FORMATS)}")
    app = state(ctx).app()
    try:
        # Parse everything first: a malformed line must not leave half a file imported.
        if chosen == "stopncii":
            with source.open(encoding="utf-8") as fp:
                records = list(read_stopncii(fp, skip_unknown=True))
        else:
            records = list(read_bank_file(source, chosen))  # type: ignore[arg-type]
        added = app.banks.import_records(records, bank)
    except (BankFormatError, BankError, UnicodeDecodeError) as exc:
        fail(f"{source}: {exc}")
    state(ctx).console.print(f"imported {added} new hash(es) from {len(records)} record(s)")


def _export_stopncii(records: list[BankRecord], output: Path) -> int:
    if str(output) == "-":
        return write_stopncii(records, sys.stdout, skip_unsupported=True)
    with output.open("w", encoding="utf-8") as fp:
        return write_stopncii(records, fp, skip_unsupported=True)
