"""``idolguard serve``: the web app (UI, fan report portal and REST API) under uvicorn."""

from __future__ import annotations

import asyncio
import gc
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from idolguard.interfaces.cli.context import console, note, state

if TYPE_CHECKING:
    import uvicorn

    from idolguard.config import Settings, WebSettings

# A client gets this long from its first byte to the end of its request headers (and an idle
# new connection this long to send one): a slow-loris client cannot hold a connection for ever.
# uvicorn's own timeout_keep_alive applies only between requests, never before the first.
HEADER_TIMEOUT_SECONDS = 15.0


def guarded_protocol(header_timeout: float = HEADER_TIMEOUT_SECONDS) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, closing connections whose request headers do not arrive in time."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def _waiting_for_headers(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout, self._expired)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expired(self) -> None:
            self._header_timer = None
            if self._waiting_for_headers() and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._waiting_for_headers():
                self._arm()
            super().data_received(data)
            if not self._waiting_for_headers():
                self._disarm()  # the headers are in: the request is being handled

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return GuardedH11Protocol


def server_config(
    app: Any, *, host: str, port: int, trust_forwarded_for: bool, **extra: Any
) -> uvicorn.Config:
    """How ``serve`` runs uvicorn: the guarded protocol, no server header, proxies if trusted."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=extra.pop("http", None) or guarded_protocol(),
        proxy_headers=trust_forwarded_for,
        forwarded_allow_ips="*" if trust_forwarded_for else None,
        log_level=extra.pop("log_level", "info"),
        server_header=False,
        **extra,
    )


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: [web] host, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: [web] port, 8000).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Web worker processes. Above 1, rate limits are counted in the database so "
            "that they hold across the processes (use PostgreSQL).",
        ),
    ] = 1,
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
    if workers > 1:
        serve_workers(installation.settings, web, workers)
        return
    config = server_config(
        create_app(installation, web),
        host=web.host,
        port=web.port,
        trust_forwarded_for=web.trust_forwarded_for,
    )
    # Everything loaded so far lives as long as the server: move it out of the collector's
    # sight, so full collections stop rescanning it while big answers (an exchange feed page
    # of 10,000 hashes) allocate (measured: 0.65 s -> 0.1 s per page).
    gc.freeze()
    uvicorn.Server(config).run()


def serve_workers(settings: Settings, web: WebSettings, workers: int) -> None:
    """``workers`` uvicorn processes sharing one socket, each building the app itself.

    Each process imports :mod:`idolguard.interfaces.web.asgi`, which reads the
    installation from the environment: this process's settings are handed over
    that way.
    """
    import os

    from uvicorn.supervisors import Multiprocess

    from idolguard.config import ENV_CONFIG, ENV_DATABASE_URL, ENV_HOME, ENV_OPERATOR

    os.environ[ENV_HOME] = str(settings.home)
    os.environ[ENV_DATABASE_URL] = settings.database_url
    os.environ[ENV_OPERATOR] = settings.operator
    if settings.config_file is not None:
        os.environ[ENV_CONFIG] = str(settings.config_file)
    config = server_config(
        "idolguard.interfaces.web.asgi:create",
        host=web.host,
        port=web.port,
        trust_forwarded_for=web.trust_forwarded_for,
        http="idolguard.interfaces.web.asgi:GuardedH11Protocol",
        factory=True,
        workers=workers,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
