"""What the pipeline produces for each file, shared by the scanner, storage and the interfaces.

``FileRecord`` lives here, not in storage, so that the CLI can print a scan and
domain services can triage one without importing the database layer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FileRecord:
    """Everything known about one scanned file; the pipeline's unit of output."""

    location: str
    sha256: str | None = None
    md5: str | None = None
    size_bytes: int | None = None
    media_type: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    error_code: str | None = None
    error: str | None = None  # a plain sentence for the reviewer
    error_detail: str | None = None  # the decoder's own words, for debugging
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    signal_errors: dict[str, str] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)  # signals whose results were reused
    warnings: list[str] = field(default_factory=list)
    original_stored: bool = False
    # Where it was seen, when a caller knows more than a path (a monitored post,
    # a captured page); ``origin`` is how it came in (scan, monitor, capture).
    source: dict[str, Any] = field(default_factory=dict)
    origin: str = "scan"
    source_id: int | None = None  # the monitored source, when one found it
    entry_id: int | None = None


def printable_location(location: str) -> str:
    """``location`` as text that can be stored, printed and sent as JSON.

    Linux file names are bytes; Python carries those that are not UTF-8 (zip
    and chat exports are full of them) as lone surrogates, which no database,
    JSON encoder or terminal accepts. Such bytes become ``\\xNN`` escapes,
    so the name stays recognisable and distinct; valid names are unchanged.
    """
    try:
        location.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(location).decode("utf-8", "backslashreplace")
    return location
