"""Pieces shared by the provenance checks: the finding record and the AI vocabulary.

Every check reports *evidence*, not a verdict: a finding carries the raw value
as the file states it and where it was found, so a reviewer (or a takedown
notice) can quote it. Raw values come from strangers' files, so they are
clipped before they reach the database.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from idolguard.signals.base import JSONDict

# Longest raw text kept in a finding; a ComfyUI workflow can run to megabytes.
MAX_VALUE_CHARS = 2000

# IPTC digital source type codes (the last path segment of
# http://cv.iptc.org/newscodes/digitalsourcetype/<code>) that declare generative AI.
# ``algorithmicMedia`` is media made purely by an algorithm without training data;
# it is flagged too because no camera took the picture. ``trainedAlgorithmicData``
# is not an IPTC code but appears in c2pa's own enumeration, so files may carry it.
AI_SOURCE_TYPES = frozenset(
    {
        "trainedalgorithmicmedia",
        "compositewithtrainedalgorithmicmedia",
        "algorithmicmedia",
        "trainedalgorithmicdata",
    }
)


def finding(
    kind: str,
    *,
    ai: bool,
    source: str,
    value: Any,
    detail: str,
    **extra: Any,
) -> JSONDict:
    """One piece of evidence in the result's ``findings`` list (keys in a stable order)."""
    record: JSONDict = {"kind": kind, "ai": ai, "source": source}
    if isinstance(value, str):
        text, truncated = clip(value)
        record["value"] = text
        if truncated:
            record["truncated"] = True
    else:
        record["value"] = value
    record["detail"] = detail
    record.update(extra)
    return record


def clip(text: str, limit: int = MAX_VALUE_CHARS) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters, and whether anything was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True


def source_type_code(value: str) -> str:
    """The bare IPTC code of a digital source type given as a URI, CURIE or bare word.

    Files spell it ``http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia``,
    ``https://...``, ``digsrctype:trainedAlgorithmicMedia`` or just the code.
    """
    code = re.split(r"[/:#]", value.strip().rstrip("/"))[-1]
    return code.strip()


def is_ai_source_type(value: str) -> bool:
    return source_type_code(value).lower() in AI_SOURCE_TYPES


def decode_text(raw: bytes) -> str:
    """Bytes of unknown encoding as text: UTF-8 when valid, otherwise Latin-1 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_windows(path: Path, size: int, head_bytes: int, tail_bytes: int) -> list[bytes]:
    """The first ``head_bytes`` and (if the file is longer) the last ``tail_bytes`` of a file.

    Metadata sits near one end or the other (JPEG/PNG headers, MP4 ``moov`` boxes
    written last), so these windows bound what a byte search over a huge file costs.
    """
    with path.open("rb") as fp:
        windows = [fp.read(head_bytes)]
        if size > head_bytes:
            fp.seek(max(head_bytes, size - tail_bytes))
            windows.append(fp.read(tail_bytes))
    return windows
