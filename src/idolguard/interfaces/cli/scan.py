"""``idolguard scan``: fingerprint files and folders and match them against the banks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from idolguard.interfaces.cli.context import fail, state
from idolguard.interfaces.cli.output import record_to_json, records_table, write_json_line
from idolguard.pipeline.scan import Scanner
from idolguard.signals import SignalConfigError
from idolguard.storage.analysis_store import FileRecord

PathsArg = Annotated[list[Path], typer.Argument(help="Files and folders (folders are recursive).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per file (JSON Lines).")]
SignalsOpt = Annotated[
    list[str] | None,
    typer.Option("--signal", "-s", help="Run only these signals (repeatable)."),
]


def scan(
    ctx: typer.Context,
    paths: PathsArg,
    as_json: JsonOpt = False,
    signals: SignalsOpt = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not keep copies of the originals.")
    ] = False,
) -> None:
    """Analyse media and record every file; already-analysed content is reused."""
    cli = state(ctx)
    app = cli.app()
    if no_store:
        app.settings = app.settings.with_overrides(store_originals=False)
    try:
        scanner = app.scanner(signals)
    except SignalConfigError as exc:
        fail(str(exc))
    run_and_report(scanner, paths, as_json=as_json, title="Scan results", console=cli.console)


def run_and_report(
    scanner: Scanner,
    paths: list[Path],
    *,
    as_json: bool,
    title: str,
    console: object,
) -> list[FileRecord]:
    """Run a scan with a progress bar on stderr; JSON Lines stream to stdout as files finish."""
    from rich.console import Console

    assert isinstance(console, Console)
    records: list[FileRecord] = []
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("scanning", total=None)

        def on_progress(done: int, total: int, record: FileRecord) -> None:
            progress.update(task, completed=done, total=total)

        for record in scanner.scan(paths, progress=on_progress):
            if as_json:
                write_json_line(record_to_json(record, scanner.settings.heatmap_dir))
            else:
                records.append(record)
    summary = scanner.summary
    if not as_json:
        root = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
        Console().print(records_table(records, title, root=root))
    console.print(
        f"{summary.total} file(s): {summary.analysed} analysed, {summary.cached} already known, "
        f"{summary.failed} failed" + (f" (scan #{summary.scan_id})" if summary.scan_id else ""),
        highlight=False,
    )
    return records
