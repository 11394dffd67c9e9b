"""``idolguard sources`` and ``idolguard watch``: where IdolGuard looks, continuously."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import time
from datetime import datetime
from types import FrameType
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from idolguard.clock import utc_iso, utcnow
from idolguard.domain.monitoring import MonitorError, RunReport, SourceView
from idolguard.interfaces.cli.context import console, fail, state, styled
from idolguard.interfaces.cli.notices import print_watch_result
from idolguard.interfaces.cli.scan import ClusterOpt, ClusterWorkersOpt, use_cluster
from idolguard.sources.connectors.base import SourceError
from idolguard.sources.connectors.registry import connectors
from idolguard.sources.polite import CredentialsError

sources_app = typer.Typer(
    help="Sources IdolGuard monitors: folders, URL lists, feeds, pages, listings, chat exports."
)

NameArg = Annotated[str, typer.Argument(help="The source's name, e.g. fan-forum.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 60}


def parse_every(text: str) -> int:
    """``30m``, ``2h``, ``1d``, ``90s``; a bare number is minutes."""
    match = _DURATION.match(text)
    if not match:
        fail(f"--every takes a duration such as 15m, 2h or 1d, not {text!r}")
    return int(float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _view_json(view: SourceView) -> dict[str, Any]:
    data = dict(view.__dict__)
    for key in ("created_at", "next_run_at", "last_run_at", "last_success_at"):
        data[key] = utc_iso(data[key]) if data[key] else None
    return data


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


@sources_app.command("kinds")
def kinds() -> None:
    """List the kinds of source and the options each takes."""
    for kind, cls in sorted(connectors().items()):
        print(f"{kind}: {cls.description}")
        for option in cls.options:
            need = "required" if option.required else f"default {option.default!r}"
            print(f"    {option.name} ({option.kind.__name__}, {need}): {option.help}")


@sources_app.command("add")
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="Kind of source (see `idolguard sources kinds`).")],
    name: NameArg,
    url: Annotated[
        str | None, typer.Option(help="The source's URL (feeds, pages, listings).")
    ] = None,
    path: Annotated[
        str | None, typer.Option(help="The source's local path (folders, exports, URL lists).")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="Any other option as KEY=VALUE (repeatable)."),
    ] = None,
    every: Annotated[
        str | None, typer.Option(help="How often to look: 15m, 2h, 1d (default [monitor]).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a source; `idolguard watch` starts looking at it right away."""
    options: dict[str, Any] = {}
    for pair in option or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--option takes KEY=VALUE, not {pair!r}")
        options[key.strip()] = value
    if url is not None:
        options["url"] = url
    if path is not None:
        options["path"] = path
    app = state(ctx).app()
    try:
        view = app.monitor.add(
            kind,
            name,
            options,
            actor=app.settings.operator,
            every_seconds=parse_every(every) if every else None,
        )
    except (MonitorError, SourceError) as exc:
        fail(str(exc))
    if as_json:
        _print_json(_view_json(view))
        return
    print(f"source {view.name} ({view.kind}) added; checked every {_every(view.every_seconds)}")


@sources_app.command("list")
def list_sources(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List sources with their schedule and health."""
    views = state(ctx).app().monitor.sources()
    if as_json:
        _print_json([_view_json(v) for v in views])
        return
    if not views:
        print("no sources yet: add one with `idolguard sources add KIND NAME --url/--path ...`")
        return
    now = utcnow()
    table = Table(title="Monitored sources")
    for column in ("Name", "Kind", "Every", "Next run", "Last success", "Seen", "Failed", "Status"):
        table.add_column(column)
    for v in views:
        status: str | Text = "paused" if not v.enabled else "ok"
        if v.last_error:
            status = styled(f"failing x{v.failures}: {v.last_error[:60]}", "red")
        elif v.enabled and v.next_run_at and v.next_run_at <= now:
            status = "due"
        table.add_row(
            v.name,
            v.kind,
            _every(v.every_seconds),
            _when(v.next_run_at),
            _when(v.last_success_at),
            str(v.entries.get("done", 0)),
            str(v.entries.get("failed", 0)),
            status,
        )
    console().print(table)


@sources_app.command("show")
def show(
    ctx: typer.Context,
    name: NameArg,
    limit: Annotated[int, typer.Option(min=1, help="Recent sightings to list.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Show a source: options, cursor, recent sightings and failed entries."""
    monitor = state(ctx).app().monitor
    try:
        view = monitor.get(name)
        sightings = monitor.sightings(name, limit=limit)
        failed = monitor.entries(name, state="failed", limit=limit)
    except MonitorError as exc:
        fail(str(exc))
    if as_json:
        data = _view_json(view)
        data["sightings"] = sightings
        data["failed_entries"] = [
            {
                **e.__dict__,
                "first_seen_at": utc_iso(e.first_seen_at),
                "last_seen_at": utc_iso(e.last_seen_at),
            }
            for e in failed
        ]
        _print_json(data)
        return
    print(
        f"{view.name} ({view.kind}), every {_every(view.every_seconds)}"
        + ("" if view.enabled else ", paused")
    )
    print(f"  options: {json.dumps(view.options, ensure_ascii=False)}")
    print(
        f"  runs: {view.runs}, last success {_when(view.last_success_at)}, "
        f"next run {_when(view.next_run_at)}"
    )
    print(f"  entries: {json.dumps(view.entries)}; sightings: {view.sightings}")
    if view.last_error:
        print(f"  last error ({view.failures} in a row): {view.last_error}")
    for s in sightings:
        details = s["details"]
        who = details.get("uploader") or "?"
        caption = (details.get("caption") or details.get("title") or "")[:60]
        print(f"  {s['seen_at']}  {s['location']}  by {who}  {caption}")
        print(f"      {_outcome(s)}")
    for e in failed:
        print(f"  failed x{e.attempts}: {e.media_url or e.key}: {e.error}")


def _outcome(sighting: dict[str, Any]) -> str:
    """Who was recognised, the risk, and the item opened: what staff act on."""
    if sighting["error"]:
        return f"not analysed: {sighting['error']}"
    artists = ", ".join(sighting["artists"]) or "no enrolled artist"
    risk = sighting["risk"]
    parts = [f"recognised: {artists}", "risk —" if risk is None else f"risk {risk:.2f}"]
    item = sighting["item"]
    if item is None:
        parts.append("no item opened")
    else:
        who = f", artist {item['artist']}" if item["artist"] else ""
        parts.append(f"item {item['id']} ({item['state']}{who})")
    return "; ".join(parts)


@sources_app.command("remove")
def remove(
    ctx: typer.Context,
    name: NameArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a source and its seen-list; the sightings it recorded are kept as evidence."""
    app = state(ctx).app()
    if not yes and not typer.confirm(f"Remove source {name} and forget what it has seen?"):
        raise typer.Exit(1)
    try:
        app.monitor.remove(name, actor=app.settings.operator)
    except MonitorError as exc:
        fail(str(exc))
    print(f"source {name} removed")


@sources_app.command("pause")
def pause(ctx: typer.Context, name: NameArg) -> None:
    """Stop running a source on its schedule (it keeps its cursor)."""
    _set_enabled(ctx, name, False)


@sources_app.command("resume")
def resume(ctx: typer.Context, name: NameArg) -> None:
    """Run a paused source on its schedule again."""
    _set_enabled(ctx, name, True)


def _set_enabled(ctx: typer.Context, name: str, enabled: bool) -> None:
    app = state(ctx).app()
    try:
        view = app.monitor.set_enabled(name, enabled, actor=app.settings.operator)
    except MonitorError as exc:
        fail(str(exc))
    print(f"source {view.name} {'resumed' if enabled else 'paused'}")


@sources_app.command("run")
def run(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
    """Run one source now, whatever its schedule."""
    app = state(ctx).app()
    stopper = _Stopper()
    try:
        with stopper:
            report = app.monitor.run(
                name,
                actor=app.settings.operator,
                stop=stopper,
                progress=None if as_json else _progress,
            )
    except (MonitorError, CredentialsError) as exc:
        fail(str(exc))
    _report(report, as_json)
    if report.error:
        raise typer.Exit(1)


def watch(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Run the sources that are due, then exit.")
    ] = False,
    urls: Annotated[
        bool,
        typer.Option("--urls/--no-urls", help="Also re-check reported URLs (like watch-urls)."),
    ] = True,
    max_sleep: Annotated[
        float, typer.Option(min=1, help="Longest pause between looks at the schedule, seconds.")
    ] = 60,
    as_json: JsonOpt = False,
    cluster: ClusterOpt = None,
    cluster_workers: ClusterWorkersOpt = 0,
) -> None:
    """Monitor sources continuously: run each one when due (new media is scanned and triaged) and
    re-check reported URLs; Ctrl-C stops.

    Each monitored source is fetched on its own schedule and what it finds is scanned
    and triaged for review; after each round the URL re-checks of ``watch-urls`` run
    too (``--no-urls`` leaves them out). A later ``watch`` resumes where this one stopped.
    """
    app = state(ctx).app()
    if cluster:
        # New media found by the sources is analysed on the cluster; the sources stay
        # leased, so several watchers (on several hosts) never poll one source twice.
        use_cluster(app, cluster, cluster_workers)
    stopper = _Stopper()
    with stopper:
        try:
            while not stopper():
                for report in app.monitor.run_due(
                    actor=app.settings.operator,
                    stop=stopper,
                    progress=None if as_json else _progress,
                ):
                    _report(report, as_json)
                if urls and not stopper():
                    app.watcher.run_once(progress=lambda r: print_watch_result(r, as_json))
                if once:
                    break
                _sleep_until_due(app.monitor.next_due_at(), max_sleep, stopper)
        except CredentialsError as exc:
            fail(str(exc))
    if stopper():
        print("stopped; the next `idolguard watch` carries on where this one left off")


def _sleep_until_due(next_due: datetime | None, max_sleep: float, stopper: _Stopper) -> None:
    wait = max_sleep
    if next_due is not None:
        wait = min(max_sleep, max(1.0, (next_due - utcnow()).total_seconds()))
    end = time.monotonic() + wait
    while not stopper() and time.monotonic() < end:
        time.sleep(max(0.0, min(0.5, end - time.monotonic())))


def _progress(done: int, total: int, what: str) -> None:
    console(stderr=True).print(f"  [{done}/{total}] {what}", highlight=False)


def _report(report: RunReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False), flush=True)
        return
    if report.error:
        print(f"{report.source}: failed: {report.error}; next try {_when(report.next_run_at)}")
        return
    print(
        f"{report.source}: listed {report.listed}, new {report.new}, "
        f"processed {report.processed}, failed {report.failed}, "
        f"items opened {len(report.opened)} ({report.requests} requests, "
        f"{report.retries} retries, {report.robots_refusals} refused by robots.txt)"
        + (" — stopped early" if report.stopped else ""),
        flush=True,
    )
    for line in report.warnings[:10] + report.errors[:10]:
        print(f"  {line}")


class _Stopper:
    """True once SIGINT/SIGTERM arrived: the current entry finishes, then the run stops."""

    def __init__(self) -> None:
        self.stopped = False
        self._previous: dict[int, Any] = {}

    def __call__(self) -> bool:
        return self.stopped

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.stopped:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.stopped = True
        console(stderr=True).print("stopping after the current entry (Ctrl-C again to force)")

    def __enter__(self) -> _Stopper:
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Outside the main thread (tests) there is no signal handling.
            with contextlib.suppress(ValueError):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
