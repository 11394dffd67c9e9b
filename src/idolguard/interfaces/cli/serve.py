"""``idolguard serve``: the web app (UI, fan report portal and REST API) under uvicorn."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from idolguard.interfaces.cli.context import console, note, state


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: [web] host, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: [web] port, 8000).")] = None,
) -> None:
    """Serve the web app. Agencies and people come from `idolguard tenant` and `idolguard user`."""
    import uvicorn

    from idolguard.interfaces.web import create_app

    installation = state(ctx).installation()
    web = installation.settings.web
    web = replace(web, host=host or web.host, port=port or web.port)
    installation.accounts.purge_expired_sessions()
    err = console(stderr=True)
    if not installation.accounts.tenants():
        note(
            "no agency yet:",
            "create one and a first admin, then sign in:\n"
            "  idolguard tenant add my-agency --name 'My Agency'\n"
            "  idolguard user add me@example.org --name 'Me' --agency my-agency --role admin",
        )
    err.print(f"IdolGuard web app on http://{web.host}:{web.port}/  (API docs: /api/docs)")
    uvicorn.run(
        create_app(installation, web),
        host=web.host,
        port=web.port,
        proxy_headers=web.trust_forwarded_for,
        forwarded_allow_ips="*" if web.trust_forwarded_for else None,
        log_level="info",
        server_header=False,
    )
