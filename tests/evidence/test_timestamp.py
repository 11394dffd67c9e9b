"""RFC 3161 client and verifier against a real (openssl) TSA on loopback."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from idolguard.evidence.timestamp import (
    TimestampClient,
    TimestampError,
    TimestampToken,
    token_certificates_pem,
    verify_timestamp,
)
from tests.tsa import DEFAULT_POLICY, OTHER_POLICY, LoopbackTSA, make_ca

DATA = b'{"manifest": "evidence bundle", "sha256": "00ff"}\n'


@pytest.fixture
def loopback(tsa: LoopbackTSA) -> Iterator[LoopbackTSA]:
    """The shared TSA, answering normally before and after the test."""
    tsa.mode = "ok"
    yield tsa
    tsa.mode = "ok"


@pytest.fixture(scope="module")
def stamped(tsa: LoopbackTSA) -> TimestampToken:
    tsa.mode = "ok"
    return TimestampClient(tsa.url, timeout=10, roots_pem=tsa.ca_pem).stamp(DATA)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _openssl_text(args: list[str]) -> str:
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


# -- happy path --------------------------------------------------------------------------------


def test_stamp_and_verify_round_trip(loopback: LoopbackTSA) -> None:
    before = loopback.requests
    token = TimestampClient(loopback.url, roots_pem=loopback.ca_pem).stamp(DATA)

    assert loopback.requests == before + 1
    assert token.gen_time.tzinfo is not None
    assert token.gen_time.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - token.gen_time) < timedelta(minutes=1)
    assert token.hash_algorithm == "sha256"
    assert token.message_digest == hashlib.sha256(DATA).hexdigest()
    assert token.policy == DEFAULT_POLICY
    assert token.tsa_name is not None and "CN=IdolGuard Test TSA" in token.tsa_name
    assert token.serial_number > 0

    result = verify_timestamp(token.response_der, DATA, roots_pem=loopback.ca_pem)
    assert result.valid and result.trusted, result.problems
    assert result.problems == []
    assert result.gen_time == token.gen_time
    assert result.serial_number == token.serial_number
    assert result.tsa_name == token.tsa_name


def test_each_stamp_uses_a_fresh_nonce_and_asks_for_certificates(loopback: LoopbackTSA) -> None:
    client = TimestampClient(loopback.url)
    queries = []
    for _ in range(2):
        client.stamp(DATA)
        assert loopback.last_query is not None
        queries.append(loopback.last_query)
    assert queries[0] != queries[1]  # same data, different nonce
    query_file = loopback.dir / "inspect.tsq"
    query_file.write_bytes(queries[0])
    text = _openssl_text(["ts", "-query", "-in", str(query_file), "-text"])
    assert "Hash Algorithm: sha256" in text
    assert "Certificate required: yes" in text
    assert "Nonce: 0x" in text
    assert hashlib.sha256(DATA).hexdigest()[:8] in text.replace(" ", "").replace("-", "").lower()


def test_requested_policy_is_sent_and_honoured(loopback: LoopbackTSA) -> None:
    token = TimestampClient(loopback.url, policy=OTHER_POLICY).stamp(DATA)
    assert token.policy == OTHER_POLICY
    assert verify_timestamp(token.response_der, DATA, roots_pem=loopback.ca_pem).trusted


def test_tsa_refusal_reports_status_and_failure_info(loopback: LoopbackTSA) -> None:
    client = TimestampClient(loopback.url, policy="2.999.3161.99")
    with pytest.raises(TimestampError, match=r"refused.*rejection.*unacceptedPolicy"):
        client.stamp(DATA)


# -- verification of stored tokens -------------------------------------------------------------


def test_wrong_data_is_invalid_with_imprint_problem(
    stamped: TimestampToken, tsa: LoopbackTSA
) -> None:
    result = verify_timestamp(stamped.response_der, DATA + b" ", roots_pem=tsa.ca_pem)
    assert not result.valid
    assert not result.trusted
    assert any("imprint" in p for p in result.problems), result.problems


def _flip_positions(der: bytes) -> list[int]:
    spread = [round(i * (len(der) - 1) / 19) for i in range(20)]
    imprint_at = der.index(hashlib.sha256(DATA).digest())  # inside the signed TSTInfo
    signature_at = len(der) - 1  # the SignerInfo signature is the last element
    return sorted({*spread, imprint_at, imprint_at + 31, signature_at, signature_at - 20})


@pytest.mark.parametrize("with_roots", [True, False], ids=["roots", "no-roots"])
def test_any_flipped_byte_makes_the_token_invalid(
    stamped: TimestampToken, tsa: LoopbackTSA, with_roots: bool
) -> None:
    der = stamped.response_der
    roots = tsa.ca_pem if with_roots else None
    assert verify_timestamp(der, DATA, roots_pem=roots).valid
    survived = []
    for position in _flip_positions(der):
        for mask in (0x01, 0x80):
            altered = bytearray(der)
            altered[position] ^= mask
            result = verify_timestamp(bytes(altered), DATA, roots_pem=roots)
            if result.valid or result.trusted or not result.problems:
                survived.append((position, mask))
    assert survived == [], f"altered tokens accepted at {survived} of {len(der)} bytes"


def test_wrong_root_is_untrusted_but_intact(stamped: TimestampToken) -> None:
    # An impostor CA with the very same name as the TSA's real CA.
    impostor, _ = make_ca()
    result = verify_timestamp(
        stamped.response_der, DATA, roots_pem=impostor.public_bytes(Encoding.PEM)
    )
    assert result.valid  # the signature over this data is intact...
    assert not result.trusted  # ...but not by a TSA the caller trusts
    assert any("supplied roots" in p for p in result.problems), result.problems


def test_no_roots_is_valid_but_not_trusted(stamped: TimestampToken) -> None:
    result = verify_timestamp(stamped.response_der, DATA)
    assert result.valid
    assert not result.trusted
    assert result.gen_time == stamped.gen_time
    assert len(result.problems) == 1
    assert "no trusted TSA root supplied" in result.problems[0]


def test_unreadable_roots_are_a_problem_not_a_crash(stamped: TimestampToken) -> None:
    result = verify_timestamp(stamped.response_der, DATA, roots_pem=b"not pem")
    assert not result.trusted
    assert any("roots_pem" in p for p in result.problems)


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda der: b"",
        lambda der: b"\x00",
        lambda der: b"not a timestamp at all",
        lambda der: der[: len(der) // 2],
        lambda der: der[:-1],
        lambda der: der + b"\x00",
        lambda der: b"\x30\x03\x02\x01\x00",  # granted, but no token
        lambda der: b"\x30\x05\x30\x03\x02\x01\x02",  # rejection
        lambda der: bytes(range(256)) * 4,
    ],
    ids=["empty", "zero", "text", "half", "minus-one", "trailing", "no-token", "rejected", "noise"],
)
def test_garbage_is_invalid_without_exception(stamped: TimestampToken, make_bad: object) -> None:
    assert callable(make_bad)
    bad = make_bad(stamped.response_der)
    result = verify_timestamp(bad, DATA)
    assert not result.valid and not result.trusted
    assert result.problems and all(isinstance(p, str) and p for p in result.problems)
    assert token_certificates_pem(bad) == []


def test_token_certificates_leaf_first(stamped: TimestampToken, tsa: LoopbackTSA) -> None:
    pems = token_certificates_pem(stamped.response_der)
    assert len(pems) == 2
    assert pems[0] == tsa.tsa_pem
    assert x509.load_pem_x509_certificate(pems[1]) == x509.load_pem_x509_certificate(tsa.ca_pem)


# -- client failures ---------------------------------------------------------------------------


def test_unreachable_tsa() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/tsr"
    with pytest.raises(TimestampError, match="could not reach") as info:
        TimestampClient(url, timeout=5).stamp(DATA)
    assert url in str(info.value)


def test_http_error_status(loopback: LoopbackTSA) -> None:
    loopback.mode = "http500"
    with pytest.raises(TimestampError, match="HTTP 500"):
        TimestampClient(loopback.url).stamp(DATA)


def test_garbage_reply(loopback: LoopbackTSA) -> None:
    loopback.mode = "garbage"
    with pytest.raises(TimestampError, match="TimeStampResp"):
        TimestampClient(loopback.url).stamp(DATA)


def test_reply_to_another_request_is_caught_by_nonce(loopback: LoopbackTSA) -> None:
    loopback.mode = "wrong_nonce"
    with pytest.raises(TimestampError, match="nonce mismatch"):
        TimestampClient(loopback.url).stamp(DATA)


def test_client_rejects_token_from_untrusted_tsa(loopback: LoopbackTSA) -> None:
    impostor, _ = make_ca()
    client = TimestampClient(loopback.url, roots_pem=impostor.public_bytes(Encoding.PEM))
    with pytest.raises(TimestampError, match="failed verification against the configured roots"):
        client.stamp(DATA)


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("file:///etc/passwd", {}),
        ("ftp://tsa.example/", {}),
        ("http://tsa.example/", {"policy": "not.an.oid"}),
        ("http://tsa.example/", {"roots_pem": b"no certificate here"}),
        ("http://tsa.example/", {"timeout": 0}),
    ],
)
def test_client_rejects_bad_configuration(url: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        TimestampClient(url, **kwargs)


# -- interoperability --------------------------------------------------------------------------


def test_openssl_verifies_the_stored_response(
    stamped: TimestampToken, tsa: LoopbackTSA, tmp_path: Path
) -> None:
    """Third parties can check our evidence with stock openssl, without IdolGuard."""
    assert shutil.which("openssl")
    response = tmp_path / "resp.tsr"
    response.write_bytes(stamped.response_der)
    data = tmp_path / "data.bin"
    data.write_bytes(DATA)
    command = ["openssl", "ts", "-verify", "-in", str(response), "-CAfile", str(tsa.ca_path)]

    ok = subprocess.run([*command, "-data", str(data)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Verification: OK" in ok.stdout

    other = tmp_path / "other.bin"
    other.write_bytes(DATA + b" ")
    bad = subprocess.run([*command, "-data", str(other)], capture_output=True, text=True)
    assert bad.returncode != 0
