"""``idolguard tenant``, ``user`` and ``token``: agencies, their people and their API tokens.

These act on the installation's control plane (its main database), whatever
``--tenant`` says; an agency's own data is reached with ``--tenant SLUG``.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from idolguard.clock import utc_iso
from idolguard.domain.accounts import ROLES, AccountError, AccountService, UserView
from idolguard.interfaces.cli.context import console, fail, state

tenant_app = typer.Typer(help="Agencies sharing this installation, each with its own data.")
user_app = typer.Typer(help="People who sign in to the web app, and their role in each agency.")
token_app = typer.Typer(help="API tokens (one user, one agency); shown once when created.")

EmailArg = Annotated[str, typer.Argument(help="The person's e-mail address (their sign-in).")]
TenantOpt = Annotated[str, typer.Option("--agency", help="The agency's slug.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _accounts(ctx: typer.Context) -> tuple[AccountService, str]:
    app = state(ctx).installation()
    return app.accounts, app.settings.operator


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _user_json(user: UserView) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "disabled": user.disabled,
        "roles": user.roles,
        "created_at": utc_iso(user.created_at),
        "last_login_at": utc_iso(user.last_login_at) if user.last_login_at else None,
    }


# ------------------------------------------------------------------ agencies
@tenant_app.command("add")
def tenant_add(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Short name: a-z, 0-9 and '-', e.g. stella-ent.")],
    name: Annotated[str, typer.Option(help="The agency's name as people know it.")],
    database_url: Annotated[
        str | None,
        typer.Option(help="Its own database (default: SQLite under $IDOLGUARD_HOME/tenants/)."),
    ] = None,
) -> None:
    """Add an agency; its data gets a database and evidence store of its own."""
    accounts, actor = _accounts(ctx)
    try:
        view = accounts.create_tenant(slug, name, actor=actor, database_url=database_url)
    except AccountError as exc:
        fail(str(exc))
    print(f"agency {view.slug} ({view.name}) added")


@tenant_app.command("list")
def tenant_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List agencies."""
    accounts, _ = _accounts(ctx)
    views = accounts.tenants()
    if as_json:
        _print_json(
            [
                {
                    "slug": v.slug,
                    "name": v.name,
                    "disabled": v.disabled,
                    "created_at": utc_iso(v.created_at),
                }
                for v in views
            ]
        )
        return
    for v in views:
        print(f"{v.slug}\t{v.name}" + ("\t(disabled)" if v.disabled else ""))


@tenant_app.command("disable")
def tenant_disable(ctx: typer.Context, slug: Annotated[str, typer.Argument()]) -> None:
    """Suspend an agency: nobody signs in to it and its tokens stop; its data stays."""
    _set_tenant(ctx, slug, True)


@tenant_app.command("enable")
def tenant_enable(ctx: typer.Context, slug: Annotated[str, typer.Argument()]) -> None:
    """Lift an agency's suspension."""
    _set_tenant(ctx, slug, False)


def _set_tenant(ctx: typer.Context, slug: str, disabled: bool) -> None:
    accounts, actor = _accounts(ctx)
    try:
        accounts.set_tenant_disabled(slug, disabled, actor=actor)
    except AccountError as exc:
        fail(str(exc))
    print(f"agency {slug} {'suspended' if disabled else 'enabled'}")


# ------------------------------------------------------------------ users
@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: EmailArg,
    name: Annotated[str, typer.Option(help="Display name.")],
    agency: Annotated[str | None, typer.Option(help="Give a role in this agency too.")] = None,
    role: Annotated[str, typer.Option(help=f"Role in --agency: {', '.join(ROLES)}.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a person (they sign in with their e-mail and this password)."""
    accounts, actor = _accounts(ctx)
    password = _read_password(password_stdin)
    try:
        accounts.add_user(email, password, display_name=name, actor=actor)
        if agency:
            accounts.grant(email, agency, role, actor=actor)
    except AccountError as exc:
        fail(str(exc))
    print(f"user {email.strip().lower()} added" + (f" as {role} of {agency}" if agency else ""))


@user_app.command("grant")
def user_grant(ctx: typer.Context, email: EmailArg, agency: TenantOpt, role: str) -> None:
    """Give a person a role in an agency (or change it)."""
    accounts, actor = _accounts(ctx)
    try:
        accounts.grant(email, agency, role, actor=actor)
    except AccountError as exc:
        fail(str(exc))
    print(f"{email} is {role} of {agency}")


@user_app.command("revoke")
def user_revoke(ctx: typer.Context, email: EmailArg, agency: TenantOpt) -> None:
    """Take a person out of an agency (their sessions and tokens there stop working)."""
    accounts, actor = _accounts(ctx)
    try:
        accounts.revoke(email, agency, actor=actor)
    except AccountError as exc:
        fail(str(exc))
    print(f"{email} no longer has a role in {agency}")


@user_app.command("disable")
def user_disable(ctx: typer.Context, email: EmailArg) -> None:
    """Stop a person signing in anywhere; their sessions end and tokens stop working."""
    accounts, actor = _accounts(ctx)
    try:
        accounts.disable_user(email, actor=actor)
    except AccountError as exc:
        fail(str(exc))
    print(f"{email} disabled")


@user_app.command("passwd")
def user_passwd(
    ctx: typer.Context,
    email: EmailArg,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a new password (the person's sessions end)."""
    accounts, actor = _accounts(ctx)
    try:
        accounts.set_password(email, _read_password(password_stdin), actor=actor)
    except AccountError as exc:
        fail(str(exc))
    print(f"password of {email} changed")


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option(help="Only people of this agency.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List people and their roles."""
    accounts, _ = _accounts(ctx)
    try:
        users = accounts.users(agency)
    except AccountError as exc:
        fail(str(exc))
    if as_json:
        _print_json([_user_json(u) for u in users])
        return
    table = Table(title="Users")
    for column in ("E-mail", "Name", "Roles", "Last sign-in", "Status"):
        table.add_column(column)
    for u in users:
        table.add_row(
            u.email,
            u.display_name,
            ", ".join(f"{t}: {r}" for t, r in sorted(u.roles.items())) or "—",
            utc_iso(u.last_login_at) if u.last_login_at else "—",
            "disabled" if u.disabled else "active",
        )
    console().print(table)


# ------------------------------------------------------------------ tokens
@token_app.command("create")
def token_create(
    ctx: typer.Context,
    email: EmailArg,
    agency: TenantOpt,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'ingest script'.")],
    days: Annotated[
        int | None, typer.Option(min=1, help="Expires after this many days (default never).")
    ] = None,
) -> None:
    """Create an API token; it is printed once and only its hash is kept."""
    accounts, actor = _accounts(ctx)
    try:
        issued = accounts.issue_token(
            email,
            agency,
            name,
            actor=actor,
            expires_in=timedelta(days=days) if days else None,
        )
    except AccountError as exc:
        fail(str(exc))
    console(stderr=True).print(
        f"token {issued.id} for {email} in {agency}; store it now, it is not shown again:"
    )
    print(issued.token)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option(help="Only this agency's tokens.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List tokens (prefixes only)."""
    accounts, _ = _accounts(ctx)
    try:
        tokens = accounts.tokens(agency)
    except AccountError as exc:
        fail(str(exc))
    rows = [
        {
            "id": t.id,
            "prefix": t.prefix,
            "name": t.name,
            "email": t.email,
            "agency": t.tenant_slug,
            "expires_at": utc_iso(t.expires_at) if t.expires_at else None,
            "last_used_at": utc_iso(t.last_used_at) if t.last_used_at else None,
            "revoked": t.revoked_at is not None,
        }
        for t in tokens
    ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        state_word = "revoked" if row["revoked"] else "active"
        print(
            f"{row['id']}\t{row['prefix']}…\t{row['email']}\t{row['agency']}\t{row['name']}"
            f"\t{state_word}"
        )


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(help="The token's id.")]
) -> None:
    """Revoke a token at once."""
    accounts, actor = _accounts(ctx)
    try:
        accounts.revoke_token(token_id, actor=actor)
    except AccountError as exc:
        fail(str(exc))
    print(f"token {token_id} revoked")
