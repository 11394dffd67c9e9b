from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from idolguard.storage.blobs import BlobIntegrityError, BlobStore


def test_store_is_content_addressed_and_write_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    source = tmp_path / "a.bin"
    source.write_bytes(b"evidence bytes")
    digest = hashlib.sha256(b"evidence bytes").hexdigest()
    assert store.put_file(source) == (digest, True)
    assert store.put_file(source) == (digest, False)
    stored = store.path_for(digest)
    assert stored.read_bytes() == b"evidence bytes"
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0
    assert stored.stat().st_mode & 0o222 == 0
    assert not list((tmp_path / "blobs").glob(".incoming-*"))


def test_refuses_bytes_that_do_not_match_the_expected_digest(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    source = tmp_path / "a.bin"
    source.write_bytes(b"changed")
    with pytest.raises(BlobIntegrityError):
        store.put_file(source, expected_sha256="0" * 64)
    assert not store.contains("0" * 64)


def test_verify_detects_tampering(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    source = tmp_path / "a.bin"
    source.write_bytes(b"original")
    digest, _ = store.put_file(source)
    store.verify(digest)
    path = store.path_for(digest)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(BlobIntegrityError):
        store.verify(digest)


def test_rejects_non_digest_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path_for("../../etc/passwd")
