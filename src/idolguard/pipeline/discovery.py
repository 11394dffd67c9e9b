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
    symlinks are not followed (no loops). A folder that cannot be listed is
    yielded itself, so that it gets an error record instead of vanishing.
    """
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            unlisted: list[OSError] = []
            for root, dirs, files in os.walk(path, followlinks=False, onerror=unlisted.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or Path(name).suffix.lower() not in MEDIA_EXTENSIONS:
                        continue
                    candidate = Path(root) / name
                    key = _key(candidate)
                    if key not in seen:
                        seen.add(key)
                        yield candidate
            for error in unlisted:
                if error.filename is not None:
                    folder = Path(os.fsdecode(error.filename))
                    if _key(folder) not in seen:
                        seen.add(_key(folder))
                        yield folder
        else:
            key = _key(path)
            if key not in seen:
                seen.add(key)
                yield path


def _key(path: Path) -> Path:
    """What makes two paths the same file; a path that cannot be resolved is its own.

    A symbolic link to itself (or a missing target) must get an error record,
    not stop discovery: ``resolve`` raises on loops.
    """
    try:
        return path.resolve() if path.exists() else path.absolute()
    except (OSError, RuntimeError):
        return path.absolute()
