"""``idolguard notice`` and ``idolguard watch-urls``: takedown notices from draft to removal."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from idolguard.clock import parse_utc_iso, utc_iso, utcnow
from idolguard.domain.takedowns import STATUSES, NoticeError
from idolguard.domain.takedowns.senders import SenderSettingsError
from idolguard.domain.takedowns.views import NoticeView, format_duration
from idolguard.domain.takedowns.watch import WatchResult
from idolguard.interfaces.cli.context import console, fail, state, styled
from idolguard.notices.directory import DirectoryError
from idolguard.notices.regimes import CATEGORIES, REGIME_KEYS, REGIMES

notice_app = typer.Typer(
    help="Takedown notices: draft per legal regime, send, track deadlines and removals."
)

NumberArg = Annotated[str, typer.Argument(help="Notice number, e.g. IG-2026-0001-N01.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _table(notices: list[NoticeView], title: str) -> None:
    now = utcnow()
    table = Table(title=title)
    for column in ("Notice", "Regime", "Platform", "Status", "URLs", "Sent", "Due", "To"):
        table.add_column(column)
    for view in notices:
        due: str | Text = _when(view.due_at)
        if view.overdue(now):
            due = styled(f"{due} OVERDUE", "bold red")
        table.add_row(
            view.number + (" (auto)" if view.auto else ""),
            view.regime,
            view.platform,
            view.status,
            str(len(view.items)),
            _when(view.sent_at),
            due,
            view.recipient[-40:] if view.recipient else "[bold yellow]NEEDS RECIPIENT[/]",
        )
    console().print(table)


def _parse_fields(pairs: list[str] | None, option: str = "--field") -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"{option} takes KEY=VALUE, not {pair!r}")
        fields[key.strip()] = value
    return fields


def _parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_utc_iso(value)
    except ValueError:
        fail(f"{option} takes a UTC time such as 2026-11-25T09:30:00Z, not {value!r}")


@notice_app.command("regimes")
def notice_regimes(as_json: JsonOpt = False) -> None:
    """The legal regimes, what each requires, and when each one fits."""
    if as_json:
        _print_json(
            [
                {
                    "key": r.key,
                    "name": {"en": r.name_en, "ko": r.name_ko},
                    "law": r.law,
                    "use_when": {"en": r.use_when_en, "ko": r.use_when_ko},
                    "required_fields": [
                        {"key": f.key, "label_en": f.label_en, "label_ko": f.label_ko}
                        for f in r.fields()
                    ],
                    "intimate_only": r.intimate_only,
                    "needs_copyright": r.needs_copyright,
                    "statutory_deadline_hours": r.statutory_deadline_hours,
                }
                for r in REGIMES.values()
            ]
        )
        return
    for regime in REGIMES.values():
        print(f"{regime.key}: {regime.name_en} / {regime.name_ko}")
        print(f"  law:      {regime.law}")
        print(f"  use when: {regime.use_when_en}")
        print(f"  requires: {', '.join(regime.required)}")
        if regime.victim_route_en:
            print(f"  victims:  {regime.victim_route_en}")
        print()


@notice_app.command("platforms")
def notice_platforms(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="Show one platform in full.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The platform directory: contacts, regimes, languages, expected response times."""
    try:
        directory = state(ctx).app().platform_directory()
        platforms = [directory.require(key)] if key else directory.platforms()
    except DirectoryError as exc:
        fail(str(exc))
    if as_json or key:
        _print_json(
            {"source": directory.source, "platforms": [p.to_json() for p in platforms]}
            if not key
            else platforms[0].to_json()
        )
        return
    table = Table(title=f"Platform directory ({directory.source})")
    for column in ("Key", "Name", "Kind", "Country", "Regimes", "Contacts", "Checked"):
        table.add_column(column)
    for platform in platforms:
        table.add_row(
            platform.key,
            platform.name,
            platform.kind,
            platform.country or "—",
            ", ".join(platform.regimes),
            str(len(platform.contacts)),
            platform.checked or "not verified",
        )
    console().print(table)


@notice_app.command("draft")
def notice_draft(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(help="Case number, e.g. IG-2026-0001.")],
    regime: Annotated[
        str | None,
        typer.Option(help=f"{', '.join(REGIME_KEYS)} (default: the best fit per platform)."),
    ] = None,
    platform: Annotated[str | None, typer.Option(help="Only items on this platform.")] = None,
    item: Annotated[
        list[int] | None, typer.Option("--item", help="Only these items (repeatable).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Recipient e-mail or web-form URL (overrides).")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(help=f"{' or '.join(CATEGORIES)} (default: from explicitness scores)."),
    ] = None,
    owns_copyright: Annotated[
        bool | None,
        typer.Option(
            "--owns-copyright/--no-owns-copyright",
            help="The agency owns the copyright of the source (needed for dmca).",
        ),
    ] = None,
    copyrighted_work: Annotated[
        str | None, typer.Option(help="The agency's work the content copies (dmca).")
    ] = None,
    explanation: Annotated[
        str | None, typer.Option(help="The reviewer's reasoning, added to the explanation.")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="KEY=VALUE to set a field by hand.")
    ] = None,
    language: Annotated[str | None, typer.Option(help="ko, en or ko+en.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft notices for a case's confirmed items: one per platform, every field checked."""
    cli = state(ctx)
    try:
        drafts = cli.app().notices.draft(
            case,
            actor=cli.settings().operator,
            regime=regime,
            platform=platform,
            item_ids=item or (),
            recipient=to,
            category=category,
            owns_copyright=owns_copyright,
            copyrighted_work=copyrighted_work,
            explanation=explanation,
            overrides=_parse_fields(field),
            language=language,
        )
    except NoticeError as exc:
        fail(str(exc))
    if as_json:
        _print_json([d.to_json() for d in drafts])
        return
    for view in drafts:
        print(
            f"{view.number} drafted: {REGIMES[view.regime].name_en} to {view.platform} "
            f"({view.channel}: {view.recipient}), {len(view.items)} URL(s)"
        )
    print("review with `idolguard notice show NUMBER`, then `idolguard notice send NUMBER`")


@notice_app.command("send")
def notice_send(
    ctx: typer.Context,
    number: NumberArg,
    as_json: JsonOpt = False,
    resend: Annotated[
        bool,
        typer.Option(
            "--resend",
            help="Send an 'unconfirmed' notice again (same Message-ID); the recipient may "
            "get it twice.",
        ),
    ] = False,
) -> None:
    """E-mail a drafted notice (PDF and JSON attached); the deadline clock starts."""
    cli = state(ctx)
    try:
        view = cli.app().notices.send(number, actor=cli.settings().operator, resend=resend)
    except NoticeError as exc:
        fail(str(exc))
    if as_json:
        _print_json(view.to_json(body=False))
        return
    print(f"{view.number} sent to {view.recipient} ({view.message_id}); due {_when(view.due_at)}")
    if view.last_error:
        print(f"  warning: {view.last_error}")


@notice_app.command("package")
def notice_package(
    ctx: typer.Context,
    number: NumberArg,
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")],
) -> None:
    """Write a notice as PDF, JSON and text, for a platform's web form or for filing."""
    cli = state(ctx)
    try:
        paths = cli.app().notices.package(number, out, actor=cli.settings().operator)
    except (NoticeError, OSError) as exc:
        fail(str(exc))
    for path in paths:
        print(path)


@notice_app.command("mark")
def notice_mark(
    ctx: typer.Context,
    number: NumberArg,
    status: Annotated[str, typer.Argument(help=", ".join(STATUSES))],
    note: Annotated[str | None, typer.Option(help="What the platform said.")] = None,
    reference: Annotated[str | None, typer.Option(help="The platform's ticket number.")] = None,
    at: Annotated[str | None, typer.Option(help="When (UTC ISO time; default now).")] = None,
    valid_at: Annotated[
        str | None,
        typer.Option(help="When the request became valid (moves the deadline; UTC ISO time)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an answer: acknowledged, removed, rejected, counter_noticed; or a web-form 'sent'."""
    cli = state(ctx)
    try:
        view = cli.app().notices.mark(
            number,
            status,
            actor=cli.settings().operator,
            note=note,
            reference=reference,
            at=_parse_time(at, "--at"),
            valid_at=_parse_time(valid_at, "--valid-at"),
        )
    except NoticeError as exc:
        fail(str(exc))
    if as_json:
        _print_json(view.to_json(body=False))
        return
    print(f"{view.number} is now {view.status}; due {_when(view.due_at)}")


@notice_app.command("list")
def notice_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    case: Annotated[str | None, typer.Option(help="Only this case.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only this platform.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue notices.")] = False,
    needs_recipient: Annotated[
        bool,
        typer.Option(
            "--needs-recipient", help="Only drafts waiting for a recipient (automatic follow-ups)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Notices, newest first; drafts without a recipient are marked NEEDS RECIPIENT."""
    try:
        notices = (
            state(ctx)
            .app()
            .notices.list_notices(
                status=status,
                case=case,
                overdue=overdue,
                platform=platform,
                needs_recipient=needs_recipient,
            )
        )
    except NoticeError as exc:
        fail(str(exc))
    if as_json:
        now = utcnow()
        for view in notices:
            print(json.dumps(view.to_json(now, body=False), ensure_ascii=False))
        return
    _table(notices, "Notices")
    waiting = [view.number for view in notices if view.needs_recipient]
    if waiting:
        print(
            f"{len(waiting)} draft(s) need a recipient: "
            f"idolguard notice recipient {waiting[0]} ADDRESS"
        )


@notice_app.command("sender")
def notice_sender(
    ctx: typer.Context,
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KEY=VALUE (repeatable; empty VALUE clears): "
            "name, title, organisation, email, phone, address, signature, requester_type, "
            "designation.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Who signs the agency's notices (per agency; the web app's /settings/sender).

    Fields not set for the agency fall back to idolguard.toml's notices table.
    """
    cli = state(ctx)
    senders = cli.app().senders
    try:
        if set_values:
            view = senders.update(_parse_fields(set_values, "--set"), actor=cli.settings().operator)
        else:
            view = senders.view()
    except SenderSettingsError as exc:
        fail(str(exc))
    if as_json:
        _print_json(view.to_json())
        return
    for key, field in view.to_json()["fields"].items():
        print(f"{key:15} {field['value'] or '—'}  ({field['source']})")


@notice_app.command("recipient")
def notice_recipient(
    ctx: typer.Context,
    number: NumberArg,
    address: Annotated[str, typer.Argument(help="E-mail address or web-form URL.")],
    as_json: JsonOpt = False,
) -> None:
    """Name the recipient of a draft, e.g. an automatic follow-up that needs one."""
    cli = state(ctx)
    try:
        view = cli.app().notices.set_recipient(number, address, actor=cli.settings().operator)
    except NoticeError as exc:
        fail(str(exc))
    if as_json:
        _print_json(view.to_json(body=False))
        return
    print(f"{view.number} goes to {view.recipient} ({view.channel})")


@notice_app.command("show")
def notice_show(ctx: typer.Context, number: NumberArg, as_json: JsonOpt = False) -> None:
    """A notice in full: its text, items, deadline and history."""
    try:
        view = state(ctx).app().notices.get(number)
    except NoticeError as exc:
        fail(str(exc))
    if as_json:
        _print_json(view.to_json())
        return
    overdue = " (OVERDUE)" if view.overdue(utcnow()) else ""
    print(f"{view.number}  {view.status}  {REGIMES[view.regime].name_en}")
    to = f"{view.channel}: {view.recipient}" if view.recipient else "NEEDS A RECIPIENT"
    print(f"  case {view.case_number}, platform {view.platform}, {to}")
    print(f"  sent {_when(view.sent_at)}, due {_when(view.due_at)}{overdue}")
    if view.follow_up_of:
        print(f"  follows {view.follow_up_of}")
    for item in view.items:
        removed = f"removed {_when(item.removed_at)}" if item.removed_at else item.item_state
        print(f"  item {item.item_id}: {item.url}  [{removed}]")
    for event in view.events:
        print(
            f"  {utc_iso(event.at)}  {event.actor}: {event.from_status or '—'} → {event.to_status}"
        )
    print()
    print(view.subject)
    print()
    print(view.body)


@notice_app.command("deadlines")
def notice_deadlines(
    ctx: typer.Context,
    within: Annotated[float, typer.Option(min=0, help="Also list notices due within hours.")] = 24,
    as_json: JsonOpt = False,
) -> None:
    """Overdue notices with where to escalate, and those due soon. Exits 1 when any is overdue."""
    app = state(ctx).app()
    try:
        overdue, soon = app.notices.deadlines(within_hours=within)
    except NoticeError as exc:
        fail(str(exc))
    now = utcnow()
    if as_json:
        _print_json(
            {
                "now": utc_iso(now),
                "overdue": [e.to_json(now) for e in overdue],
                "due_soon": [v.to_json(now, body=False) for v in soon],
            }
        )
    else:
        if not overdue and not soon:
            print("no notice is overdue or due soon")
        for escalation in overdue:
            view = escalation.notice
            print(
                f"OVERDUE {view.number} ({view.regime}, "
                f"{view.platform}): due {_when(view.due_at)}, "
                f"{format_duration(escalation.hours_overdue)} late"
            )
            for suggestion in escalation.suggestions_en:
                print(f"  → {suggestion}")
        for view in soon:
            print(f"due soon {view.number} ({view.regime}, {view.platform}): {_when(view.due_at)}")
    if overdue:
        raise typer.Exit(1)


@notice_app.command("stats")
def notice_stats(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Time to takedown per platform, from notices sent and removals seen."""
    stats = state(ctx).app().notices.stats()
    if as_json:
        _print_json([s.to_json() for s in stats])
        return

    table = Table(title="Time to takedown (from sending to removal)")
    for column in ("Platform", "Notices", "URLs", "Removed", "Open", "Overdue", "Median", "P90"):
        table.add_column(column)
    for s in stats:
        table.add_row(
            s.platform,
            str(s.notices_sent),
            str(s.urls_reported),
            str(s.urls_removed),
            str(s.open_notices),
            str(s.overdue_notices),
            format_duration(s.median_hours),
            format_duration(s.p90_hours),
        )
    console().print(table)


def print_watch_result(result: WatchResult, as_json: bool) -> None:
    """One URL check as it happens: a JSON line, or a line for people."""
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        return
    change = (
        f"{result.state_before} → {result.state_after}"
        if result.state_before != result.state_after
        else result.state_after
    )
    print(
        f"item {result.item_id}: {result.check.outcome.value} ({result.check.reason}) "
        f"[{change}] {result.check.url}",
        flush=True,
    )
    if result.check.outcome.value == "inconclusive":
        print(f"  {result.check.detail}", flush=True)  # why, and what would settle it
    for number in result.notices_closed:
        print(f"  notice {number} closed: every URL removed")
    for number in result.follow_ups:
        print(f"  content is back: follow-up notice {number} drafted for review")


def watch_urls(
    ctx: typer.Context,
    item: Annotated[
        list[int] | None, typer.Option("--item", help="Check these items now (repeatable).")
    ] = None,
    max_checks: Annotated[
        int | None, typer.Option("--max", min=1, help="At most this many checks per pass.")
    ] = None,
    loop: Annotated[bool, typer.Option("--loop", help="Keep checking, pass after pass.")] = False,
    interval: Annotated[
        float, typer.Option(min=1, help="Seconds between passes with --loop.")
    ] = 300,
    as_json: JsonOpt = False,
) -> None:
    """Re-check the web addresses of confirmed items (one pass, or --loop): record removals
    (time to takedown) and reappearances.

    Only URLs already known are checked; no source is monitored (that is ``watch``).
    A removal closes notices whose URLs are all gone; content that comes back drafts
    a follow-up notice for review.
    """
    app = state(ctx).app()

    def show(result: WatchResult) -> None:
        print_watch_result(result, as_json)

    try:
        while True:
            results = app.watcher.run_once(max_checks=max_checks, item_ids=item, progress=show)
            if not as_json and not results:
                print("no URL is due a check")
            if not loop:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        print("stopped; the next run carries on where this one left off")
    except (NoticeError, ValueError) as exc:
        fail(str(exc))
