"""A real RFC 3161 Time-Stamping Authority on loopback, for tests.

Timestamp code is only worth something if it interoperates with real TSAs, so the tests do not
mock the protocol: ``LoopbackTSA`` generates a throwaway CA and TSA certificate with
``cryptography``, serves HTTP on 127.0.0.1 and answers each query by running
``openssl ts -reply``, the same reference implementation many public TSAs are built on.

``mode`` lets a test make the TSA misbehave: ``"http500"`` (server error), ``"garbage"`` (200 with
bytes that are not a TimeStampResp) and ``"wrong_nonce"`` (a genuine, correctly signed reply to a
*different* request, as a replaying or confused TSA would send).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Literal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# hang: read the query, never answer; drip: promise a large reply, then send a byte at a time.
Mode = Literal["ok", "http500", "garbage", "wrong_nonce", "hang", "drip"]

#: Policy OIDs under the ITU-T/ISO "example" arc (2.999): never a real TSA policy.
DEFAULT_POLICY = "2.999.3161.1"
OTHER_POLICY = "2.999.3161.2"

MAX_QUERY = 64 * 1024


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "IdolGuard test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(
    common_name: str = "IdolGuard Test Root CA",
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed CA certificate (CA:true) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf_cert(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    *,
    common_name: str,
    usage: x509.ObjectIdentifier,
    usage_critical: bool,
    content_commitment: bool = False,
    names: list[x509.GeneralName] | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """An end-entity certificate issued by ``ca_cert`` for one extended key usage."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=content_commitment,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=usage_critical)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def make_tsa_cert(
    ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A TSA signing certificate issued by ``ca_cert``: critical EKU timeStamping (RFC 3161 2.3)."""
    return make_leaf_cert(
        ca_cert,
        ca_key,
        common_name="IdolGuard Test TSA",
        usage=ExtendedKeyUsageOID.TIME_STAMPING,
        usage_critical=True,
        content_commitment=True,
    )


def _ts_config(directory: Path) -> str:
    return f"""\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {directory}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/ca.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = {DEFAULT_POLICY}
other_policies = {OTHER_POLICY}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class LoopbackTSA:
    """An ``openssl ts`` TSA behind ``http.server`` on 127.0.0.1; use as a context manager."""

    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.stop_stalling = threading.Event()  # set on exit: hanging handlers finish
        self.requests = 0
        self.last_query: bytes | None = None
        self.url = ""
        self._lock = threading.Lock()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.dir = Path()
        self.ca_path = Path()
        self.ca_pem = b""
        self.tsa_pem = b""

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> LoopbackTSA:
        self._tmp = tempfile.TemporaryDirectory(prefix="idolguard-tsa-")
        self.dir = Path(self._tmp.name)
        ca_cert, ca_key = make_ca()
        tsa_cert, tsa_key = make_tsa_cert(ca_cert, ca_key)
        self.ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
        self.tsa_pem = tsa_cert.public_bytes(serialization.Encoding.PEM)
        self.ca_path = self.dir / "ca.crt"
        self.ca_path.write_bytes(self.ca_pem)
        (self.dir / "tsa.crt").write_bytes(self.tsa_pem)
        (self.dir / "tsa.key").write_bytes(
            tsa_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (self.dir / "serial").write_text("01\n")
        (self.dir / "ts.cnf").write_text(_ts_config(self.dir))
        (self.dir / "other.bin").write_bytes(b"some other document entirely")

        tsa = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_QUERY:
                    self._answer(400, "text/plain", b"bad Content-Length")
                    return
                query = self.rfile.read(length)
                if tsa.mode == "hang":
                    tsa.stop_stalling.wait(30)
                    return
                if tsa.mode == "drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/timestamp-reply")
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    with contextlib.suppress(OSError):  # the client gave up: that is the test
                        while not tsa.stop_stalling.wait(0.05):
                            self.wfile.write(b"0")
                            self.wfile.flush()
                    return
                status, ctype, body = tsa._respond(query)
                self._answer(status, ctype, body)

            def _answer(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest output clean

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}/tsr"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="loopback-tsa", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_stalling.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- the TSA -------------------------------------------------------------------------------

    def _respond(self, query: bytes) -> tuple[int, str, bytes]:
        with self._lock:  # openssl updates the serial file: one reply at a time
            self.requests += 1
            self.last_query = query
            mode = self.mode
            if mode == "http500":
                return 500, "text/plain", b"TSA deliberately failing"
            if mode == "garbage":
                return 200, "application/timestamp-reply", b"<html>not a timestamp</html>"
            query_path = self.dir / "query.tsq"
            if mode == "wrong_nonce":
                # A genuine reply, but to a fresh query over other data (with its own nonce).
                self._openssl(
                    "ts", "-query", "-data", str(self.dir / "other.bin"), "-sha256", "-cert",
                    "-out", str(query_path),
                )  # fmt: skip
            else:
                query_path.write_bytes(query)
            reply_path = self.dir / "reply.tsr"
            reply_path.unlink(missing_ok=True)
            try:
                self.reply_to(query_path, reply_path)
            except subprocess.CalledProcessError as exc:
                return 500, "text/plain", exc.stderr or b"openssl ts -reply failed"
            return 200, "application/timestamp-reply", reply_path.read_bytes()

    def reply_to(self, query_path: Path, reply_path: Path) -> None:
        """Run ``openssl ts -reply`` for the query file; raises CalledProcessError on failure."""
        self._openssl(
            "ts", "-reply", "-queryfile", str(query_path),
            "-signer", str(self.dir / "tsa.crt"), "-inkey", str(self.dir / "tsa.key"),
            "-chain", str(self.ca_path), "-config", str(self.dir / "ts.cnf"),
            "-out", str(reply_path),
        )  # fmt: skip

    def _openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def tsa() -> Iterator[LoopbackTSA]:
    """A running loopback TSA shared by the session; tests that change ``mode`` restore it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not on PATH: the loopback TSA runs `openssl ts -reply`")
    with LoopbackTSA() as server:
        yield server
