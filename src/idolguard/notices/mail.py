"""Sending takedown notices by e-mail over SMTP.

A takedown notice is a legal document: the platform's answer, a later complaint to a
regulator, or a court may all turn on exactly what was sent and when. So this module
builds the message once, serialises it once, and hands *those* bytes to the server;
``SentMail.raw`` is that very byte string and ``SentMail.sha256`` its digest, to be kept
with the evidence. Nothing re-renders the message afterwards.

The message is 7-bit clean (Korean text is base64 or quoted-printable, headers are
RFC 2047 encoded), so it needs neither 8BITMIME nor SMTPUTF8 from the relay and every hop
carries the same bytes.

Security choices, and why:

* Transport security is never silently downgraded. With ``security = "starttls"`` a relay
  that does not offer STARTTLS is an error, not a reason to send in plaintext: a notice
  carries victims' names and links to intimate imagery. ``"none"`` is accepted only for a
  relay on this machine (localhost), where there is no network to protect against.
* Certificates are verified against the system roots plus ``[smtp] ca_file``, with host
  name checking on.
* The password is used only for ``AUTH`` and never appears in a log line or an error
  message.
* Everything that can be checked before connecting is checked first (addresses, header
  injection, settings), so a malformed notice never reaches the relay half-formed.

Failures raise :class:`MailError` with a message meant for the operator, naming the
server or the recipient, and ``permanent`` saying whether retrying the same notice later
can help (network trouble and 4xx answers) or not (5xx answers, bad addresses, settings).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import Any

from idolguard.config import SmtpSettings

logger = logging.getLogger(__name__)

SECURITY_MODES: tuple[str, ...] = ("starttls", "ssl", "none")

#: Serialisation policy: CRLF line ends, RFC 2047 headers, as SMTP wants them.
WIRE_POLICY = policy.SMTP
#: Building policy: LF while the parts are encoded (so a decoded text body has plain
#: newlines) and 7-bit transfer encodings only (no 8BITMIME / SMTPUTF8 needed).
_BUILD_POLICY = policy.default.clone(cte_type="7bit")

#: Headers the message builds itself; an extra header may not replace or add to them.
_RESERVED_HEADERS = frozenset(
    {
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "return-path",
        "received",
    }
)
#: Characters never allowed in a bare address: whitespace, controls and RFC 5322 specials
#: other than '@' and '.'. Quoted local parts are not supported: notices go to published
#: abuse / legal addresses, which never need them.
_ADDRESS_FORBIDDEN = frozenset(' \t<>()[],;:"\\')
_FILENAME_FORBIDDEN = frozenset("/\\")


class MailError(RuntimeError):
    """Sending failed or was refused; the message is meant for people.

    It names the server (``host:port``) or the recipient concerned, never a secret.
    ``permanent`` is True when sending the same notice again cannot help (5xx answers,
    invalid addresses, settings errors, an unverifiable certificate) and False for
    network trouble and 4xx answers, which may be retried later.
    """

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent
        # True when the message went out but the server never confirmed it (dropped or
        # silent mid-DATA): it may have been delivered, so a retry may duplicate it.
        self.unconfirmed = False
        # For an unconfirmed send: the Message-ID and exact bytes that went out, so the
        # caller can keep them and send the same message again (``send_mail(message_id=)``).
        self.message_id: str | None = None
        self.raw: bytes | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "application/pdf", "application/json", "text/plain"
    data: bytes


@dataclass(frozen=True)
class OutgoingMail:
    sender: str  # From address (may be "Name <addr>")
    to: tuple[str, ...]
    subject: str
    body: str  # text/plain, UTF-8 (Korean + English text)
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, e.g. ("X-IdolGuard-Notice", ...)


@dataclass(frozen=True)
class SentMail:
    message_id: str  # "<...@domain>"
    raw: bytes  # exactly the bytes handed to the server (kept as evidence)
    sha256: str  # hex digest of raw
    accepted: tuple[str, ...]  # envelope recipients the server accepted
    refused: dict[str, str]  # recipient -> "550 reason", when some others were accepted
    sent_at: datetime  # aware UTC; also the message's Date header
    server: str  # "host:port"


# -- validation ----------------------------------------------------------------------------


def _check_address(entry: str, role: str) -> Address:
    """Parse one ``addr`` or ``Name <addr>`` entry, strictly; MailError if it is anything else."""
    if not isinstance(entry, str) or not entry.strip():
        raise MailError(f"empty {role} address", permanent=True)
    if any(ord(c) < 32 or ord(c) == 127 for c in entry):
        raise MailError(
            f"{role} address {entry!r} contains a line break or control character",
            permanent=True,
        )
    parsed = getaddresses([entry])
    if len(parsed) != 1:
        raise MailError(
            f"{role} address {entry!r} is not a single address (one address per entry)",
            permanent=True,
        )
    name, addr = parsed[0]
    local, _, domain = addr.partition("@")
    problem = ""
    if addr.count("@") != 1 or not local or not domain:
        problem = "needs exactly one '@' between a local part and a domain"
    elif any(c in _ADDRESS_FORBIDDEN for c in addr):
        problem = "contains whitespace or a character not allowed in an address"
    elif not addr.isascii():
        problem = "contains non-ASCII characters (internationalised addresses are not supported)"
    elif domain.startswith(".") or domain.endswith(".") or ".." in domain:
        problem = "has a malformed domain"
    elif local.startswith(".") or local.endswith(".") or ".." in local:
        problem = "has a malformed local part"
    if problem:
        raise MailError(f"{role} address {entry!r} {problem}", permanent=True)
    try:
        return Address(display_name=name, addr_spec=addr)
    except (ValueError, HeaderParseError) as exc:
        raise MailError(f"{role} address {entry!r} is not valid: {exc}", permanent=True) from exc


def _check_header_text(value: str, what: str) -> None:
    if any(c in "\r\n" for c in value):
        raise MailError(f"{what} contains a line break (header injection refused)", permanent=True)
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in value):
        raise MailError(f"{what} contains a control character", permanent=True)


def _check_header_name(name: str) -> None:
    if not name or any(not 33 <= ord(c) <= 126 or c == ":" for c in name):
        raise MailError(f"extra header name {name!r} is not a valid header name", permanent=True)
    lowered = name.lower()
    if lowered in _RESERVED_HEADERS or lowered.startswith("content-"):
        raise MailError(
            f"extra header {name!r} would replace a header the message sets itself",
            permanent=True,
        )


def _check_attachment(attachment: Attachment) -> tuple[str, str]:
    name = attachment.filename
    if (
        not name
        or name in (".", "..")
        or any(c in _FILENAME_FORBIDDEN for c in name)
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
    ):
        raise MailError(
            f"attachment filename {name!r} must be a plain file name "
            "(no path separators or control characters)",
            permanent=True,
        )
    maintype, slash, subtype = attachment.content_type.strip().lower().partition("/")
    token_ok = all(
        part and part.isascii() and all(c.isalnum() or c in "!#$&-^_.+" for c in part)
        for part in (maintype, subtype)
    )
    if not slash or not token_ok:
        raise MailError(
            f"attachment {name!r} has an invalid content type {attachment.content_type!r}",
            permanent=True,
        )
    if maintype in ("multipart", "message"):
        raise MailError(
            f"attachment {name!r}: {maintype}/* cannot be attached as data; "
            "use application/octet-stream",
            permanent=True,
        )
    if not isinstance(attachment.data, bytes | bytearray):
        raise MailError(f"attachment {name!r}: data must be bytes", permanent=True)
    return maintype, subtype


@dataclass(frozen=True)
class _Checked:
    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: Address | None
    recipients: tuple[str, ...]  # envelope: bare addresses of to + cc, duplicates removed
    attachments: tuple[tuple[Attachment, str, str], ...]


def _check_mail(mail: OutgoingMail) -> _Checked:
    sender = _check_address(mail.sender, "sender")
    if isinstance(mail.to, str) or isinstance(mail.cc, str):
        raise MailError("to and cc must be tuples of addresses, not strings", permanent=True)
    if not mail.to:
        raise MailError("the notice has no recipients (to is empty)", permanent=True)
    to = tuple(_check_address(entry, "recipient") for entry in mail.to)
    cc = tuple(_check_address(entry, "cc") for entry in mail.cc)
    reply_to = None if mail.reply_to is None else _check_address(mail.reply_to, "reply-to")
    _check_header_text(mail.subject, "subject")
    for name, value in mail.headers:
        _check_header_name(name)
        _check_header_text(value, f"header {name}")
    attachments = tuple((a, *_check_attachment(a)) for a in mail.attachments)
    seen: set[str] = set()
    recipients: list[str] = []
    for address in (*to, *cc):
        key = address.addr_spec.lower()
        if key not in seen:
            seen.add(key)
            recipients.append(address.addr_spec)
    return _Checked(sender, to, cc, reply_to, tuple(recipients), attachments)


def _is_local_host(host: str) -> bool:
    if host.lower().rstrip(".") in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_settings(smtp: SmtpSettings, password: str | None) -> None:
    if not smtp.host:
        raise MailError("e-mail sending is off: set [smtp] host", permanent=True)
    if smtp.security not in SECURITY_MODES:
        raise MailError(
            f"[smtp] security must be one of {', '.join(SECURITY_MODES)}, not {smtp.security!r}",
            permanent=True,
        )
    if smtp.security == "none" and not _is_local_host(smtp.host):
        raise MailError(
            f'[smtp] security = "none" is only allowed for a relay on localhost, '
            f"not {smtp.host}: use starttls or ssl",
            permanent=True,
        )
    if not 0 < smtp.port < 65536:
        raise MailError(f"[smtp] port {smtp.port} is out of range", permanent=True)
    if not smtp.timeout > 0:
        raise MailError("[smtp] timeout must be positive", permanent=True)
    if smtp.username and password is None:
        raise MailError(
            f"[smtp] username {smtp.username} is set but there is no password: "
            "set [smtp] password_file or $IDOLGUARD_SMTP_PASSWORD",
            permanent=True,
        )


def _tls_context(smtp: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()  # verifies the chain and the host name
    if smtp.ca_file:
        try:
            context.load_verify_locations(cafile=smtp.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise MailError(
                f"cannot load [smtp] ca_file {smtp.ca_file}: {exc}", permanent=True
            ) from exc
    return context


# -- building ------------------------------------------------------------------------------


def _build(mail: OutgoingMail, checked: _Checked, date: datetime, domain: str) -> EmailMessage:
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("the message date must be timezone-aware")
    message = EmailMessage(policy=_BUILD_POLICY)
    message["Date"] = date
    message["From"] = checked.sender
    message["To"] = checked.to
    if checked.cc:
        message["Cc"] = checked.cc
    if checked.reply_to is not None:
        message["Reply-To"] = checked.reply_to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.body, subtype="plain", charset="utf-8")
    for attachment, maintype, subtype in checked.attachments:
        message.add_attachment(
            bytes(attachment.data),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
        )
    # Serialise with CRLF by default, as the relay receives it.
    message.policy = WIRE_POLICY
    return message


def build_message(mail: OutgoingMail, *, date: datetime, message_id_domain: str) -> EmailMessage:
    """The notice as a MIME message, after the same checks :func:`send_mail` makes.

    ``date`` (timezone-aware) becomes the Date header; the Message-ID is made with
    ``make_msgid(domain=message_id_domain)``. Serialise with
    ``message.as_bytes(policy=email.policy.SMTP)`` (the message's own policy is SMTP too).
    """
    checked = _check_mail(mail)
    _check_header_text(message_id_domain, "Message-ID domain")
    if not message_id_domain or any(c in _ADDRESS_FORBIDDEN for c in message_id_domain):
        raise MailError(f"invalid Message-ID domain {message_id_domain!r}", permanent=True)
    return _build(mail, checked, date, message_id_domain)


# -- sending -------------------------------------------------------------------------------


def _reply_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {text}".strip()


class _SMTP(smtplib.SMTP):
    """Remembers whether the message itself went out (DATA), to tell an unconfirmed send."""

    message_sent = False

    def data(self, msg: Any) -> tuple[int, bytes]:  # smtplib: bytes-like or str
        self.message_sent = True
        return super().data(msg)


class _SMTP_SSL(smtplib.SMTP_SSL):
    message_sent = False

    def data(self, msg: Any) -> tuple[int, bytes]:  # smtplib: bytes-like or str
        self.message_sent = True
        return super().data(msg)


def _connect(smtp: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    if smtp.security == "ssl":
        return _SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    return _SMTP(smtp.host, smtp.port, timeout=smtp.timeout)


def _unconfirmed(exc: BaseException, server: str, message_id: str, raw: bytes) -> MailError:
    """The server took the message, then went away (or went silent) before answering."""
    # smtplib turns a read timeout into SMTPServerDisconnected; the timeout is its context.
    silent = isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)
    what = "stopped answering" if silent else "closed the connection"
    error = MailError(
        f"the SMTP server {server} {what} after the notice was sent, before confirming it: "
        "it may or may not have been delivered. Sending it again later is safe to try, "
        "but the recipient may get it twice",
        permanent=False,
    )
    error.unconfirmed = True
    error.message_id, error.raw = message_id, raw
    return error


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _deliver(
    client: smtplib.SMTP,
    smtp: SmtpSettings,
    password: str | None,
    context: ssl.SSLContext | None,
    server: str,
    envelope_from: str,
    recipients: Iterable[str],
    raw: bytes,
) -> dict[str, tuple[int, bytes]]:
    if smtp.security == "starttls":
        client.ehlo_or_helo_if_needed()
        if not client.has_extn("starttls"):
            raise MailError(
                f"the SMTP server {server} does not offer STARTTLS; the notice was not sent "
                "(it is never sent in plaintext when [smtp] security is starttls)",
                permanent=True,
            )
        client.starttls(context=context)
        client.ehlo()
    if smtp.username:
        assert password is not None  # checked before connecting
        _login(client, smtp.username, password, server)
    return client.sendmail(envelope_from, list(recipients), raw)


def _login(client: smtplib.SMTP, username: str, password: str, server: str) -> None:
    if username.isascii() and password.isascii():
        client.login(username, password)
        return
    # smtplib encodes credentials as ASCII; AUTH PLAIN is defined over UTF-8 (RFC 4616),
    # so non-ASCII credentials go that way, by hand.
    client.ehlo_or_helo_if_needed()
    mechanisms = str(client.esmtp_features.get("auth", "")).upper().split()
    if "PLAIN" not in mechanisms:
        raise MailError(
            f"the SMTP username or password for {server} contains non-ASCII characters, "
            "which need AUTH PLAIN, and the server does not offer it",
            permanent=True,
        )
    token = b"\0" + username.encode() + b"\0" + password.encode()
    code, reply = client.docmd("AUTH", "PLAIN " + base64.b64encode(token).decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _translate(exc: BaseException, server: str, smtp: SmtpSettings) -> MailError:
    """Map an smtplib / socket / ssl failure to a MailError for people."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(
            f"the SMTP server {server} refused the login for {smtp.username}: "
            f"{_reply_text(exc.smtp_code, exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        details = "; ".join(
            f"{addr}: {_reply_text(code, text)}" for addr, (code, text) in exc.recipients.items()
        )
        codes = [code for code, _ in exc.recipients.values()]
        return MailError(
            f"the SMTP server {server} refused every recipient: {details}",
            permanent=bool(codes) and all(code >= 500 for code in codes),
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return MailError(
            f"the SMTP server {server} refused the sender {exc.sender}: "
            f"{_reply_text(exc.smtp_code, exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        )
    if isinstance(exc, smtplib.SMTPDataError):
        return MailError(
            f"the SMTP server {server} refused the message: "
            f"{_reply_text(exc.smtp_code, exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        )
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return MailError(f"cannot reach the SMTP server {server}: {exc}", permanent=False)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError(f"the SMTP server {server} does not support this: {exc}", permanent=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(
            f"the SMTP server {server} answered {_reply_text(exc.smtp_code, exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        )
    if isinstance(exc, smtplib.SMTPException):
        return MailError(f"sending through the SMTP server {server} failed: {exc}", permanent=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        hint = "" if smtp.ca_file else " (for a relay with a private CA, set [smtp] ca_file)"
        return MailError(
            f"the TLS certificate of the SMTP server {server} could not be verified: "
            f"{exc.verify_message or exc}{hint}",
            permanent=True,
        )
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return MailError(
            f"cannot reach the SMTP server {server}: TLS connection closed: {exc}",
            permanent=False,
        )
    if isinstance(exc, ssl.SSLError):
        return MailError(
            f"TLS with the SMTP server {server} failed: {exc} "
            "(check [smtp] security and port: ssl is usually 465, starttls 587)",
            permanent=True,
        )
    return MailError(f"cannot reach the SMTP server {server}: {exc}", permanent=False)


def send_mail(
    mail: OutgoingMail,
    smtp: SmtpSettings,
    password: str | None,
    *,
    now: Callable[[], datetime] | None = None,
    message_id: str | None = None,
) -> SentMail:
    """Send ``mail`` through the relay in ``smtp``; return what was sent, byte for byte.

    ``message_id`` sends a message again under the Message-ID of an earlier,
    unconfirmed send, so that a copy which did arrive can be recognised as the
    same message. Everything is checked before connecting. Raises :class:`MailError` on any failure;
    if the relay accepts some recipients and refuses others the mail counts as sent and
    the refused ones are listed in ``SentMail.refused``.
    """
    _check_settings(smtp, password)
    checked = _check_mail(mail)
    context = _tls_context(smtp) if smtp.security in ("starttls", "ssl") else None
    server = f"{smtp.host}:{smtp.port}"

    sent_at = (now or (lambda: datetime.now(UTC)))()
    if sent_at.tzinfo is None or sent_at.utcoffset() is None:
        raise ValueError("now() must return a timezone-aware datetime")
    sent_at = sent_at.astimezone(UTC)
    envelope_from = checked.sender.addr_spec
    message = _build(mail, checked, sent_at, envelope_from.rpartition("@")[2])
    if message_id is not None:
        _check_header_text(message_id, "Message-ID")
        if not (message_id.startswith("<") and message_id.endswith(">") and "@" in message_id):
            raise MailError(f"invalid Message-ID {message_id!r}", permanent=True)
        message.replace_header("Message-ID", message_id)
    raw = message.as_bytes(policy=WIRE_POLICY)
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"  # smtplib would add it on the wire; keep stored == sent
    message_id = str(message["Message-ID"])

    client: smtplib.SMTP | None = None
    try:
        client = _connect(smtp, context)
        refused_raw = _deliver(
            client, smtp, password, context, server, envelope_from, checked.recipients, raw
        )
    except MailError:
        raise
    except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError, TimeoutError are OSErrors
        # SMTPException is an OSError too: only a lost connection, not an answer, is unconfirmed.
        lost = isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
            exc, smtplib.SMTPException
        )
        if lost and client is not None and getattr(client, "message_sent", False):
            raise _unconfirmed(exc, server, message_id, raw) from exc
        raise _translate(exc, server, smtp) from exc
    finally:
        if client is not None:
            _close(client)

    refused = {addr: _reply_text(code, text) for addr, (code, text) in refused_raw.items()}
    accepted = tuple(r for r in checked.recipients if r not in refused_raw)
    logger.info(
        "sent %s via %s to %s%s",
        message_id,
        server,
        ", ".join(accepted),
        f" (refused: {', '.join(refused)})" if refused else "",
    )
    return SentMail(
        message_id=message_id,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        accepted=accepted,
        refused=refused,
        sent_at=sent_at,
        server=server,
    )
