"""``idolguard scan``: fingerprint files and folders and match them against the banks."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from idolguard.interfaces.cli.context import EXIT_SYSTEM, console, fail, state
from idolguard.interfaces.cli.output import RowPrinter, json_line, record_to_json, write_json_line

if TYPE_CHECKING:
    from idolguard.app import IdolGuard
    from idolguard.pipeline.records import FileRecord
    from idolguard.pipeline.scan import Scanner

# exists=True: a mistyped path is a usage error (exit 2) before anything is opened or
# recorded, not an empty scan that exits 0. readable=False: a file the system refuses
# to read is not a usage error; it gets its own record (code "unreadable"), the rest
# are scanned.
PathsArg = Annotated[
    list[Path],
    typer.Argument(help="Files and folders (folders are recursive).", exists=True, readable=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per file (JSON Lines).")]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Run the analysis on a Ray cluster: 'auto' (the one this host joined) or its "
        "address (host:port). Needs the `cluster` extra; results go to the configured database.",
    ),
]
ClusterWorkersOpt = Annotated[
    int,
    typer.Option(
        "--cluster-workers", min=0, help="Ray workers to start (default 0: one per cluster CPU)."
    ),
]
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
    cluster: ClusterOpt = None,
    cluster_workers: ClusterWorkersOpt = 0,
) -> None:
    """Analyse media and record every file; already-analysed content is reused.

    Each file's line is printed as it finishes: aligned columns on a terminal
    (risk, verdict, file, artists, strongest reason), tab-separated fields when
    piped, JSON Lines with --json.
    """
    from idolguard.signals import SignalConfigError

    cli = state(ctx)
    app = cli.app()
    if no_store:
        app.settings = app.settings.with_overrides(store_originals=False)
    if cluster:
        use_cluster(app, cluster, cluster_workers)
    try:
        scanner = app.scanner(signals)
    except SignalConfigError as exc:
        fail(str(exc))
    run_and_report(scanner, paths, as_json=as_json, console=cli.console)


def use_cluster(app: IdolGuard, address: str, workers: int) -> None:
    """Point ``app``'s scanners at a Ray cluster, or stop with why that cannot work."""
    from idolguard.pipeline.cluster import ClusterError, connect

    try:
        connect(address)
    except ClusterError as exc:
        fail(str(exc), EXIT_SYSTEM)
    app.settings = app.settings.with_overrides(cluster=address, cluster_workers=workers)


def scans(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List recent scans: running, finished, or interrupted (the process was killed)."""
    from rich.table import Table

    runs = state(ctx).app().analysis.scan_runs(limit)
    if as_json:
        for run in runs:
            write_json_line(
                {
                    "id": run.id,
                    "status": run.status,
                    "started_at": run.started_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None,
                    "pid": run.pid,
                    "host": run.host,
                    "files": {
                        "total": run.files_total,
                        "analysed": run.files_analysed,
                        "cached": run.files_cached,
                        "failed": run.files_failed,
                    },
                }
            )
        return
    table = Table("scan", "status", "started", "last seen", "analysed", "cached", "failed")
    for run in runs:
        last = run.finished_at or run.heartbeat_at
        table.add_row(
            str(run.id),
            run.status,
            f"{run.started_at:%Y-%m-%d %H:%M:%S}",
            f"{last:%Y-%m-%d %H:%M:%S}" if last else "-",
            str(run.files_analysed),
            str(run.files_cached),
            str(run.files_failed),
        )
    console_for_stdout().print(table)


def run_and_report(
    scanner: Scanner,
    paths: list[Path],
    *,
    as_json: bool,
    console: Console,
    out: Console | None = None,
) -> None:
    """Run a scan with a progress bar on stderr; every file's line reaches stdout as it finishes.

    Nothing is kept: a scan of a million files streams in constant memory.
    ``out`` is where the lines go (stdout unless a test says otherwise); the
    summary and the progress bar go to ``console`` (stderr).
    """
    root = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
    out = out or console_for_stdout()
    rows = RowPrinter(out, root=root)
    # Lines printed to a terminal must go through the console that draws the progress bar,
    # or the bar overwrites them; piped lines leave the bar alone on stderr.
    bar = out if out.is_terminal else console
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=bar,
        transient=True,
        disable=not bar.is_terminal,
        # Rich would otherwise reroute sys.stdout through the bar's console (stderr): JSON
        # Lines redirected to a file from a terminal ended up on the screen, the file empty.
        redirect_stdout=False,
        redirect_stderr=False,
    ) as progress:
        task = progress.add_task("scanning", total=None)

        def on_progress(done: int, total: int, record: FileRecord) -> None:
            progress.update(task, completed=done, total=total)

        for record in _stopping_clearly(
            _cluster_failing_clearly(scanner.scan(paths, progress=on_progress))
        ):
            if as_json:
                line = record_to_json(record, scanner.settings.heatmap_dir)
                if out.is_terminal:
                    out.print(Text(json_line(line)), soft_wrap=True)
                else:
                    write_json_line(line, out.file)
            else:
                rows.print(record)
    summary = scanner.summary
    console.print(
        f"{summary.total} file(s): {summary.analysed} analysed, {summary.cached} already known, "
        f"{summary.failed} failed" + (f" (scan #{summary.scan_id})" if summary.scan_id else "")
    )


def _stopping_clearly(records: Iterator[FileRecord]) -> Iterator[FileRecord]:
    """A full disk or a lost database stops the scan with what to do, not a traceback."""
    try:
        yield from records
    except ConnectionError as exc:  # the database server went away and did not come back
        where = f" ({exc.filename})" if exc.filename else ""
        fail(
            f"the database server stopped answering{where} and did not come back within a "
            "minute: the scan stopped. Every file reported above is recorded; when the "
            "database is back, run the same scan again to finish the rest.",
            EXIT_SYSTEM,
        )
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        fail(
            f"no space left on the disk holding IdolGuard's data{where}: the scan stopped. "
            "Every file reported above is recorded; free some space and run the same scan "
            "again to finish the rest.",
            EXIT_SYSTEM,
        )


def _cluster_failing_clearly(records: Iterator[FileRecord]) -> Iterator[FileRecord]:
    """A cluster that cannot be used stops the scan with why, not a traceback."""
    from idolguard.pipeline.cluster import ClusterError

    try:
        yield from records
    except ClusterError as exc:
        fail(str(exc), EXIT_SYSTEM)


def console_for_stdout() -> Console:
    """Where scan lines go: stdout (a function so that tests can give a terminal instead)."""
    return console()
