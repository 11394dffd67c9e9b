"""Encryption at rest: chunked AES-256-GCM (``storage.sealing``) via ``BlobStore(root, key)``."""

from __future__ import annotations

import hashlib
import io
import os
import random
import stat
from pathlib import Path

import pytest

from idolguard.storage.blobs import BlobIntegrityError, BlobStore
from idolguard.storage.sealing import (
    CHUNK,
    HEADER,
    MAGIC,
    TAG,
    SealError,
    is_sealed,
    key_id,
    open_stream,
    seal_stream,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(100, 132))
MIB = 1024 * 1024
BLOCK = CHUNK + TAG  # one sealed chunk on disk
MARKER = b"IDOLGUARD-PLAINTEXT-MARKER:" + bytes(range(0x41, 0x41 + 37))  # 64 distinctive bytes
BIG = 3 * MIB + MIB // 2  # four chunks: three full, one half


def payload(size: int, seed: int = 1) -> bytes:
    """Deterministic pseudo-random bytes; the 64-byte marker sits in the middle when it fits."""
    data = random.Random(seed).randbytes(size)
    if size >= 2 * len(MARKER):
        mid = size // 2
        data = data[:mid] + MARKER + data[mid + len(MARKER) :]
    return data


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_all(store: BlobStore, digest: str) -> bytes:
    return b"".join(store.chunks(digest))


def store_bytes(store: BlobStore, data: bytes) -> str:
    digest, new = store.put_stream(io.BytesIO(data))
    assert new
    return digest


def tamper(path: Path, edit: bytes | None = None, *, flip_at: int | None = None) -> None:
    """Rewrite a (read-only) blob: either replace its bytes or XOR one byte with 0x01."""
    raw = path.read_bytes()
    if flip_at is not None:
        buf = bytearray(raw)
        buf[flip_at] ^= 0x01
        raw = bytes(buf)
    if edit is not None:
        raw = edit
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(raw)
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def expected_sealed_size(size: int) -> int:
    chunks = max(1, -(-size // CHUNK))
    return HEADER + size + chunks * TAG


@pytest.fixture
def sealed(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", key=KEY)


@pytest.fixture
def big(sealed: BlobStore) -> tuple[BlobStore, str, bytes]:
    data = payload(BIG, seed=7)
    return sealed, store_bytes(sealed, data), data


# -- round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [0, 1, MIB - 1, MIB, MIB + 1, 2 * MIB, BIG],
    ids=["empty", "1B", "1MiB-1", "1MiB", "1MiB+1", "2MiB", "3.5MiB"],
)
def test_round_trip(sealed: BlobStore, tmp_path: Path, size: int) -> None:
    data = payload(size, seed=size)
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    digest, new = sealed.put_file(source)
    assert new
    assert digest == sha(data)  # named by the plaintext digest, not the ciphertext's
    path = sealed.path_for(digest)
    assert path == tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    stored = path.read_bytes()
    assert stored.startswith(MAGIC)
    assert stored[len(MAGIC) : len(MAGIC) + 8] == key_id(KEY)
    assert len(stored) == expected_sealed_size(size)
    assert sha(stored) != digest
    if size >= 2 * len(MARKER):
        assert MARKER in data
        assert MARKER not in stored
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert sealed.contains(digest)
    assert read_all(sealed, digest) == data
    with sealed.open(digest) as fh:
        assert fh.read() == data
    sealed.verify(digest)
    assert not list((tmp_path / "blobs").glob(".incoming-*"))


def test_chunks_come_out_in_chunk_sized_pieces(big: tuple[BlobStore, str, bytes]) -> None:
    store, digest, data = big
    pieces = list(store.chunks(digest))
    assert [len(p) for p in pieces] == [CHUNK, CHUNK, CHUNK, MIB // 2]
    assert b"".join(pieces) == data


def test_sealing_uses_a_fresh_nonce_prefix_per_file(tmp_path: Path) -> None:
    data = payload(1000)
    one = BlobStore(tmp_path / "one", key=KEY)
    two = BlobStore(tmp_path / "two", key=KEY)
    digest = store_bytes(one, data)
    assert store_bytes(two, data) == digest
    a, b = one.path_for(digest).read_bytes(), two.path_for(digest).read_bytes()
    assert a[: len(MAGIC) + 8] == b[: len(MAGIC) + 8]  # same magic and key id
    assert a[len(MAGIC) + 8 : HEADER] != b[len(MAGIC) + 8 : HEADER]  # different nonce prefix
    assert a[HEADER:] != b[HEADER:]


def test_storing_the_same_plaintext_again_is_a_no_op(sealed: BlobStore) -> None:
    data = payload(5000)
    digest = store_bytes(sealed, data)
    before = sealed.path_for(digest).read_bytes()
    assert sealed.put_stream(io.BytesIO(data)) == (digest, False)
    assert sealed.put_stream(io.BytesIO(data), expected_sha256=digest) == (digest, False)
    assert sealed.path_for(digest).read_bytes() == before


def test_expected_digest_is_checked_against_the_plaintext(sealed: BlobStore) -> None:
    data = payload(3000)
    assert sealed.put_stream(io.BytesIO(data), expected_sha256=sha(data)) == (sha(data), True)
    with pytest.raises(BlobIntegrityError, match="content changed while storing"):
        sealed.put_stream(io.BytesIO(b"something else"), expected_sha256="ab" * 32)
    assert not sealed.contains("ab" * 32)
    assert not list(sealed.root.glob(".incoming-*"))


def test_local_path_of_a_sealed_blob_is_a_temporary_plaintext_copy(
    big: tuple[BlobStore, str, bytes],
) -> None:
    store, digest, data = big
    with store.local_path(digest) as path:
        assert path != store.path_for(digest)
        assert store.root not in path.parents
        assert path.read_bytes() == data
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0  # private to this user
    assert not path.exists()


def test_local_path_temporary_copy_is_removed_on_error(sealed: BlobStore) -> None:
    digest = store_bytes(sealed, payload(100))
    seen: list[Path] = []
    with pytest.raises(RuntimeError, match="decoder failed"), sealed.local_path(digest) as path:
        seen.append(path)
        raise RuntimeError("decoder failed")
    assert seen and not seen[0].exists()


def test_local_path_of_a_plaintext_blob_is_the_stored_file(tmp_path: Path) -> None:
    plain = BlobStore(tmp_path / "blobs")
    data = payload(100)
    digest = store_bytes(plain, data)
    with BlobStore(tmp_path / "blobs", key=KEY).local_path(digest) as path:
        assert path == plain.path_for(digest)
        assert path.read_bytes() == data
    assert path.exists()


def test_delete_removes_a_sealed_blob(sealed: BlobStore) -> None:
    digest = store_bytes(sealed, payload(100))
    assert sealed.delete(digest)
    assert not sealed.contains(digest)
    assert not sealed.delete(digest)


# -- tampering -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (len(MAGIC) + 3, "different evidence key"),  # key id
        (len(MAGIC) + 8, "fails authentication at chunk 0"),  # nonce prefix, first byte
        (HEADER - 1, "fails authentication at chunk 0"),  # nonce prefix, last byte
    ],
    ids=["key-id", "nonce-first", "nonce-last"],
)
def test_flipped_header_byte_is_detected(
    big: tuple[BlobStore, str, bytes], offset: int, message: str
) -> None:
    store, digest, _ = big
    tamper(store.path_for(digest), flip_at=offset)
    with pytest.raises(BlobIntegrityError, match=message):
        read_all(store, digest)
    with pytest.raises(BlobIntegrityError, match=digest):
        store.verify(digest)
    with pytest.raises(BlobIntegrityError):
        store.open(digest)


@pytest.mark.parametrize("offset", range(len(MAGIC)))
def test_flipped_magic_byte_is_caught_by_verify(
    big: tuple[BlobStore, str, bytes], offset: int
) -> None:
    """A damaged magic makes the blob look unsealed: ``chunks`` then hands out the raw sealed
    bytes (as it does any unsealed blob, without hashing), but ``verify`` rejects it."""
    store, digest, data = big
    path = store.path_for(digest)
    tamper(path, flip_at=offset)
    raw = path.read_bytes()
    assert read_all(store, digest) == raw != data
    with pytest.raises(BlobIntegrityError, match="has been altered"):
        store.verify(digest)


def test_flipped_byte_in_the_middle_chunk_is_detected(big: tuple[BlobStore, str, bytes]) -> None:
    store, digest, _ = big
    tamper(store.path_for(digest), flip_at=HEADER + BLOCK + CHUNK // 2)
    with pytest.raises(BlobIntegrityError, match="fails authentication at chunk 1"):
        read_all(store, digest)
    with pytest.raises(BlobIntegrityError, match="chunk 1"):
        store.verify(digest)


def test_flipped_byte_in_the_last_tag_is_detected(big: tuple[BlobStore, str, bytes]) -> None:
    store, digest, _ = big
    path = store.path_for(digest)
    tamper(path, flip_at=path.stat().st_size - 1)
    with pytest.raises(BlobIntegrityError, match="fails authentication at chunk 3"):
        read_all(store, digest)
    with pytest.raises(BlobIntegrityError):
        store.verify(digest)
    with pytest.raises(BlobIntegrityError), store.local_path(digest):
        pass  # pragma: no cover


@pytest.mark.parametrize("size", [2 * MIB, BIG], ids=["2MiB", "3.5MiB"])
def test_dropping_whole_trailing_chunks_is_detected(sealed: BlobStore, size: int) -> None:
    """Cut exactly at a chunk boundary: every remaining chunk is intact and correctly tagged,
    only the final-chunk flag in the associated data gives the truncation away."""
    data = payload(size, seed=3)
    digest = store_bytes(sealed, data)
    path = sealed.path_for(digest)
    original = path.read_bytes()
    blocks = -(-size // CHUNK)
    for keep in range(1, blocks):
        tamper(path, original[: HEADER + keep * BLOCK])
        with pytest.raises(BlobIntegrityError, match=f"fails authentication at chunk {keep - 1}"):
            read_all(sealed, digest)
        with pytest.raises(BlobIntegrityError):
            sealed.verify(digest)


@pytest.mark.parametrize("cut", [0, 1, TAG - 1, TAG, TAG + 1])
def test_truncation_inside_or_before_the_last_chunk_is_detected(
    big: tuple[BlobStore, str, bytes], cut: int
) -> None:
    store, digest, _ = big
    path = store.path_for(digest)
    original = path.read_bytes()
    if cut == 0:
        tamper(path, original[:HEADER])  # header only: no chunk at all
    else:
        tamper(path, original[:-cut])
    with pytest.raises(BlobIntegrityError):
        store.verify(digest)


def test_header_only_file_reports_truncation(sealed: BlobStore) -> None:
    digest = store_bytes(sealed, b"")
    path = sealed.path_for(digest)
    tamper(path, path.read_bytes()[:HEADER])
    with pytest.raises(BlobIntegrityError, match="truncated"):
        sealed.verify(digest)


def test_appended_chunk_is_detected(big: tuple[BlobStore, str, bytes]) -> None:
    store, digest, _ = big
    path = store.path_for(digest)
    original = path.read_bytes()
    tamper(path, original + original[HEADER : HEADER + BLOCK])
    with pytest.raises(BlobIntegrityError, match="fails authentication at chunk 3"):
        store.verify(digest)


def test_swapped_chunks_are_detected(big: tuple[BlobStore, str, bytes]) -> None:
    store, digest, _ = big
    path = store.path_for(digest)
    raw = path.read_bytes()
    first, second = raw[HEADER : HEADER + BLOCK], raw[HEADER + BLOCK : HEADER + 2 * BLOCK]
    tamper(path, raw[:HEADER] + second + first + raw[HEADER + 2 * BLOCK :])
    with pytest.raises(BlobIntegrityError, match="fails authentication at chunk 0"):
        read_all(store, digest)
    with pytest.raises(BlobIntegrityError):
        store.verify(digest)


def test_chunk_from_another_file_is_detected(sealed: BlobStore) -> None:
    """Same key, same position, but another file's nonce prefix and header."""
    a = payload(2 * MIB, seed=10)
    b = payload(2 * MIB, seed=11)
    da, db = store_bytes(sealed, a), store_bytes(sealed, b)
    raw_a, raw_b = sealed.path_for(da).read_bytes(), sealed.path_for(db).read_bytes()
    tamper(sealed.path_for(da), raw_a[: HEADER + BLOCK] + raw_b[HEADER + BLOCK :])
    with pytest.raises(BlobIntegrityError, match="chunk 1"):
        sealed.verify(da)


# -- keys ------------------------------------------------------------------------------------------


def test_wrong_key_is_reported_as_a_different_key(tmp_path: Path) -> None:
    data = payload(2000)
    digest = store_bytes(BlobStore(tmp_path / "blobs", key=KEY), data)
    other = BlobStore(tmp_path / "blobs", key=OTHER_KEY)
    with pytest.raises(BlobIntegrityError, match="different evidence key"):
        read_all(other, digest)
    with pytest.raises(BlobIntegrityError, match="different evidence key"):
        other.verify(digest)
    with (
        pytest.raises(BlobIntegrityError, match="different evidence key"),
        other.local_path(digest),
    ):
        pass  # pragma: no cover


def test_sealed_blob_without_a_key_says_it_is_encrypted(tmp_path: Path) -> None:
    digest = store_bytes(BlobStore(tmp_path / "blobs", key=KEY), payload(2000))
    keyless = BlobStore(tmp_path / "blobs")
    assert keyless.contains(digest)
    with pytest.raises(BlobIntegrityError, match="original is encrypted"):
        read_all(keyless, digest)
    with pytest.raises(BlobIntegrityError, match="original is encrypted"):
        keyless.verify(digest)
    with pytest.raises(BlobIntegrityError, match="original is encrypted"):
        keyless.open(digest)


def test_old_plaintext_and_new_sealed_blobs_live_side_by_side(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    old = payload(MIB + 5, seed=21)
    new = payload(MIB + 6, seed=22)
    plain_digest = store_bytes(BlobStore(root), old)
    assert BlobStore(root).path_for(plain_digest).read_bytes() == old  # stored as is

    keyed = BlobStore(root, key=KEY)
    sealed_digest = store_bytes(keyed, new)
    assert is_sealed(keyed.path_for(sealed_digest).read_bytes()[:8])
    assert not is_sealed(keyed.path_for(plain_digest).read_bytes()[:8])
    for digest, data in ((plain_digest, old), (sealed_digest, new)):
        assert read_all(keyed, digest) == data
        keyed.verify(digest)
    # Switching encryption on does not re-seal what is already stored.
    assert keyed.put_stream(io.BytesIO(old)) == (plain_digest, False)
    assert keyed.path_for(plain_digest).read_bytes() == old

    keyless = BlobStore(root)
    assert read_all(keyless, plain_digest) == old
    keyless.verify(plain_digest)
    with pytest.raises(BlobIntegrityError, match="encrypted"):
        keyless.verify(sealed_digest)


@pytest.mark.parametrize("key", [b"short", b"", bytes(16), bytes(24), bytes(33)])
def test_key_must_be_32_bytes(tmp_path: Path, key: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        BlobStore(tmp_path, key=key)


# -- the sealing module on its own -----------------------------------------------------------------


def seal(data: bytes, key: bytes = KEY) -> tuple[bytes, list[bytes]]:
    out = io.BytesIO()
    pieces = list(seal_stream(io.BytesIO(data), out, key))
    return out.getvalue(), pieces


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1])
def test_seal_stream_yields_the_plaintext_and_opens_again(size: int) -> None:
    data = payload(size, seed=size + 1)
    sealed_bytes, pieces = seal(data)
    assert b"".join(pieces) == data
    assert len(sealed_bytes) == expected_sealed_size(size)
    assert b"".join(open_stream(io.BytesIO(sealed_bytes), KEY)) == data


def test_open_stream_refuses_what_is_not_sealed() -> None:
    with pytest.raises(SealError, match="not a sealed file"):
        list(open_stream(io.BytesIO(b"plain bytes, long enough to fill a header"), KEY))
    with pytest.raises(SealError, match="not a sealed file"):
        list(open_stream(io.BytesIO(MAGIC), KEY))  # shorter than a header


def test_key_id_is_short_and_distinct() -> None:
    assert len(key_id(KEY)) == 8
    assert key_id(KEY) == key_id(bytes(KEY))
    assert key_id(KEY) != key_id(OTHER_KEY)
    assert is_sealed(MAGIC + b"rest") and not is_sealed(b"IGSEAL2\n")


# -- bugs ------------------------------------------------------------------------------------------


def test_keyless_store_returns_plaintext_that_begins_with_the_magic(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    data = MAGIC + payload(100)
    digest = store_bytes(store, data)
    assert read_all(store, digest) == data
    store.verify(digest)


class ShortReads(io.RawIOBase):
    """A stream that, like a pipe or socket, returns at most 64 KiB per read."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._buf.read(min(size, 64 * 1024) if size >= 0 else -1)


def test_plain_store_handles_short_reads(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    data = payload(MIB + 10, seed=5)
    digest, _ = store.put_stream(ShortReads(data))  # type: ignore[arg-type]
    assert read_all(store, digest) == data


def test_sealed_store_handles_short_reads(sealed: BlobStore) -> None:
    data = payload(MIB + 10, seed=5)
    digest, new = sealed.put_stream(ShortReads(data))  # type: ignore[arg-type]
    assert (digest, new) == (sha(data), True)
    assert read_all(sealed, digest) == data
