"""Write-once, content-addressed store for original files.

Originals are evidence: once stored they must never change. Each file lives at
``<root>/<aa>/<bb>/<sha256>``, is written to a temporary name, fsynced, renamed
into place and made read-only. A second store of the same bytes is a no-op, and
a file whose bytes do not match its name is refused rather than overwritten.

With a key, originals are sealed (``storage.sealing``: AES-256-GCM) and still
named by the SHA-256 of their plaintext, so evidence manifests and bank entries
do not change when encryption is switched on; files stored before that stay
readable.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from idolguard.media.digests import file_digests
from idolguard.scratch import locked_scratch, sweep_unlocked
from idolguard.storage.sealing import MAGIC, SealError, is_sealed, open_stream, seal_stream

CHUNK = 1024 * 1024
SPOOL_BYTES = 32 * 1024 * 1024


class BlobIntegrityError(RuntimeError):
    """Stored bytes do not hash to their name: tampering, or a failing disk."""


class BlobStore:
    def __init__(self, root: Path, key: bytes | None = None) -> None:
        if key is not None and len(key) != 32:
            raise ValueError("the evidence encryption key must be 32 bytes (AES-256)")
        self.root = root
        self.key = key
        sweep_unlocked(root, ".incoming-")  # half-written copies of a process killed mid-write

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a lowercase SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def contains(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put_file(self, source: Path, expected_sha256: str | None = None) -> tuple[str, bool]:
        """Copy ``source`` into the store; returns ``(sha256, newly_stored)``.

        The digest is computed from the bytes actually copied, so a file that
        changes between analysis and storage cannot be filed under a wrong name.
        """
        with source.open("rb") as fh:
            return self.put_stream(fh, expected_sha256)

    def put_stream(self, stream: BinaryIO, expected_sha256: str | None = None) -> tuple[str, bool]:
        if expected_sha256 is not None and self.contains(expected_sha256):
            return expected_sha256, False
        self.root.mkdir(parents=True, exist_ok=True)
        # Locked until linked into place: a sweep by another process never takes it.
        with locked_scratch(self.root, ".incoming-") as (fd, tmp):
            return self._write_and_link(stream, expected_sha256, fd, tmp)

    def _write_and_link(
        self, stream: BinaryIO, expected_sha256: str | None, fd: int, tmp: Path
    ) -> tuple[str, bool]:
        digest = hashlib.sha256()
        with os.fdopen(os.dup(fd), "wb") as out:  # the lock stays with ``fd``
            if self.key is not None:
                for chunk in seal_stream(stream, out, self.key):
                    digest.update(chunk)
            else:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha256 = digest.hexdigest()
        if expected_sha256 is not None and sha256 != expected_sha256:
            raise BlobIntegrityError(
                f"content changed while storing: expected {expected_sha256}, got {sha256}"
            )
        final = self.path_for(sha256)
        if final.exists():
            return sha256, False
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        try:
            os.link(tmp, final)  # fails instead of replacing if another writer won the race
        except FileExistsError:
            return sha256, False
        _fsync_dir(final.parent)
        return sha256, True

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The original's plaintext bytes, chunk by chunk, decrypting when sealed."""
        path = self.path_for(sha256)
        with path.open("rb") as fh:
            sealed = is_sealed(fh.read(len(MAGIC)))
            fh.seek(0)
            if sealed:
                started = False
                try:
                    for chunk in open_stream(fh, self.key):
                        started = True
                        yield chunk
                    return
                except SealError as exc:
                    # A plaintext original may begin with the marker by chance: it hashes to
                    # its name. Checked only on failure, so sealed reads never hash twice.
                    if started or file_digests(path)[0] != sha256:
                        raise BlobIntegrityError(f"stored original {sha256}: {exc}") from exc
                fh.seek(0)
            while chunk := fh.read(CHUNK):
                yield chunk

    def open(self, sha256: str) -> BinaryIO:
        """A readable copy of the original (spooled to disk when large and sealed)."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        for chunk in self.chunks(sha256):
            spool.write(chunk)
        spool.seek(0)
        return spool  # type: ignore[return-value]

    @contextmanager
    def local_path(self, sha256: str) -> Iterator[Path]:
        """A file path with the original's plaintext, for decoders that need a path.

        Unsealed originals are handed out in place (read-only); sealed ones are
        decrypted to a private temporary file that is removed afterwards.
        """
        path = self.path_for(sha256)
        with path.open("rb") as fh:
            sealed = is_sealed(fh.read(len(MAGIC)))
        if not sealed:
            yield path
            return
        fd, name = tempfile.mkstemp(prefix="idolguard-original-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in self.chunks(sha256):
                    out.write(chunk)
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)

    def delete(self, sha256: str) -> bool:
        """Remove an original (retention only); the directory stays write-protected per file."""
        path = self.path_for(sha256)
        if not path.exists():
            return False
        path.unlink()
        return True

    def verify(self, sha256: str) -> None:
        """Re-hash a stored original; raises ``BlobIntegrityError`` if it no longer matches."""
        digest = hashlib.sha256()
        for chunk in self.chunks(sha256):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            raise BlobIntegrityError(f"stored original {sha256} has been altered")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
