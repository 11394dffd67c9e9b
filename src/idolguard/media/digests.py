"""Cryptographic digests of a file, computed in one read."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1024 * 1024


def file_digests(path: Path) -> tuple[str, str, int]:
    """SHA-256 (identity and evidence), MD5 (what StopNCII and pytx exchange for video), size."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), md5.hexdigest(), size
