"""Sending notices by e-mail, against a real SMTP server on loopback (no smtplib mocks)."""

from __future__ import annotations

import email
import hashlib
import logging
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage

import pytest

from idolguard.notices.mail import (
    Attachment,
    MailError,
    OutgoingMail,
    build_message,
    send_mail,
)
from tests import smtp as loopback
from tests.smtp import LoopbackSMTP

# The shared fixture (a started plain LoopbackSMTP), made visible to this module.
smtp_server = loopback.smtp_server

NOW = datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)
SUBJECT = (
    "[삭제 요청] 허위영상물 삭제 요청 — Takedown notice: non-consensual deepfake (IG-2026-0001)"
)
BODY = (
    "안녕하세요. 아이돌가드 법무팀입니다.\n"
    "아래 URL의 허위영상물(딥페이크)은 당사 소속 아티스트의 동의 없이 제작·유포되었습니다.\n"
    "\n"
    "Hello. We represent the artist depicted in the content listed below.\n"
    ". a line that starts with a dot, to exercise SMTP dot-stuffing\n"
    "https://video.example.net/watch?v=abc123\n"
)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00\xff\r\n.\r\n%%EOF\n"
JSON = b'{"notice": "IG-2026-0001-N01", "urls": ["https://video.example.net/watch?v=abc123"]}'
SENDER = "아이돌가드 법무팀 <legal@agency.example>"


def fixed_now() -> datetime:
    return NOW


def notice(**overrides: object) -> OutgoingMail:
    mail = OutgoingMail(
        sender=SENDER,
        to=("abuse@video.example.net",),
        cc=("counsel@agency.example",),
        reply_to="Kim Minji <minji@agency.example>",
        subject=SUBJECT,
        body=BODY,
        attachments=(
            Attachment("증거 보고서 IG-2026-0001.pdf", "application/pdf", PDF),
            Attachment("manifest.json", "application/json", JSON),
        ),
        headers=(("X-IdolGuard-Notice", "IG-2026-0001-N01"),),
    )
    return replace(mail, **overrides)  # type: ignore[arg-type]


def attachments_of(message: EmailMessage) -> list[tuple[str | None, str, bytes]]:
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        found.append((part.get_filename(), part.get_content_type(), data))
    return found


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


# -- building --------------------------------------------------------------------------------


def test_build_message_headers_and_crlf() -> None:
    message = build_message(notice(), date=NOW, message_id_domain="agency.example")
    assert message["Subject"] == SUBJECT
    assert message["Date"].datetime == NOW
    assert str(message["Message-ID"]).startswith("<")
    assert str(message["Message-ID"]).endswith("@agency.example>")
    assert message["X-IdolGuard-Notice"] == "IG-2026-0001-N01"
    assert message["Reply-To"] == "Kim Minji <minji@agency.example>"
    raw = message.as_bytes(policy=policy.SMTP)
    assert raw.isascii(), "the message must be 7-bit clean (no 8BITMIME / SMTPUTF8 needed)"
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in the wire form"
    assert message.as_bytes() == raw  # the message's own policy is the wire policy
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == SUBJECT
    body = parsed.get_body(("plain",))
    assert body is not None
    assert body.get_content() == BODY


def test_build_message_refuses_naive_date() -> None:
    with pytest.raises(ValueError, match="timezone"):
        build_message(notice(), date=datetime(2026, 3, 1), message_id_domain="agency.example")


# -- plain sending -----------------------------------------------------------------------------


def test_send_round_trip(smtp_server: LoopbackSMTP) -> None:
    sent = send_mail(notice(), smtp_server.settings(), None, now=fixed_now)

    assert sent.server == f"127.0.0.1:{smtp_server.port}"
    assert sent.accepted == ("abuse@video.example.net", "counsel@agency.example")
    assert sent.refused == {}
    assert sent.sent_at == NOW
    assert sent.sent_at.tzinfo is UTC
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received.envelope_from == "legal@agency.example"
    assert received.recipients == ["abuse@video.example.net", "counsel@agency.example"]

    # The stored evidence is byte for byte what the server got.
    assert received.raw == sent.raw
    assert sent.sha256 == hashlib.sha256(received.raw).hexdigest()

    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["From"] == SENDER
    assert message["To"] == "abuse@video.example.net"
    assert message["Cc"] == "counsel@agency.example"
    assert message["Message-ID"] == sent.message_id
    assert message["Date"].datetime == NOW
    assert message["X-IdolGuard-Notice"] == "IG-2026-0001-N01"
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content() == BODY
    assert attachments_of(message) == [
        ("증거 보고서 IG-2026-0001.pdf", "application/pdf", PDF),
        ("manifest.json", "application/json", JSON),
    ]


def test_send_without_attachments_and_text_attachment(smtp_server: LoopbackSMTP) -> None:
    simple = send_mail(notice(attachments=(), cc=(), reply_to=None), smtp_server.settings(), None)
    text = Attachment("urls.txt", "text/plain", "첫째 줄\nsecond line\n".encode())
    with_text = send_mail(notice(attachments=(text,)), smtp_server.settings(), None)

    first, second = smtp_server.messages
    assert first.raw == simple.raw
    assert first.message.get_content_type() == "text/plain"
    assert first.message.get_content() == BODY
    assert "Cc" not in first.message
    assert "Reply-To" not in first.message
    assert second.raw == with_text.raw
    assert attachments_of(second.message) == [("urls.txt", "text/plain", text.data)]
    assert simple.sent_at.tzinfo is UTC
    assert abs(datetime.now(UTC) - simple.sent_at) < timedelta(minutes=5)
    assert simple.message_id != with_text.message_id


def test_sent_at_is_converted_to_utc(smtp_server: LoopbackSMTP) -> None:
    seoul = timezone(timedelta(hours=9))
    sent = send_mail(notice(), smtp_server.settings(), None, now=lambda: NOW.astimezone(seoul))
    assert sent.sent_at == NOW
    assert sent.sent_at.utcoffset() == timedelta(0)


def test_naive_now_is_refused(smtp_server: LoopbackSMTP) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        send_mail(notice(), smtp_server.settings(), None, now=lambda: datetime(2026, 3, 1))
    assert smtp_server.connections == 0


def test_duplicate_recipients_are_sent_once(smtp_server: LoopbackSMTP) -> None:
    mail = notice(to=("abuse@video.example.net",), cc=("Abuse@video.example.net",))
    sent = send_mail(mail, smtp_server.settings(), None)
    assert sent.accepted == ("abuse@video.example.net",)
    assert smtp_server.messages[0].recipients == ["abuse@video.example.net"]


# -- TLS ---------------------------------------------------------------------------------------


def test_starttls_with_private_ca() -> None:
    with LoopbackSMTP(tls=True) as server:
        assert server.ca_file is not None
        sent = send_mail(notice(), server.settings(), None, now=fixed_now)
        assert [m.raw for m in server.messages] == [sent.raw]


def test_starttls_untrusted_certificate_is_refused() -> None:
    # Permanent: retrying cannot help until the operator trusts the relay's CA (ca_file).
    with LoopbackSMTP(tls=True) as server:
        with pytest.raises(MailError, match="could not be verified") as info:
            send_mail(notice(), server.settings(ca_file=""), None)
        assert info.value.permanent
        assert f"127.0.0.1:{server.port}" in str(info.value)
        assert "ca_file" in str(info.value)
        assert server.messages == []


def test_starttls_not_offered_never_falls_back_to_plaintext(smtp_server: LoopbackSMTP) -> None:
    with pytest.raises(MailError, match="STARTTLS") as info:
        send_mail(notice(), smtp_server.settings(security="starttls"), None)
    assert info.value.permanent
    assert f"127.0.0.1:{smtp_server.port}" in str(info.value)
    assert smtp_server.messages == []


def test_implicit_tls() -> None:
    with LoopbackSMTP(implicit_tls=True) as server:
        settings = server.settings()
        assert settings.security == "ssl"
        sent = send_mail(notice(), settings, None)
        assert [m.raw for m in server.messages] == [sent.raw]


def test_missing_ca_file_is_a_settings_error() -> None:
    with LoopbackSMTP(tls=True) as server:
        with pytest.raises(MailError, match="ca_file") as info:
            send_mail(notice(), server.settings(ca_file="/nonexistent/ca.pem"), None)
        assert info.value.permanent
        assert server.connections == 0


# -- AUTH --------------------------------------------------------------------------------------


def test_auth_success(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with LoopbackSMTP(require_auth=("notices", "s3cret-pässword")) as server:
        sent = send_mail(notice(), server.settings(), "s3cret-pässword")
        assert server.logins == ["notices"]
        assert [m.raw for m in server.messages] == [sent.raw]
    assert "s3cret" not in caplog.text


def test_auth_over_starttls() -> None:
    with LoopbackSMTP(tls=True, require_auth=("notices", "hunter2")) as server:
        sent = send_mail(notice(), server.settings(), "hunter2")
        assert server.logins == ["notices"]
        assert [m.raw for m in server.messages] == [sent.raw]


def test_auth_wrong_password_is_permanent() -> None:
    with LoopbackSMTP(require_auth=("notices", "hunter2")) as server:
        with pytest.raises(MailError, match="refused the login for notices") as info:
            send_mail(notice(), server.settings(), "wrong-password")
        assert info.value.permanent
        assert "535" in str(info.value)
        assert "wrong-password" not in str(info.value)
        assert server.messages == []


def test_auth_required_but_not_configured() -> None:
    with LoopbackSMTP(require_auth=("notices", "hunter2")) as server:
        with pytest.raises(MailError) as info:
            send_mail(notice(), server.settings(username=""), None)
        assert info.value.permanent  # 530 authentication required
        assert server.messages == []


def test_username_without_password_fails_before_connecting(smtp_server: LoopbackSMTP) -> None:
    with pytest.raises(MailError, match="no password") as info:
        send_mail(notice(), smtp_server.settings(username="notices"), None)
    assert info.value.permanent
    assert smtp_server.connections == 0


# -- refusals ----------------------------------------------------------------------------------


def test_one_recipient_refused() -> None:
    with LoopbackSMTP(refuse=["gone@video.example.net"]) as server:
        mail = notice(to=("gone@video.example.net", "abuse@video.example.net"), cc=())
        sent = send_mail(mail, server.settings(), None)
        assert sent.accepted == ("abuse@video.example.net",)
        assert list(sent.refused) == ["gone@video.example.net"]
        assert sent.refused["gone@video.example.net"].startswith("550 ")
        assert len(server.messages) == 1
        assert server.messages[0].recipients == ["abuse@video.example.net"]
        assert server.messages[0].raw == sent.raw


def test_all_recipients_refused_is_permanent() -> None:
    refused = ["gone@video.example.net", "old@agency.example"]
    with LoopbackSMTP(refuse=refused) as server:
        mail = notice(to=(refused[0],), cc=(refused[1],))
        with pytest.raises(MailError, match="refused every recipient") as info:
            send_mail(mail, server.settings(), None)
        assert info.value.permanent
        for address in refused:
            assert f"{address}: 550" in str(info.value)
        assert server.messages == []


def test_data_temporary_failure_may_be_retried() -> None:
    with LoopbackSMTP(fail_data="451 4.3.0 try later") as server:
        with pytest.raises(MailError, match=r"451 4\.3\.0 try later") as info:
            send_mail(notice(), server.settings(), None)
        assert not info.value.permanent
        assert server.messages == []


def test_data_permanent_failure() -> None:
    with LoopbackSMTP(fail_data="554 5.7.1 message rejected as spam") as server:
        with pytest.raises(MailError, match="554") as info:
            send_mail(notice(), server.settings(), None)
        assert info.value.permanent


# -- network trouble ---------------------------------------------------------------------------


def test_nothing_listening(closed_port: int) -> None:
    with LoopbackSMTP() as server:
        settings = server.settings(port=closed_port)
    with pytest.raises(
        MailError, match=f"cannot reach the SMTP server 127.0.0.1:{closed_port}"
    ) as info:
        send_mail(notice(), settings, None)
    assert not info.value.permanent


def test_server_that_never_answers_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts into the backlog, never greets
        port = listener.getsockname()[1]
        with LoopbackSMTP() as server:
            settings = server.settings(port=port, timeout=0.5)
        with pytest.raises(
            MailError, match=f"cannot reach the SMTP server 127.0.0.1:{port}"
        ) as info:
            send_mail(notice(), settings, None)
    assert not info.value.permanent


# -- refused before connecting -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"subject": "Notice\r\nBcc: everyone@example.com"}, "line break"),
        ({"subject": "Notice\nX-Injected: yes"}, "line break"),
        ({"to": ("abuse@video.example.net\r\nBcc: x@example.com",)}, "line break"),
        ({"to": ("abuse@video.example.net, other@example.com",)}, "not a single address"),
        ({"to": ("abuse@video.example.net other@example.com",)}, "not a single address"),
        ({"cc": ("Kim, Minji <minji@agency.example>",)}, "not a single address"),
        ({"to": ("abuse at video.example.net",)}, "'@'"),
        ({"to": ("a@b@video.example.net",)}, "address"),
        ({"to": ("abuse@",)}, "'@'"),
        ({"to": ("abuse@video..example.net",)}, "domain"),
        ({"to": ("담당자@video.example.net",)}, "non-ASCII"),
        ({"to": ("",)}, "empty"),
        ({"to": ()}, "no recipients"),
        ({"sender": "legal@agency.example\nBcc: x@example.com"}, "line break"),
        ({"reply_to": "a@b.example, c@d.example"}, "not a single address"),
        ({"headers": (("X-Notice", "one\r\nBcc: x@example.com"),)}, "line break"),
        ({"headers": (("X-Notice\r\nBcc", "x@example.com"),)}, "header name"),
        ({"headers": (("X Notice", "value"),)}, "header name"),
        ({"headers": (("Bcc", "x@example.com"),)}, "replace a header"),
        ({"headers": (("Content-Type", "text/html"),)}, "replace a header"),
        ({"attachments": (Attachment("../../etc/passwd", "text/plain", b"x"),)}, "filename"),
        ({"attachments": (Attachment("a\\b.pdf", "application/pdf", b"x"),)}, "filename"),
        ({"attachments": (Attachment("a\nb.pdf", "application/pdf", b"x"),)}, "filename"),
        ({"attachments": (Attachment("a.pdf", "pdf", b"x"),)}, "content type"),
        ({"attachments": (Attachment("a.eml", "message/rfc822", b"x"),)}, "octet-stream"),
    ],
)
def test_invalid_mail_is_refused_before_connecting(
    smtp_server: LoopbackSMTP, overrides: dict[str, object], match: str
) -> None:
    with pytest.raises(MailError, match=match) as info:
        send_mail(notice(**overrides), smtp_server.settings(), None)
    assert info.value.permanent
    assert smtp_server.connections == 0
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"host": ""}, r"e-mail sending is off: set \[smtp\] host"),
        ({"security": "tls"}, "security must be one of"),
        ({"security": "none", "host": "mail.example.com"}, "only allowed for a relay on localhost"),
        ({"port": 0}, "port"),
        ({"timeout": 0.0}, "timeout"),
    ],
)
def test_invalid_settings(
    smtp_server: LoopbackSMTP, overrides: dict[str, object], match: str
) -> None:
    with pytest.raises(MailError, match=match) as info:
        send_mail(notice(), smtp_server.settings(**overrides), None)
    assert info.value.permanent
    assert smtp_server.connections == 0


def test_connections_are_counted(smtp_server: LoopbackSMTP) -> None:
    """The 'before connecting' tests above rely on this counter."""
    assert smtp_server.connections == 0
    send_mail(notice(), smtp_server.settings(), None)
    assert smtp_server.connections == 1


def test_a_message_is_sent_again_under_its_first_message_id_and_a_bad_one_is_refused(
    smtp_server: LoopbackSMTP,
) -> None:
    sent = send_mail(notice(), smtp_server.settings(), None, message_id="<first.1@example.test>")
    assert sent.message_id == "<first.1@example.test>"
    assert smtp_server.messages[0].message["Message-ID"] == "<first.1@example.test>"
    for bad in ("<x@y>\r\nBcc: victim@example.test", "no-brackets@example.test", "<nohost>"):
        with pytest.raises(MailError) as refused:
            send_mail(notice(), smtp_server.settings(), None, message_id=bad)
        assert refused.value.permanent
    assert len(smtp_server.messages) == 1
