"""``idolguard exchange``: share confirmed hashes with platforms (HMA, pytx) and agencies.

Publishing is explicit (``publish``), withdrawal propagates as a deletion
(``withdraw``), partners read with a bank-scoped token (``token``), and
another agency's published bank is pulled into an origin-marked bank of this
one (``subscribe``, then ``pull`` on a schedule). Use ``--tenant`` to act for
one agency of a multi-agency installation.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from idolguard.domain.banks import BankError
from idolguard.domain.cases import CaseError
from idolguard.domain.exchange import ExchangeError
from idolguard.interfaces.cli.context import fail, state

exchange_app = typer.Typer(
    help="Hash exchange: publish banks for HMA/pytx and agencies, subscribe to theirs."
)

BankArg = Annotated[str, typer.Argument(help="Bank name.")]


@exchange_app.command("publish")
def publish(
    ctx: typer.Context,
    bank: BankArg,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", help="Label partners see (repeat): e.g. deepfake, ncii."),
    ] = None,
) -> None:
    """Share the bank's current hashes (run again to share later additions)."""
    cli = state(ctx)
    try:
        result = cli.app().exchange.publish(bank, tag or [], actor=cli.settings().operator)
    except ExchangeError as exc:
        fail(str(exc))
    cli.console.print(
        f"published {bank!r}: {result.added} shared, {result.updated} re-labelled,"
        f" {result.withdrawn} withdrawn (checkpoint {result.seq})",
        highlight=False,
    )


@exchange_app.command("publish-case")
def publish_case(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(help="Case number, e.g. IG-2026-0001.")],
    into: Annotated[str, typer.Option(help="Bank to share it through (created if needed).")],
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="Label partners see (repeat).")
    ] = None,
) -> None:
    """Share one case: its confirmed items' hashes, through a bank of your choosing."""
    cli = state(ctx)
    try:
        shared = cli.app().share_case(
            case, into=into, tags=tag or [], actor=cli.settings().operator
        )
    except (ExchangeError, CaseError, BankError) as exc:
        fail(str(exc))
    missing = f"; no banked hashes for item(s) {shared.missing}" if shared.missing else ""
    cli.console.print(
        f"shared {shared.items} item(s) of {case} through {into!r}:"
        f" {shared.result.added} hash(es) newly shared{missing}",
        highlight=False,
    )


@exchange_app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    bank: BankArg,
    content_id: Annotated[
        str | None, typer.Option(help="Withdraw one content item only (default: the whole bank).")
    ] = None,
) -> None:
    """Stop sharing; partners delete the hashes on their next fetch."""
    cli = state(ctx)
    try:
        result = cli.app().exchange.withdraw(
            bank, content_id=content_id, actor=cli.settings().operator
        )
    except ExchangeError as exc:
        fail(str(exc))
    cli.console.print(f"withdrew {result.withdrawn} hash(es) from {bank!r}", highlight=False)


@exchange_app.command("token")
def token(
    ctx: typer.Context,
    bank: BankArg,
    name: Annotated[str, typer.Option(help="Who holds it, e.g. the platform's name.")],
    scope: Annotated[str, typer.Option(help="read, or publish (also reads).")] = "read",
) -> None:
    """Issue a feed token for one bank; it is printed once, on stdout."""
    cli = state(ctx)
    try:
        issued = cli.app().exchange_tokens.issue(bank, scope, name, actor=cli.settings().operator)
    except ExchangeError as exc:
        fail(str(exc))
    cli.console.print(f"token #{issued.id} ({issued.scope}) for {bank!r}:", highlight=False)
    typer.echo(issued.token)


@exchange_app.command("revoke")
def revoke(ctx: typer.Context, token_id: Annotated[int, typer.Argument(help="Token id.")]) -> None:
    """Revoke a feed token."""
    cli = state(ctx)
    try:
        cli.app().exchange_tokens.revoke(token_id, actor=cli.settings().operator)
    except ExchangeError as exc:
        fail(str(exc))
    cli.console.print(f"revoked token #{token_id}")


@exchange_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Published banks, subscriptions and feed tokens."""
    app = state(ctx).app()
    published = [p.to_json() for p in app.exchange.publications()]
    subscribed = app.subscriptions.subscriptions()
    tokens = app.exchange_tokens.list()
    if as_json:
        typer.echo(json.dumps({"published": published, "subscribed": subscribed, "tokens": tokens}))
        return
    table = Table("bank", "labels", "shared", "state", title="published")
    for p in published:
        state_ = "withdrawn" if p["withdrawn"] else "published"
        table.add_row(p["bank"], ", ".join(p["tags"]), str(p["shared"]), state_)
    subs = Table("bank", "origin", "checkpoint", "last fetch", title="subscribed")
    for s in subscribed:
        subs.add_row(s["bank"], s["origin"], str(s["checkpoint"]), s["last_fetch_at"] or "-")
    toks = Table("id", "prefix", "bank", "scope", "name", "revoked", title="feed tokens")
    for t in tokens:
        toks.add_row(str(t["id"]), t["prefix"], t["bank"], t["scope"], t["name"], str(t["revoked"]))
    out = state(ctx).console
    for shown in (table, subs, toks):
        out.print(shown)


@exchange_app.command("subscribe")
def subscribe(
    ctx: typer.Context,
    url: Annotated[str, typer.Option(help="The publishing IdolGuard, e.g. https://ig.example")],
    agency: Annotated[str, typer.Option(help="The publishing agency's short name there.")],
    bank: Annotated[str, typer.Option(help="The bank it published.")],
    token_: Annotated[str, typer.Option("--token", help="The read token it gave you.")],
    into: Annotated[str, typer.Option(help="A new bank here that only their feed fills.")],
) -> None:
    """Subscribe to another agency's published bank (then run `pull`)."""
    cli = state(ctx)
    try:
        origin = cli.app().subscriptions.subscribe(
            url=url,
            agency=agency,
            remote_bank=bank,
            token=token_,
            local_bank=into,
            actor=cli.settings().operator,
        )
    except ExchangeError as exc:
        fail(str(exc))
    cli.console.print(f"subscribed {into!r} to {origin}", highlight=False)


@exchange_app.command("pull")
def pull(
    ctx: typer.Context,
    bank: Annotated[str | None, typer.Option(help="Only this subscribed bank.")] = None,
) -> None:
    """Fetch every subscription from its checkpoint: new hashes and withdrawals."""
    cli = state(ctx)
    try:
        for result in cli.app().subscriptions.pull(actor=cli.settings().operator, bank=bank):
            cli.console.print(
                f"{result.bank}: +{result.added} -{result.removed} from {result.origin}"
                f" (checkpoint {result.checkpoint})",
                highlight=False,
            )
    except (ExchangeError, BankError) as exc:
        fail(str(exc))
