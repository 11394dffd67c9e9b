"""``idolguard --tenant <agency> portal``: the agency's own words on its public portal pages.

The same blocks an admin edits at ``/portal`` in the web app: a statement, a
contact and the artists the agency looks after, in Korean and English. The
HTML is sanitised to the portal's allow-list before it is stored (the command
prints what was kept), and every change goes into the agency's custody chain
under the operator's name.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from idolguard.app import IdolGuard
from idolguard.domain.fan_reports.portal_content import BLOCKS, LANGUAGES, MAX_HTML, PortalError
from idolguard.interfaces.cli.context import console, fail, note, state

portal_app = typer.Typer(
    help="An agency's statement, contact and artist list on its public report and guide pages."
)

BlockArg = Annotated[str, typer.Argument(help=f"Which block: {', '.join(BLOCKS)}.")]
LangOpt = Annotated[
    str, typer.Option("--lang", "-l", help=f"Language of the text: {', '.join(LANGUAGES)}.")
]


def _agency_app(ctx: typer.Context) -> IdolGuard:
    """Portal text belongs to one agency: ``--tenant`` is required."""
    cli = state(ctx)
    if cli.tenant is None:
        fail("portal text belongs to an agency: use `idolguard --tenant <agency> portal ...`")
    return cli.app()


@portal_app.command("show")
def show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """List the agency's blocks as stored (already sanitised)."""
    blocks = _agency_app(ctx).portal.blocks()
    if as_json:
        print(json.dumps({"blocks": [b.to_json() for b in blocks]}, ensure_ascii=False))
        return
    if not blocks:
        print("no portal text yet; add some with `portal set`")
        return
    table = Table("block", "lang", "html", "changed", "by")
    for block in blocks:
        table.add_row(
            block.key,
            block.language,
            block.html,
            block.updated_at.strftime("%Y-%m-%d %H:%M"),
            block.updated_by,
        )
    console().print(table)


@portal_app.command("set")
def set_block(
    ctx: typer.Context,
    block: BlockArg,
    lang: LangOpt,
    html: Annotated[
        str | None, typer.Option("--html", help="The text (simple HTML) on the command line.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Read the text from this file ('-' for stdin)."),
    ] = None,
) -> None:
    """Set one block; scripts, styles, event handlers and unsafe links are removed."""
    if (html is None) == (file is None):
        fail("give the text with exactly one of --html or --file")
    if file is not None:
        try:
            text = sys.stdin.read(MAX_HTML + 1) if str(file) == "-" else file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read {file}: {exc}")
    else:
        assert html is not None
        text = html
    app = _agency_app(ctx)
    try:
        stored = app.portal.set_block(block, lang, text, actor=app.settings.operator)
    except PortalError as exc:
        fail(str(exc))
    if stored.html != text.strip():
        note("note:", "parts not on the allow-list were removed")
    print(stored.html)


@portal_app.command("clear")
def clear(ctx: typer.Context, block: BlockArg, lang: LangOpt) -> None:
    """Remove one block from the agency's pages."""
    app = _agency_app(ctx)
    try:
        cleared = app.portal.clear_block(block, lang, actor=app.settings.operator)
    except PortalError as exc:
        fail(str(exc))
    print(f"cleared {block} ({lang})" if cleared else f"there was no {block} ({lang})")
