"""A watched local folder: each media file reported once per version of it.

Fans and moderators often collect what they find in one place: a sync folder,
a download folder, a shared drive. ``FolderConnector`` polls such a folder and
reports each media file once per version of it (a file replaced under the same
name is a new sighting: it may be different media).

Like every connector that reads local files, it follows ``local_files``: no path
outside the named folder, no unbounded reads.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from idolguard.media import MEDIA_EXTENSIONS
from idolguard.sources.connectors.base import (
    Connector,
    Found,
    JSONDict,
    Option,
    Poll,
    SourceError,
    WebAccess,
)
from idolguard.sources.connectors.common import MAX_ENTRIES_PER_POLL
from idolguard.sources.connectors.local_files import WarningLog, contained_file

__all__ = ["FolderConnector"]

# A file modified this far in the future was not written just now (writing sets
# the modification time to the writer's clock); it is taken rather than waited
# for, or a wrong camera clock would hide it for years. The margin covers a
# network share whose clock runs a little ahead.
_FUTURE_MARGIN_NS = 10 * 60 * 1_000_000_000


@dataclass(frozen=True)
class _File:
    relative: str  # POSIX-style, relative to the watched folder
    path: Path  # absolute; for a symlink, the file it points to
    size: int
    mtime_ns: int


class FolderConnector(Connector):
    """Media files in a local folder, each version of each file reported once.

    The key is the relative path, size and modification time, so a file that
    is replaced (same name, new content) is seen again, and a file that was
    only looked at is not. Files modified in the last ``settle_seconds`` are
    left for the next poll: a copy or download may still be writing them.

    A poll reports at most ``max_entries`` files (``MAX_ENTRIES_PER_POLL``,
    what the monitor handles in one run: it keeps the cursor only when it
    handled everything listed), so a folder of a million photos is worked
    through a slice at a time. No file may be skipped for
    good and a big folder must still make progress, so the cursor keeps two
    positions (the monitor skips keys it has already processed, so anything
    returned twice is harmless; only something never returned is lost):

    * ``fresh_after``: the (modification time, path) of the newest file
      reported. Files above it are new or changed since; they come first,
      oldest first, so new uploads are not stuck behind an old backlog.
    * ``rotate_after``: where the last poll stopped in a walk over all other
      files in path order, wrapping round at the end. It catches files that
      arrive with an old modification time (``mv`` and ``cp -p`` keep it),
      which the first position would never see; in a folder over the cap each
      such file is reached within (files / cap) polls.

    When everything fits in one poll, every settled file is returned and
    ``rotate_after`` is dropped.
    """

    kind = "folder"
    description = "A local folder where media files are saved (a sync or download folder)."
    options = (
        Option("path", "the folder to watch", required=True),
        Option("recursive", "also look in sub-folders", kind=bool, default=True),
        Option(
            "settle_seconds",
            "leave files modified less than this many seconds ago for the next poll "
            "(they may still be being written)",
            kind=int,
            default=5,
        ),
    )
    network = False
    max_entries: ClassVar[int] = MAX_ENTRIES_PER_POLL

    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        root = self._root()
        warnings = WarningLog()
        now_ns = time.time_ns()
        cutoff_ns = now_ns - int(self.settings["settle_seconds"]) * 1_000_000_000
        settled = [
            f
            for f in _scan(root, bool(self.settings["recursive"]), warnings)
            if f.mtime_ns <= cutoff_ns or f.mtime_ns > now_ns + _FUTURE_MARGIN_NS
        ]
        plan = _Plan(settled, cursor, cutoff_ns, self.max_entries)
        lines = warnings.lines()
        if plan.truncated:
            lines.append(
                f"the folder holds {len(settled)} media files, more than one poll reports "
                f"({self.max_entries}); the next polls continue with the rest"
            )
        return Poll([_found(f) for f in plan.chosen], plan.cursor(), lines)

    def _root(self) -> Path:
        path = Path(str(self.settings["path"])).expanduser()
        try:
            root = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise SourceError(f"the folder {path} does not exist (or cannot be reached)") from None
        if not root.is_dir():
            raise SourceError(f"{path} is a file; a folder source needs a folder")
        return root


def _found(file: _File) -> Found:
    return Found(
        key=f"{file.relative}:{file.size}:{file.mtime_ns}",
        local_path=file.path,
        platform="local",
        caption=None,
        extra={"relative_path": file.relative},
    )


class _Plan:
    """Which settled files one poll reports, and the cursor after it (see ``FolderConnector``)."""

    def __init__(
        self, files: list[_File], cursor: Mapping[str, Any], cutoff_ns: int, cap: int
    ) -> None:
        self.cutoff_ns = cutoff_ns
        self.fresh_after = _fresh_mark(cursor.get("fresh_after"))
        rotate_after = cursor.get("rotate_after")
        self.rotate_after = rotate_after if isinstance(rotate_after, str) else None
        fresh = sorted((f for f in files if self._is_fresh(f)), key=lambda f: self._order(f))
        rest = _rotation([f for f in files if not self._is_fresh(f)], self.rotate_after)
        self.truncated = len(fresh) + len(rest) > cap
        self.fresh = fresh[:cap]
        self.rotated = rest[: cap - len(self.fresh)]
        self.chosen = self.fresh + self.rotated

    def _order(self, file: _File) -> tuple[int, str]:
        # A future modification time counts as "now", so one wrong clock cannot
        # push the mark past every file that arrives later.
        return (min(file.mtime_ns, self.cutoff_ns), file.relative)

    def _is_fresh(self, file: _File) -> bool:
        return self.fresh_after is None or self._order(file) > self.fresh_after

    def cursor(self) -> JSONDict:
        cursor: JSONDict = {}
        mark = self._order(self.fresh[-1]) if self.fresh else self.fresh_after
        if mark is not None:
            cursor["fresh_after"] = list(mark)
        if self.truncated:
            rotate = self.rotated[-1].relative if self.rotated else self.rotate_after
            if rotate is not None:
                cursor["rotate_after"] = rotate
        return cursor


def _fresh_mark(value: object) -> tuple[int, str] | None:
    """The saved (mtime, path) mark; anything malformed means "no mark" (report all again)."""
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
        and isinstance(value[1], str)
    ):
        return (value[0], value[1])
    return None


def _rotation(files: list[_File], after: str | None) -> list[_File]:
    """``files`` in path order, starting after ``after`` and wrapping round to the start."""
    ordered = sorted(files, key=lambda f: f.relative)
    if after is None:
        return ordered
    start = next((i for i, f in enumerate(ordered) if f.relative > after), len(ordered))
    return ordered[start:] + ordered[:start]


def _scan(root: Path, recursive: bool, warnings: WarningLog) -> Iterator[_File]:
    """Media files under ``root``: hidden entries skipped, folder symlinks not followed."""
    pending: list[tuple[Path, str]] = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        entries = _list(directory, prefix, warnings)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            relative = prefix + entry.name
            if _is_real_dir(entry):
                if recursive:
                    pending.append((Path(entry.path), relative + "/"))
                continue
            if Path(entry.name).suffix.lower() not in MEDIA_EXTENSIONS:
                continue
            file = _media_file(root, entry, relative, warnings)
            if file is not None:
                yield file


def _list(directory: Path, prefix: str, warnings: WarningLog) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return list(it)
    except OSError as exc:
        if not prefix:
            raise SourceError(f"the folder {directory} cannot be read: {exc.strerror}") from None
        warnings.add(
            f"the sub-folder {prefix.rstrip('/')!r} cannot be read ({exc.strerror or exc}); skipped"
        )
        return []


def _is_real_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _media_file(
    root: Path, entry: os.DirEntry[str], relative: str, warnings: WarningLog
) -> _File | None:
    """The file behind ``entry`` when it is a regular file inside ``root``, else ``None``.

    Symlinks to files are taken only when they point inside the folder; folder
    symlinks were already left out (they can make loops, or lead anywhere).
    """
    path = Path(entry.path)
    try:
        if entry.is_symlink():
            target = contained_file(root, relative)
            if isinstance(target, str):
                warnings.add(f"{relative!r} {target}; skipped")
                return None
            path = target
        info = path.stat()
    except OSError as exc:
        warnings.add(f"{relative!r} cannot be read ({exc.strerror or exc}); skipped")
        return None
    if not stat.S_ISREG(info.st_mode):
        return None  # a FIFO or device named like media would hang or mislead a reader
    return _File(relative, path, info.st_size, info.st_mtime_ns)
