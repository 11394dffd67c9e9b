"""Turning the paths a user typed into the list of files to scan."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from idolguard.media import MEDIA_EXTENSIONS


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield files to scan, each once, in a stable order.

    Files named explicitly are always scanned, whatever their extension, so a
    mistyped file gets an error record instead of vanishing. Inside folders
    only media extensions are taken, hidden entries are skipped, and folder
    symlinks are not followed (no loops).
    """
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or Path(name).suffix.lower() not in MEDIA_EXTENSIONS:
                        continue
                    candidate = Path(root) / name
                    key = candidate.resolve()
                    if key not in seen:
                        seen.add(key)
                        yield candidate
        else:
            key = path.resolve() if path.exists() else path.absolute()
            if key not in seen:
                seen.add(key)
                yield path
