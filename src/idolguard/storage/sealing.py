"""Encryption at rest for stored originals: chunked AES-256-GCM.

Evidence includes intimate imagery; a stolen disk or backup must not expose
it. Files are sealed in 1 MiB chunks, so multi-gigabyte videos never sit in
memory. Each chunk's nonce is a random per-file prefix plus the chunk number,
and its associated data says whether it is the last chunk, so reordering,
dropping or truncating chunks fails authentication rather than decrypting to
something shorter.

Layout: ``MAGIC | key id (8) | nonce prefix (8) | chunk* `` where each chunk is
ciphertext plus a 16-byte tag.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"IGSEAL1\n"
CHUNK = 1024 * 1024
TAG = 16
HEADER = len(MAGIC) + 8 + 8


class SealError(RuntimeError):
    """A sealed file cannot be opened: wrong key, or its bytes were altered."""


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"idolguard-seal-key-id" + key).digest()[:8]


def is_sealed(head: bytes) -> bool:
    return head.startswith(MAGIC)


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">I?", index, last)


def _read_full(source: BinaryIO, size: int) -> bytes:
    """Read ``size`` bytes unless the stream ends first (pipes and sockets return less)."""
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def seal_stream(source: BinaryIO, out: BinaryIO, key: bytes) -> Iterator[bytes]:
    """Encrypt ``source`` into ``out``, yielding each plaintext chunk (for hashing on the way)."""
    aead = AESGCM(key)
    prefix = os.urandom(8)
    header = MAGIC + key_id(key) + prefix
    out.write(header)
    index = 0
    chunk = _read_full(source, CHUNK)
    while True:
        following = _read_full(source, CHUNK) if chunk else b""
        last = not following
        nonce = prefix + struct.pack(">I", index)
        out.write(aead.encrypt(nonce, chunk, _aad(header, index, last)))
        yield chunk
        if last:
            return
        chunk, index = following, index + 1


def open_stream(source: BinaryIO, key: bytes | None) -> Iterator[bytes]:
    """Decrypt a sealed stream chunk by chunk; raises ``SealError`` on any tampering."""
    header = source.read(HEADER)
    if len(header) != HEADER or not is_sealed(header):
        raise SealError("not a sealed file")
    if key is None:
        raise SealError("this original is encrypted; configure the evidence key to read it")
    if header[len(MAGIC) : len(MAGIC) + 8] != key_id(key):
        raise SealError("this original was encrypted with a different evidence key")
    aead = AESGCM(key)
    prefix = header[len(MAGIC) + 8 :]
    index = 0
    block = _read_full(source, CHUNK + TAG)
    while True:
        following = _read_full(source, CHUNK + TAG)
        last = not following
        if len(block) < TAG:
            raise SealError("sealed file is truncated")
        try:
            plain = aead.decrypt(
                prefix + struct.pack(">I", index), block, _aad(header, index, last)
            )
        except InvalidTag as exc:
            raise SealError(f"sealed file fails authentication at chunk {index}") from exc
        yield plain
        if last:
            return
        block, index = following, index + 1
