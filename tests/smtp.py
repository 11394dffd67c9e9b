"""A real SMTP server on loopback, for tests.

Mail code is only worth something if it talks to a real SMTP peer, so the tests do not mock
``smtplib``: ``LoopbackSMTP`` runs an aiosmtpd server on 127.0.0.1 (a free port) in a thread
and records every message it accepts, with the DATA bytes exactly as received.

Options make it behave like the relays notices meet in practice:

* ``tls=True`` offers STARTTLS (and requires it before MAIL) with a certificate for
  ``localhost`` and 127.0.0.1, issued by a throwaway CA whose PEM is ``ca_file``;
* ``implicit_tls=True`` speaks TLS from the first byte (SMTPS, ``security = "ssl"``);
* ``require_auth=(user, password)`` demands AUTH PLAIN/LOGIN (over TLS when TLS is on);
* ``refuse=[...]`` answers RCPT for those addresses with 550;
* ``fail_data="451 ..."`` answers DATA with that reply instead of accepting the message.

Use it as a context manager, or through the ``smtp_server`` fixture (plain, no auth).
"""

from __future__ import annotations

import asyncio
import email
import ipaddress
import ssl
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from idolguard.config import SmtpSettings
from tests.tsa import make_ca, make_leaf_cert

HOST = "127.0.0.1"


@dataclass
class Received:
    """One message the server accepted."""

    envelope_from: str
    recipients: list[str]
    raw: bytes  # the DATA bytes as received (dot-unstuffed, final CRLF included)
    message: EmailMessage  # parsed with policy.default


def make_server_cert(
    ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A TLS server certificate for ``localhost`` and 127.0.0.1, issued by ``ca_cert``."""
    return make_leaf_cert(
        ca_cert,
        ca_key,
        common_name="localhost",
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        usage_critical=False,
        names=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))],
    )


class _Handler:
    """aiosmtpd hooks: refuse some recipients, fail DATA on demand, record the rest."""

    def __init__(self, owner: LoopbackSMTP) -> None:
        self.owner = owner

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() in self.owner.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.owner.fail_data is not None:
            return self.owner.fail_data
        if self.owner.stall_data:  # took the message, then says nothing (the client times out)
            await asyncio.sleep(self.owner.stall_data)
        if self.owner.drop_data:  # took the message, then drops the connection unanswered
            self.owner.dropped += 1
            assert server.transport is not None
            server.transport.abort()
            return "250 OK: never seen by the client"
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.owner._record(
            Received(
                envelope_from=envelope.mail_from or "",
                recipients=list(envelope.rcpt_tos),
                raw=raw,
                message=message,
            )
        )
        return "250 OK: queued"


class _Controller(Controller):
    """A Controller that can listen on port 0 and counts client connections."""

    def __init__(self, handler: Any, *, on_connect: Any, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._on_connect = on_connect

    def factory(self) -> SMTP:
        self._on_connect()
        with warnings.catch_warnings():
            # AUTH without TLS is what a test of plain AUTH wants; aiosmtpd warns about it.
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return cast(SMTP, super().factory())

    def _trigger_server(self) -> None:
        # aiosmtpd 1.4.6 pokes the server at self.port to finish starting it; with port 0
        # learn the port the OS picked first (race-free, unlike probing for a free one).
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class LoopbackSMTP:
    """An aiosmtpd server on 127.0.0.1 and a free port; see the module docstring."""

    def __init__(
        self,
        *,
        tls: bool = False,
        implicit_tls: bool = False,
        require_auth: tuple[str, str] | None = None,
        refuse: Iterable[str] = (),
        fail_data: str | None = None,
        drop_data: bool = False,
        stall_data: float = 0.0,
    ) -> None:
        if tls and implicit_tls:
            raise ValueError("choose STARTTLS (tls) or implicit TLS, not both")
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.require_auth = require_auth
        self.refuse = frozenset(address.lower() for address in refuse)
        self.fail_data = fail_data
        self.drop_data = drop_data  # accept the whole message, then drop the connection
        self.stall_data = stall_data  # seconds to sit on the message before answering
        self.dropped = 0  # messages taken then dropped
        self.host = HOST
        self.port = 0
        self.ca_file: Path | None = None
        self.messages: list[Received] = []
        self.logins: list[str] = []  # usernames that authenticated successfully
        self.connections = 0  # client connections since start()
        self._lock = threading.Lock()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._controller: _Controller | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("LoopbackSMTP already started")
        tls_context = self._make_tls_context() if self.tls or self.implicit_tls else None
        kwargs: dict[str, Any] = {
            "hostname": HOST,
            "port": 0,
            "server_hostname": "localhost",
            "ready_timeout": 10.0,
            "auth_require_tls": self.tls or self.implicit_tls,
        }
        if self.tls:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        if self.implicit_tls:
            kwargs["ssl_context"] = tls_context
        if self.require_auth is not None:
            kwargs.update(auth_required=True, authenticator=self._authenticate)
        controller = _Controller(_Handler(self), on_connect=self._count_connection, **kwargs)
        controller.start()
        self._controller = controller
        self.port = controller.port
        with self._lock:
            self.connections = 0  # forget the controller's own start-up poke

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LoopbackSMTP:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- for tests -----------------------------------------------------------------------------

    def settings(self, **overrides: Any) -> SmtpSettings:
        """``SmtpSettings`` that reach this server; keyword arguments override fields."""
        if self.implicit_tls:
            security = "ssl"
        elif self.tls:
            security = "starttls"
        else:
            security = "none"
        base = SmtpSettings(
            host=self.host,
            port=self.port,
            security=security,
            username=self.require_auth[0] if self.require_auth else "",
            ca_file=str(self.ca_file) if self.ca_file else "",
            timeout=10.0,
        )
        return replace(base, **overrides)

    @property
    def password(self) -> str | None:
        return self.require_auth[1] if self.require_auth else None

    # -- internals -----------------------------------------------------------------------------

    def _record(self, received: Received) -> None:
        with self._lock:
            self.messages.append(received)

    def _count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert self.require_auth is not None
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", errors="replace")
            password = auth_data.password.decode("utf-8", errors="replace")
            if (user, password) == self.require_auth:
                with self._lock:
                    self.logins.append(user)
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    def _make_tls_context(self) -> ssl.SSLContext:
        self._tmp = tempfile.TemporaryDirectory(prefix="idolguard-smtp-")
        directory = Path(self._tmp.name)
        ca_cert, ca_key = make_ca("IdolGuard Test SMTP CA")
        cert, key = make_server_cert(ca_cert, ca_key)
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        cert_file = directory / "server.pem"
        key_file = directory / "server.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context


@pytest.fixture
def smtp_server() -> Iterator[LoopbackSMTP]:
    """A started plain (no TLS, no AUTH) loopback SMTP server, stopped afterwards."""
    with LoopbackSMTP() as server:
        yield server
