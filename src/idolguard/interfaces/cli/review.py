"""``idolguard review`` and ``idolguard item``: work the queue, decide, and bring content in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from idolguard.domain.cases import STATES, CaseError, ItemView
from idolguard.domain.fan_reports import ReportError, ReportView
from idolguard.domain.review.decisions import ReviewError
from idolguard.domain.review.intake import IntakeError
from idolguard.domain.roster import RosterError
from idolguard.interfaces.cli.context import console, fail, state
from idolguard.media import MediaError
from idolguard.sources.fetch import FetchError

review_app = typer.Typer(help="Work the review queue: worst first, previews blurred by default.")
item_app = typer.Typer(help="Items: content seen at a location, with its history and evidence.")

ItemArg = Annotated[int, typer.Argument(help="Item number.")]
ReasonOpt = Annotated[str, typer.Option("--reason", "-r", help="Why (recorded in the log).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
LINK_REPORT_KIND = "link report — awaiting capture"


def _queue_table(
    items: list[ItemView], title: str, reports: list[ReportView] | None = None
) -> None:
    """Items, and (in the review queue) link-only fan reports as their own kind."""
    table = Table(title=title)
    for column in ("Item", "Kind", "Risk", "State", "Artist", "Case", "Origin", "Location"):
        table.add_column(column)
    for report in reports or []:
        failed = (
            f" (last capture failed: {report.capture_error_code})" if report.capture_error else ""
        )
        table.add_row(
            report.number,
            LINK_REPORT_KIND + failed,
            "—",
            "awaiting capture",
            report.artist or "—",
            "—",
            "fan",
            (report.url or "")[-60:],
        )
    for item in items:
        table.add_row(
            str(item.id),
            "item",
            f"{item.risk:.2f}",
            item.state,
            item.artist or "—",
            item.case_number or "—",
            item.origin,
            item.location[-60:],
        )
    console().print(table)
    if reports:
        console(stderr=True).print(
            "capture a link report with: idolguard review capture R-XXXXXXXX"
        )


def _item_detail(ctx: typer.Context, item_id: int) -> dict[str, Any]:
    app = state(ctx).app()
    view = app.cases.get_item(item_id)
    return {
        **view.to_json(),
        "events": [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "from": e.from_state,
                "to": e.to_state,
                "reason": e.reason,
            }
            for e in app.cases.events(item_id)
        ],
        "evidence": [e.to_json() for e in app.evidence.for_item(item_id)],
    }


def _print_detail(detail: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(detail, ensure_ascii=False, indent=2))
        return
    print(
        f"item {detail['id']}  {detail['state']}  risk {detail['risk']:.2f}  "
        f"case {detail['case'] or '—'}  artist {detail['artist'] or '—'}"
    )
    print(f"  location: {detail['location']}")
    print(f"  sha256:   {detail['sha256']}")
    for event in detail["events"]:
        print(
            f"  {event['at']}  {event['actor']}: {event['from'] or '—'} → {event['to']}"
            f"  {event['reason'] or ''}"
        )
    for evidence in detail["evidence"]:
        stamped = (
            evidence["timestamped_at"]
            or f"not timestamped ({evidence['timestamp_error'] or 'no TSA configured'})"
        )
        print(
            f"  evidence #{evidence['id']} manifest {evidence['manifest_sha256'][:16]}…  {stamped}"
        )


# Fetching a URL from the agency's own network is refused unless asked for (both captures).
AllowPrivate = Annotated[
    bool,
    typer.Option("--allow-private", help="Allow intranet/loopback addresses (refused by default)."),
]


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Link-only fan reports waiting for capture, then items waiting for a decision, riskiest
    first. With --json, one object a line; each has "kind": "link_report" or "item"."""
    app = state(ctx).app()
    reports = app.reports.pending_urls()
    items = app.cases.queue(limit)
    if as_json:
        for report in reports:
            data = {"kind": "link_report", **report.to_json()}
            print(json.dumps(data, ensure_ascii=False))
        for item in items:
            print(json.dumps({"kind": "item", **item.to_json()}, ensure_ascii=False))
        return
    _queue_table(items, "Review queue", reports)


@review_app.command("capture")
def review_capture(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="The link report's number (R-XXXXXXXX).")],
    timeout: Annotated[float, typer.Option(min=1, help="Seconds per request.")] = 20.0,
    allow_private: AllowPrivate = False,
) -> None:
    """Capture a link-only fan report's URL: opens its item and links the report to it.

    A failure is kept on the report (shown in the queue) and can be retried.
    """
    cli = state(ctx)
    try:
        view = cli.app().reports.capture(
            number,
            actor=cli.settings().operator,
            allow_private_addresses=allow_private,
            timeout=timeout,
        )
    except ReportError as exc:
        hint = (
            " (use --allow-private for intranet sources)"
            if "blocked_address" in str(getattr(exc, "code", ""))
            else ""
        )
        fail(f"{exc}{hint}")
    print(f"report {view.number}: item {view.item_id} opened; the fan's status follows it")


@review_app.command("next")
def review_next(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Claim the riskiest unclaimed item (or your current one) and show it."""
    cli = state(ctx)
    item = cli.app().cases.claim_next(cli.settings().operator)
    if item is None:
        print("the review queue is empty")
        return
    _print_detail(_item_detail(ctx, item.id), as_json)


@review_app.command("show")
def review_show(
    ctx: typer.Context,
    item: ItemArg,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Write an unblurred preview (logged as a reveal).")
    ] = False,
) -> None:
    """Write the item's preview image (blurred and greyscale unless --reveal) and print its path."""
    cli = state(ctx)
    try:
        path = cli.app().review.preview(item, actor=cli.settings().operator, reveal=reveal)
    except (ReviewError, CaseError, MediaError, ValueError) as exc:
        fail(str(exc))
    print(path)


@review_app.command("confirm")
def review_confirm(
    ctx: typer.Context,
    item: ItemArg,
    reason: ReasonOpt,
    artist: Annotated[
        str | None, typer.Option(help="Attribute to this enrolled artist (name, alias or #id).")
    ] = None,
) -> None:
    """Confirm an item as harmful: bank its hashes, file it in a case, re-match old content."""
    cli = state(ctx)
    app = cli.app()
    try:
        artist_id = app.roster.get(artist).id if artist else None
        view = app.review.confirm(
            item, actor=cli.settings().operator, reason=reason, artist_id=artist_id
        )
    except (ReviewError, CaseError, RosterError) as exc:
        fail(str(exc))
    print(f"item {view.id} confirmed; case {view.case_number}")
    for opened in app.retro.last_opened:
        print(f"  re-match: item {opened.item_id} opened (seen before)")


@review_app.command("dismiss")
def review_dismiss(
    ctx: typer.Context,
    item: ItemArg,
    reason: ReasonOpt,
    allow_list: Annotated[
        bool, typer.Option("--allow-list", help="Benign source photo: add it to the allow-list.")
    ] = False,
) -> None:
    """Dismiss an item as not harmful."""
    cli = state(ctx)
    try:
        view = cli.app().review.dismiss(
            item, actor=cli.settings().operator, reason=reason, allow_list=allow_list
        )
    except (ReviewError, CaseError) as exc:
        fail(str(exc))
    print(f"item {view.id} dismissed" + (" and allow-listed" if allow_list else ""))


@item_app.command("list")
def item_list(
    ctx: typer.Context,
    state_filter: Annotated[
        list[str] | None, typer.Option("--state", help=f"Only these: {', '.join(STATES)}.")
    ] = None,
    case: Annotated[str | None, typer.Option(help="Only this case.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """All items (any state), riskiest first."""
    try:
        items = state(ctx).app().cases.list_items(states=state_filter, case=case)
    except CaseError as exc:
        fail(str(exc))
    if as_json:
        for item in items:
            print(json.dumps(item.to_json(), ensure_ascii=False))
        return
    _queue_table(items, "Items")


@item_app.command("show")
def item_show(ctx: typer.Context, item: ItemArg, as_json: JsonOpt = False) -> None:
    """An item's details, history and evidence."""
    try:
        detail = _item_detail(ctx, item)
    except CaseError as exc:
        fail(str(exc))
    _print_detail(detail, as_json)


@item_app.command("mark")
def item_mark(
    ctx: typer.Context,
    item: ItemArg,
    new_state: Annotated[str, typer.Argument(help="notice_sent, removed, reappeared, ...")],
    reason: ReasonOpt,
) -> None:
    """Move an item along its lifecycle (e.g. removed once the platform took it down)."""
    cli = state(ctx)
    try:
        view = cli.app().cases.transition(
            item, new_state, actor=cli.settings().operator, reason=reason
        )
    except CaseError as exc:
        fail(str(exc))
    print(f"item {view.id} is now {view.state}")


@item_app.command("add")
def item_add(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The media file.")],
    url: Annotated[str | None, typer.Option(help="Where it was seen online.")] = None,
    final_url: Annotated[str | None, typer.Option(help="URL after redirects.")] = None,
    platform: Annotated[str | None, typer.Option(help="Platform (default: from the URL).")] = None,
    uploader: Annotated[str | None, typer.Option(help="Uploader handle or id.")] = None,
    title: Annotated[str | None, typer.Option(help="Page title.")] = None,
    case: Annotated[str | None, typer.Option(help="File it in this case.")] = None,
    reporter: Annotated[str, typer.Option(help="staff or fan.")] = "staff",
    contact: Annotated[
        str | None, typer.Option(help="Reporter's contact (kept minimal; purged by retention).")
    ] = None,
) -> None:
    """Bring in a file by hand, with where it was seen; it is analysed and opened as an item."""
    from idolguard.platforms import platform_for

    cli = state(ctx)
    source = {
        "url": url,
        "final_url": final_url or url,
        "platform": platform or (platform_for(url) if url else None),
        "uploader": uploader,
        "page_title": title,
    }
    try:
        opened = cli.app().intake.add_file(
            path,
            actor=cli.settings().operator,
            source={k: v for k, v in source.items() if v is not None} or None,
            case=case,
            reporter=reporter,
            reporter_contact=contact,
        )
    except (IntakeError, CaseError, MediaError, OSError) as exc:
        fail(str(exc))
    verb = "opened" if opened.created else "updated"
    print(f"item {opened.item_id} {verb}; evidence #{opened.evidence_id}")


def capture(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="A page showing the media, or the media itself.")],
    case: Annotated[str | None, typer.Option(help="File it in this case.")] = None,
    uploader: Annotated[str | None, typer.Option(help="Uploader, if the page hides it.")] = None,
    platform: Annotated[str | None, typer.Option(help="Platform override.")] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds per request.")] = 20.0,
    allow_private: AllowPrivate = False,
) -> None:
    """Capture a URL as evidence: page and media, redirects, final URL, title, uploader."""
    cli = state(ctx)
    try:
        opened = cli.app().intake.add_url(
            url,
            actor=cli.settings().operator,
            case=case,
            overrides={"uploader": uploader, "platform": platform},
            timeout=timeout,
            allow_private_addresses=allow_private,
        )
    except FetchError as exc:
        hint = (
            " (use --allow-private for intranet sources)" if exc.code == "blocked_address" else ""
        )
        fail(f"could not capture {url}: {exc}{hint}")
    except (IntakeError, CaseError, MediaError) as exc:
        fail(str(exc))
    verb = "opened" if opened.created else "updated"
    print(f"item {opened.item_id} {verb}; evidence #{opened.evidence_id}")
