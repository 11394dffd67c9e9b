"""Canonical JSON: one byte sequence per value, so a hash over it can be recomputed anywhere.

Keys sorted, no insignificant whitespace, UTF-8 (Hangul kept as is), and
times as ISO 8601 UTC with a ``Z``. Anyone with a JSON library can reproduce
the bytes of a manifest or custody entry and check its SHA-256 by hand.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime
from typing import Any

from idolguard.clock import utc_iso


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} into canonical JSON")


def _check_floats(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("NaN and infinity have no canonical JSON form")
    if isinstance(value, dict):
        for item in value.values():
            _check_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_floats(item)


def canonical_json(value: Any) -> bytes:
    _check_floats(value)
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_default,
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
