"""``idolguard case``, ``verify``, ``audit``, ``evidence`` and ``retention``: the legal side."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from idolguard.domain.cases import CaseError
from idolguard.domain.roster import RosterError
from idolguard.evidence.bundle import verify_bundle
from idolguard.evidence.timestamp import TimestampError
from idolguard.interfaces.cli.context import EXIT_SYSTEM, console, fail, state

case_app = typer.Typer(help="Cases: the items of one incident, exported as evidence bundles.")
audit_app = typer.Typer(help="The chain-of-custody log: show it, verify it, anchor it.")
evidence_app = typer.Typer(help="Evidence store: timestamps, integrity, encryption key.")
retention_app = typer.Typer(help="Delete what the retention rules say has been kept long enough.")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
CaseArg = Annotated[str, typer.Argument(help="Case number (IG-2026-0001) or id.")]
RootsOpt = Annotated[
    Path | None,
    typer.Option("--tsa-roots", help="PEM root certificate(s) the TSA must chain to."),
]


@case_app.command("create")
def case_create(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What happened, in a line.")],
    artist: Annotated[
        str | None, typer.Option(help="Enrolled artist (name, alias or #id).")
    ] = None,
    description: Annotated[str | None, typer.Option(help="Longer description.")] = None,
) -> None:
    """Open a case."""
    cli = state(ctx)
    app = cli.app()
    try:
        artist_id = app.roster.get(artist).id if artist else None
        case = app.cases.create_case(
            title, actor=cli.settings().operator, artist_id=artist_id, description=description
        )
    except (CaseError, RosterError) as exc:
        fail(str(exc))
    print(f"case {case.number} opened")


@case_app.command("list")
def case_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Cases, most recently active first."""
    cases = state(ctx).app().cases.list_cases()
    if as_json:
        for case in cases:
            print(json.dumps(case.to_json(), ensure_ascii=False))
        return
    table = Table(title="Cases")
    for column in ("Case", "Status", "Artist", "Items", "Title"):
        table.add_column(column)
    for case in cases:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(case.item_counts.items())) or "—"
        table.add_row(case.number, case.status, case.artist or "—", counts, case.title)
    console().print(table)


@case_app.command("show")
def case_show(ctx: typer.Context, case: CaseArg, as_json: JsonOpt = False) -> None:
    """A case and its items."""
    app = state(ctx).app()
    try:
        view = app.cases.get_case(case)
        items = app.cases.list_items(case=view.number)
    except CaseError as exc:
        fail(str(exc))
    if as_json:
        print(
            json.dumps(
                {**view.to_json(), "item_list": [i.to_json() for i in items]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    print(f"{view.number}  {view.status}  {view.artist or '—'}  {view.title}")
    for item in items:
        print(f"  item {item.id}  {item.state:<12} risk {item.risk:.2f}  {item.location}")


@case_app.command("attach")
def case_attach(
    ctx: typer.Context,
    case: CaseArg,
    items: Annotated[list[int], typer.Argument(help="Item numbers.")],
    reason: Annotated[str | None, typer.Option("--reason", "-r")] = None,
) -> None:
    """File items in a case by hand."""
    cli = state(ctx)
    try:
        for item in items:
            cli.app().cases.attach(item, case, actor=cli.settings().operator, reason=reason)
    except CaseError as exc:
        fail(str(exc))
    print(f"{len(items)} item(s) filed in {case}")


@case_app.command("close")
def case_close(
    ctx: typer.Context, case: CaseArg, reason: Annotated[str, typer.Option("--reason", "-r")]
) -> None:
    """Close a case (new items stop joining it automatically)."""
    cli = state(ctx)
    try:
        view = cli.app().cases.set_case_status(
            case, "closed", actor=cli.settings().operator, reason=reason
        )
    except CaseError as exc:
        fail(str(exc))
    print(f"case {view.number} closed")


@case_app.command("export")
def case_export(
    ctx: typer.Context,
    case: CaseArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Bundle to write (.zip).")],
    as_json: JsonOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the file at --out if there is one.")
    ] = False,
) -> None:
    """Write the case's evidence bundle: originals, manifests, custody log, timestamps, report."""
    if out.exists() and not force:
        fail(f"{out} already exists; pass --force to replace it")
    cli = state(ctx)
    try:
        summary = (
            cli.app().exporter().export(case, out, actor=cli.settings().operator, overwrite=force)
        )
    except FileExistsError:  # created since the check above
        fail(f"{out} already exists; pass --force to replace it")
    except (CaseError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out}: {exc}", EXIT_SYSTEM)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    print(f"wrote {out}: {summary['items']} item(s), sha256 {summary['bundle_sha256']}")
    if summary["timestamp_error"]:
        print(f"warning: the bundle is not timestamped: {summary['timestamp_error']}")


def verify(
    ctx: typer.Context,
    bundle: Annotated[Path, typer.Argument(help="An evidence bundle (.zip).")],
    tsa_roots: RootsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check an evidence bundle offline and say exactly what, if anything, was altered."""
    if not bundle.is_file():
        fail(f"no such bundle: {bundle}")
    roots = tsa_roots.read_bytes() if tsa_roots else None
    result = verify_bundle(bundle, roots_pem=roots)
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        for check in result.checks:
            mark = "ok  " if check.ok else "FAIL"
            print(f"{mark}  {check.name}: {check.detail}")
        print("bundle intact" if result.ok else "bundle ALTERED or incomplete")
    raise typer.Exit(0 if result.ok else 1)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, tsa_roots: RootsOpt = None, as_json: JsonOpt = False) -> None:
    """Recompute the custody log's hash chain; name the first entry that does not verify."""
    app = state(ctx).app()
    roots = tsa_roots.read_bytes() if tsa_roots else app.tsa_roots()
    report = app.custody.verify(roots)
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    elif report.ok:
        print(
            f"custody log intact: {report.chain.entries} entries, head {report.chain.head}, "
            f"{report.anchors_checked} timestamped anchor(s) verified"
        )
    else:
        for problem in report.problems():
            print(f"BROKEN: {problem}")
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("log")
def audit_log(
    ctx: typer.Context,
    item: Annotated[int | None, typer.Option(help="Only this item's entries.")] = None,
    case: Annotated[int | None, typer.Option(help="Only this case id's entries.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Show custody entries, oldest first."""
    subjects = None
    if item is not None:
        subjects = {f"item:{item}"}
    elif case is not None:
        subjects = {f"case:{case}"}
    for entry in state(ctx).app().custody.entries(subjects=subjects, limit=limit):
        if as_json:
            print(json.dumps(entry.to_json(), ensure_ascii=False))
        else:
            details = json.dumps(entry.details, ensure_ascii=False)[:90]
            print(
                f"{entry.seq:>6}  {entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor:<24} "
                f"{entry.action:<10} {entry.subject:<12} {details}"
            )


@audit_app.command("anchor")
def audit_anchor(ctx: typer.Context) -> None:
    """Timestamp the log's head with the configured TSA (run it daily, e.g. from cron)."""
    cli = state(ctx)
    app = cli.app()
    client = app.timestamp_client()
    if client is None:
        fail("no time-stamping authority configured ([evidence] tsa_url or IDOLGUARD_TSA_URL)")
    try:
        anchor = app.custody.anchor(client, actor=cli.settings().operator)
    except (TimestampError, ValueError) as exc:
        fail(str(exc), EXIT_SYSTEM)
    when = f"{anchor.gen_time:%Y-%m-%d %H:%M:%S} UTC"
    print(f"anchored entry {anchor.seq} ({anchor.entry_hash[:16]}…) at {when}")


@evidence_app.command("timestamp")
def evidence_timestamp(ctx: typer.Context) -> None:
    """Obtain timestamps for manifests that have none yet (resumable)."""
    cli = state(ctx)
    app = cli.app()
    if app.timestamp_client() is None:
        fail("no time-stamping authority configured ([evidence] tsa_url or IDOLGUARD_TSA_URL)")
    done = app.evidence.stamp_pending(actor=cli.settings().operator)
    stamped = sum(1 for e in done if e.timestamp_token is not None)
    print(f"{stamped} of {len(done)} manifest(s) timestamped")
    for e in done:
        if e.timestamp_error:
            print(f"  evidence #{e.id}: {e.timestamp_error}")


@evidence_app.command("check")
def evidence_check(ctx: typer.Context) -> None:
    """Re-hash every stored original behind an item (detects tampering or a failing disk)."""
    problems = state(ctx).app().evidence.check_originals()
    for sha256, problem in problems:
        print(f"FAIL {sha256}: {problem}")
    print("all originals intact" if not problems else f"{len(problems)} problem(s)")
    raise typer.Exit(0 if not problems else 1)


@evidence_app.command("keygen")
def evidence_keygen(
    out: Annotated[Path, typer.Argument(help="Key file to create (mode 0600).")],
) -> None:
    """Create a key for encrypting originals at rest; point [evidence] encryption_key_file at it."""
    if out.exists():
        fail(f"{out} exists; refusing to overwrite a key (losing it loses the originals)")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    print(f"wrote {out}; back it up separately: without it, encrypted originals cannot be read")


@retention_app.command("apply")
def retention_apply(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Apply the [retention] rules; every deletion is logged."""
    cli = state(ctx)
    report = cli.app().retention.apply(actor=cli.settings().operator, dry_run=dry_run)
    if as_json:
        print(json.dumps(report.to_json()))
        return
    verb = "would delete" if dry_run else "deleted"
    print(
        f"{verb} {len(report.deleted_items)} item(s), {len(report.deleted_originals)} "
        f"original(s); {len(report.contacts_purged)} reporter contact(s) purged"
    )
