"""``idolguard demo``: the whole re-upload loop on bundled media, in a throw-away workspace."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from idolguard.demo import run_demo
from idolguard.interfaces.cli.context import console, state, styled
from idolguard.interfaces.cli.output import (
    RowPrinter,
    faces_json,
    record_to_json,
    write_json_line,
)


def demo(
    ctx: typer.Context,
    workdir: Annotated[
        Path | None, typer.Option(help="Where to build the demo (default: a new temp folder).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
) -> None:
    """Bank sample media, fabricate re-uploads and broken files, scan them, show the verdicts."""
    cli = state(ctx)
    target = workdir or Path(tempfile.mkdtemp(prefix="idolguard-demo-"))
    target.mkdir(parents=True, exist_ok=True)
    result = run_demo(target, cli.settings(), workers=cli.workers)
    if as_json:
        for record in result.records:
            write_json_line(record_to_json(record, cli.settings().heatmap_dir))
        return
    out = console()
    out.print("IdolGuard demo: re-upload detection", style="bold")
    rows = RowPrinter(out, root=result.workdir / "incoming")
    for record in sorted(result.records, key=lambda r: r.location):
        rows.print(record)
    right = 0
    for record in result.records:
        name = Path(record.location).name
        got = "error" if record.error else (record.results.get("bank_match") or {}).get("verdict")
        if got == result.expected.get(name):
            right += 1
        else:
            out.print(
                styled("unexpected:", "yellow"), f"{name}: {got} (expected {result.expected[name]})"
            )
    for record in result.records:
        faces = faces_json(record)
        named = [f["identity"] for f in faces if f["identity"]]
        if named:
            who = ", ".join(f"{i['name']} (score {i['score']:.2f})" for i in named)
            out.print(
                f"{Path(record.location).name}: recognised {who} among {len(faces)} faces; "
                "everyone else is unknown (Yao Ming was enrolled from one portrait)",
                highlight=False,
            )
    out.print(
        f"\n{right}/{len(result.records)} files got the expected verdict. "
        "The coffee photo is in both the confirmed bank and the allow-list, "
        "as a deepfake's benign source would be, so it is routed to a human instead of acted on.\n"
        f"Workspace: {result.workdir} (database, originals and media; delete it when done)",
        highlight=False,
    )
